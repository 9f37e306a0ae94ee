"""Exercise 02: the FEM run payload as pydantic 2 models, and its errors as pointers.

A FEM run arrives as nested JSON (already parsed into Python objects)::

    {"wafer_id": "W01", "lot_id": "L24-001", "feature": "dense",
     "focus_grid": [-0.1, 0.0, 0.1],
     "measurements": [{"field": 1, "dose": 24.0, "focus": 0.0, "cd": 45.2}, ...]}

Both models are strict (``"24"`` is not a number, ``true`` is not an integer, an integer is a
valid float), refuse unknown fields, and refuse NaN and ±infinity in every float.

``MeasurementIn``: ``field`` int 1..500; ``dose`` float, 0 < dose <= 500 (mJ/cm²);
``focus`` float, -10 <= focus <= 10 (µm); ``cd`` float, 0 < cd <= 5000 (nm).

``FemRunIn``: ``wafer_id`` str matching ``W`` and two ASCII digits (``W01``); ``lot_id`` str
matching ``L``, two ASCII digits, ``-``, three ASCII digits (``L24-001``), nothing before or
after (no trailing newline); ``feature`` ``"dense"`` or ``"iso"``, default ``"dense"``;
``focus_grid`` list of 3 to 101 floats; ``measurements`` list of 1 to 2000 ``MeasurementIn``.
"""

from __future__ import annotations

# Imports marked F401 are unused until the bodies are written.
from collections.abc import Sequence
from typing import Any, Literal  # noqa: F401

from pydantic import BaseModel, ConfigDict, Field, ValidationError  # noqa: F401

MAX_ECHO = 40
MESSAGES = {"missing": "required", "extra_forbidden": "unknown field"}


class StrictModel(BaseModel):
    """Base of both models: strict types, unknown fields forbidden, NaN/inf refused."""

    # TODO: the three settings of the module docstring, in one ConfigDict.
    model_config = ConfigDict()


class MeasurementIn(StrictModel):
    """One CD measurement (see the module docstring for the bounds)."""

    # TODO: the bounds, with Field(...).
    field: int
    dose: float
    focus: float
    cd: float


class FemRunIn(StrictModel):
    """One FEM run (see the module docstring)."""

    # TODO: the patterns, the choices of feature and the list sizes.
    wafer_id: str
    lot_id: str
    feature: str = "dense"
    focus_grid: list[float]
    measurements: list[MeasurementIn]


class RunInvalid(Exception):
    """The payload failed ``FemRunIn``; ``errors`` is the list ``field_errors`` made."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        raise NotImplementedError(
            "remember errors (and give the exception a message)"
        )


def json_pointer(location: Sequence[str | int]) -> str:
    """A pydantic ``loc`` as an RFC 6901 JSON pointer in URI-fragment form.

    ``("measurements", 3, "cd")`` -> ``"#/measurements/3/cd"``; ``()`` -> ``"#"``. In each
    part ``~`` becomes ``~0`` and ``/`` becomes ``~1`` (in that order): ``"a/b~c"`` ->
    ``"#/a~1b~0c"``.
    """
    raise NotImplementedError(
        "'#' + '/part' for each part, escaping ~ as ~0 first, then / as ~1"
    )


def describe(value: Any) -> str:
    """A short text for a rejected value, safe to put in a JSON body.

    dict -> ``"object of N members"``; list -> ``"array of N items"``; str -> the string
    itself, cut to ``MAX_ECHO`` characters plus ``"…"`` when longer; anything else ->
    ``repr(value)`` cut the same way (``nan``, ``inf``, ``True``, ``None``, ``1.5``).
    """
    raise NotImplementedError(
        "dict/list by their size, str cut to MAX_ECHO + '…', anything else by repr()"
    )


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    """One entry per pydantic error, in pydantic's order.

    ``{"pointer": json_pointer(loc), "detail": message, "rejected": describe(input)}`` where
    the message is ``"required"`` for a missing field, ``"unknown field"`` for an extra one and
    pydantic's ``msg`` otherwise; a missing field has no ``rejected`` (there was no value).
    """
    raise NotImplementedError(
        "walk error.errors(include_url=False): pointer, detail, rejected"
    )


def validate_run(document: object) -> FemRunIn:
    """``FemRunIn`` from a parsed JSON document, or ``RunInvalid`` with every error."""
    raise NotImplementedError(
        "FemRunIn.model_validate(document); a ValidationError becomes RunInvalid(field_errors(...))"
    )
