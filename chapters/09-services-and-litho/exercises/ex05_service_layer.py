"""Exercise 05: a service layer behind a thin route.

``DatasetService`` holds FEM datasets and computes process windows; it knows nothing of HTTP.
It raises the domain errors below, which carry no status code. The restx Namespace ``ns`` is
thin: each handler parses the request, calls one service method and returns what it gets.
``STATUS_OF`` and ``problem_for`` are the one place where a domain error becomes a status.

The numbers come from the demo's analysis (``ch09_demo.services.analysis``): a response
surface linear in ln(dose) and quadratic in focus.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd  # noqa: F401 (for the parts you write)
from flask import Flask, Response, current_app, request  # noqa: F401
from flask_restx import Namespace, Resource, abort  # noqa: F401

from ch09_demo.errors import ProblemApi, problem_response  # noqa: F401
from ch09_demo.services.analysis import Spec, analyse  # noqa: F401
from ch09_demo.services.errors import TargetOutOfRange  # noqa: F401

EXTENSION = "ch09_datasets"  # where create_app keeps the service: app.extensions[EXTENSION]


class DatasetError(Exception):
    """Base of the service's errors: ``detail`` is a sentence, ``extensions`` extra members."""

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class DatasetNotFound(DatasetError):
    """No dataset has this id."""


class InvalidMeasurements(DatasetError):
    """``problems``: [{"pointer": "/measurements/<index>/<field>", "message": str}], index
    from 0 as in the request body (RFC 6901 pointers); "/measurements" for the whole list."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the measurements", problems=problems)
        self.problems = problems


class InvalidSpec(DatasetError):
    """``errors`` maps "target_cd" and/or "tolerance_pct" to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("the spec cannot be used", errors=errors)
        self.errors = errors


class NotAnalysable(DatasetError):
    """Valid data and spec, but no answer inside the sampled ranges (never extrapolated)."""


# TODO ex05: map each domain error class to its HTTP status: 404 for a missing dataset, 422 for
# input that is well formed but cannot be used (measurements, spec, no answer in range).
STATUS_OF: dict[type[DatasetError], int] = {}


def _number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and bool(np.isfinite(value))


class DatasetService:
    """Datasets kept in ``repository`` (a dict by default; inject one to share or inspect it).

    A dataset is stored as ``{"id": int, "name": str, "measurements": [{dose, focus, cd}]}``.
    Ids are 1, 2, 3, ... in order of creation. No Flask in here.
    """

    def __init__(self, repository: MutableMapping[int, dict[str, Any]] | None = None) -> None:
        self.repository = {} if repository is None else repository

    def create_dataset(self, name: str, measurements: Sequence[Any]) -> dict[str, Any]:
        """Validate and store; return the summary ``{"id", "name", "points", "doses", "foci"}``.

        Refused with InvalidMeasurements, listing every problem, and nothing stored: a
        measurement that is not an object; a missing ``dose``, ``focus`` or ``cd``; a value that
        is not a finite number (booleans are not numbers); a dose ≤ 0; an empty list or fewer
        than 2 distinct doses or 3 distinct focus values (pointer "/measurements").
        """
        raise NotImplementedError(
            "ex05: collect every problem with its 0-based JSON pointer, raise "
            "InvalidMeasurements if any, else store and return the summary."
        )

    def get_dataset(self, dataset_id: int) -> dict[str, Any]:
        """The summary of one dataset (as ``create_dataset`` returns it); DatasetNotFound."""
        raise NotImplementedError(
            "ex05: return the stored dataset's summary or raise DatasetNotFound."
        )

    def window(self, dataset_id: int, target_cd: float, tolerance_pct: float) -> dict[str, Any]:
        """The process window of a dataset against a spec:
        ``{"dataset_id", "best_focus", "dose_to_size", "max_el_pct", "process_window"}``
        (the last three as in the demo's ``analyse``; ELs 5 and 10 %).

        DatasetNotFound; InvalidSpec unless target_cd > 0 and 0 < tolerance_pct < 100 (both
        finite), naming each bad field; NotAnalysable when the target is not printed at best
        focus inside the sampled doses.
        """
        raise NotImplementedError(
            "ex05: check the spec (InvalidSpec), run ch09_demo.services.analysis.analyse, "
            "translate TargetOutOfRange into NotAnalysable."
        )

    def _dataset(self, dataset_id: int) -> dict[str, Any]:
        raise NotImplementedError(
            "ex05: return self.repository[dataset_id] or raise DatasetNotFound."
        )


def problem_for(error: DatasetError) -> Response:
    """The problem-details response for a domain error: status from ``STATUS_OF`` (the nearest
    class in the error's MRO), ``detail`` and ``extensions`` as members; use the demo's
    ``problem_response``. Must be called inside a request."""
    raise NotImplementedError(
        "ex05: look up the status in STATUS_OF along type(error).__mro__ and build the body "
        "with problem_response."
    )


ns = Namespace("datasets", description="FEM datasets and their process windows",
               path="/datasets")


def service() -> DatasetService:
    return current_app.extensions[EXTENSION]


def _query_float(name: str) -> float:
    """A required float query parameter; a 400 problem naming it otherwise."""
    raise NotImplementedError(
        "ex05: parse request.args[name] as a float; abort(400, ..., errors={name: ...}) when it"
        " is missing or not a number."
    )


@ns.route("")
class DatasetList(Resource):
    def post(self):
        """Store a dataset: body ``{"name": str, "measurements": [...]}`` -> 201 + Location.

        A body that is not a JSON object, or whose ``measurements`` is not a list, is a 400
        (parsing is the route's job); everything else is the service's."""
        raise NotImplementedError(
            "ex05: parse the JSON body (400 unless an object with a measurements list), call "
            "service().create_dataset, return 201 with Location."
        )


@ns.route("/<int:dataset_id>")
class DatasetItem(Resource):
    def get(self, dataset_id: int):
        """The dataset's summary."""
        raise NotImplementedError(
            "ex05: return service().get_dataset(dataset_id)."
        )


@ns.route("/<int:dataset_id>/window")
class DatasetWindow(Resource):
    @ns.doc(params={"target_cd": "nm, required", "tolerance_pct": "percent, required"})
    def get(self, dataset_id: int):
        """The process window: query ``target_cd`` and ``tolerance_pct`` (numbers, required;
        missing or not a number: 400 naming the parameter)."""
        raise NotImplementedError(
            "ex05: parse target_cd and tolerance_pct with _query_float and return "
            "service().window(...)."
        )


class DatasetApi(ProblemApi):
    """The demo's problem-details Api, plus this exercise's domain errors."""

    def handle_error(self, e: Exception) -> Response:
        if isinstance(e, DatasetError):
            return problem_for(e)
        return super().handle_error(e)


def create_app(dataset_service: DatasetService | None = None) -> Flask:
    """An app serving ``ns`` at /datasets, with the given service (a fresh one by default)."""
    app = Flask(__name__)
    app.config.update(PROPAGATE_EXCEPTIONS=False, RESTX_MASK_SWAGGER=False)
    app.extensions[EXTENSION] = dataset_service or DatasetService()
    api = DatasetApi(app, doc="/swagger", title="Datasets (chapter 09, exercise 05)")
    api.add_namespace(ns)
    return app
