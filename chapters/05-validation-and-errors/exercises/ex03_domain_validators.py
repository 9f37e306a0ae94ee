"""Exercise 03: domain validators for FEM data: units, physical ranges, the focus grid.

A schema checks types; these check physics. Canonical units are those of the platform:
dose mJ/cm², focus µm, CD nm. Unit strings are compared after NFKC normalisation, so the
superscript in ``"mJ/cm²"`` is ``"mJ/cm2"`` and the micro sign ``"µm"`` (U+00B5) is the Greek
``"μm"`` (U+03BC). Comparison is case-sensitive: ``"MJ/cm2"`` (megajoules) is not a dose unit.

Pointers are RFC 6901 JSON pointers in URI-fragment form: ``"#/measurements/3/cd"``.
"""

from __future__ import annotations

# Imports marked F401 are unused until the bodies are written.
import math  # noqa: F401
import unicodedata  # noqa: F401
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CANONICAL_UNITS = {"dose": "mJ/cm2", "focus": "μm", "cd": "nm"}
# Factor from a unit (NFKC form) to the canonical unit. 1 J/m² = 1000 mJ / 10⁴ cm² = 0.1 mJ/cm².
UNIT_FACTORS: dict[str, dict[str, float]] = {
    "dose": {"mJ/cm2": 1.0, "J/m2": 0.1},
    "focus": {"μm": 1.0, "um": 1.0, "nm": 0.001},
    "cd": {"nm": 1.0, "μm": 1000.0, "um": 1000.0},
}
FOCUS_TOLERANCE_UM = 1e-6
MIN_FOCI = 3


@dataclass(frozen=True)
class Bound:
    """``low < value`` (or ``<=`` when ``low_inclusive``) and ``value <= high``."""

    low: float
    high: float
    low_inclusive: bool


# In canonical units: a dose or a CD of 0 is not a measurement; focus is symmetric.
BOUNDS = {
    "dose": Bound(0.0, 500.0, low_inclusive=False),
    "focus": Bound(-10.0, 10.0, low_inclusive=True),
    "cd": Bound(0.0, 5000.0, low_inclusive=False),
}


class DomainError(ValueError):
    """One value or list that breaks a domain rule; ``index`` locates it in a list, if any."""

    def __init__(self, message: str, index: int | None = None) -> None:
        raise NotImplementedError(
            "keep the message (super().__init__) and the index"
        )


class RunErrors(ValueError):
    """Every problem of a run: ``errors`` is a list of ``(pointer, message)`` pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        raise NotImplementedError(
            "keep the list of (pointer, message) pairs"
        )


def to_canonical(quantity: str, value: float, unit: str) -> float:
    """``value`` in ``unit`` expressed in the quantity's canonical unit.

    ``quantity`` is ``"dose"``, ``"focus"`` or ``"cd"``. ``DomainError`` for an unknown
    quantity or a unit not in ``UNIT_FACTORS[quantity]`` (after NFKC normalisation; the
    message names the accepted units). The value itself is not checked here.
    """
    raise NotImplementedError(
        "NFKC-normalise the unit, look it up in UNIT_FACTORS[quantity], multiply"
    )


def check_value(quantity: str, value: object) -> None:
    """``DomainError`` unless ``value`` is a finite int or float within ``BOUNDS[quantity]``.

    ``bool`` is not a number here. NaN and ±inf are refused with a message saying "finite";
    out-of-range values with a message stating the range and the canonical unit.
    """
    raise NotImplementedError(
        "refuse bool and non-numbers, then non-finite values, then values outside BOUNDS"
    )


def check_focus_grid(grid: Sequence[object]) -> None:
    """``DomainError`` unless ``grid`` (canonical µm) is a valid programmed focus grid.

    At least ``MIN_FOCI`` values (else ``index`` None); every value passes
    ``check_value("focus", ...)`` (``index`` = its position); strictly increasing: the first
    ``i`` with ``grid[i] <= grid[i - 1]`` is refused (``index`` = i).
    """
    raise NotImplementedError(
        "length first, then each focus with check_value, then grid[i - 1] < grid[i]"
    )


def normalise_run(run: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``run`` in canonical units, or ``RunErrors`` listing every problem.

    ``run`` has ``focus_grid`` (list of numbers), ``measurements`` (list of dicts with at least
    ``dose``, ``focus``, ``cd``) and optionally ``units`` (a dict with any of ``dose``,
    ``focus``, ``cd``; a missing one is canonical). ``run`` is never modified.

    Problems, in this order, each once:

    1. each unit of ``units`` that ``to_canonical`` refuses: ``("#/units/<quantity>", msg)``;
       values of that quantity are then not checked at all;
    2. the grid (converted): a ``DomainError`` of ``check_focus_grid`` at
       ``"#/focus_grid/<index>"``, or ``"#/focus_grid"`` when it has no index;
    3. for each measurement i, for dose, focus, cd in that order: the converted value failing
       ``check_value`` at ``"#/measurements/<i>/<quantity>"``; then, when the focus is valid
       and the grid is valid, a focus farther than ``FOCUS_TOLERANCE_UM`` from every grid focus:
       ``("#/measurements/<i>/focus", "not on the focus grid")``.

    The result: ``run``'s other keys unchanged, ``units`` = ``CANONICAL_UNITS``, the converted
    ``focus_grid`` and ``measurements`` (each dict copied with converted values).
    """
    raise NotImplementedError(
        "units, then the converted grid, then each measurement; collect, then raise RunErrors"
    )
