"""Exercise 05: a service layer behind a thin route.

``DatasetService`` holds FEM datasets and computes process windows; it knows nothing of HTTP.
It raises the domain errors below, which carry no status code. The restx Namespace ``ns`` is
thin: each handler parses the request, calls one service method and returns what it gets.
``STATUS_OF`` and ``problem_for`` are the one place where a domain error becomes a status.

The numbers come from the demo's analysis (``ch09_demo.services.analysis``): a response
surface linear in ln(dose) and quadratic in focus.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from flask import Flask, Response, current_app, request
from flask_restx import Namespace, Resource, abort

from ch09_demo.errors import ProblemApi, problem_response
from ch09_demo.services.analysis import Spec, analyse
from ch09_demo.services.errors import TargetOutOfRange

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


# 404 for a missing dataset; 422 for input that is well formed but cannot be used.
STATUS_OF: dict[type[DatasetError], int] = {
    DatasetNotFound: 404,
    InvalidMeasurements: 422,
    InvalidSpec: 422,
    NotAnalysable: 422,
}


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
        problems = []
        for index, item in enumerate(measurements):
            if not isinstance(item, Mapping):
                problems.append({"pointer": f"/measurements/{index}", "message": "not an object"})
                continue
            for field in ("dose", "focus", "cd"):
                pointer = f"/measurements/{index}/{field}"
                if field not in item:
                    problems.append({"pointer": pointer, "message": "missing"})
                elif not _number(item[field]):
                    problems.append({"pointer": pointer, "message": "not a finite number"})
                elif field == "dose" and item[field] <= 0:
                    problems.append({"pointer": pointer, "message": "must be positive"})
        if problems:
            raise InvalidMeasurements(problems)
        rows = [{f: float(item[f]) for f in ("dose", "focus", "cd")} for item in measurements]
        doses = len({r["dose"] for r in rows})
        foci = len({r["focus"] for r in rows})
        if doses < 2 or foci < 3:
            raise InvalidMeasurements([{"pointer": "/measurements", "message": (
                f"{doses} dose(s), {foci} focus value(s): at least 2 and 3 are needed")}])
        dataset_id = max(self.repository, default=0) + 1
        self.repository[dataset_id] = {"id": dataset_id, "name": name, "measurements": rows}
        return {"id": dataset_id, "name": name, "points": len(rows), "doses": doses,
                "foci": foci}

    def get_dataset(self, dataset_id: int) -> dict[str, Any]:
        """The summary of one dataset (as ``create_dataset`` returns it); DatasetNotFound."""
        dataset = self._dataset(dataset_id)
        rows = dataset["measurements"]
        return {"id": dataset_id, "name": dataset["name"], "points": len(rows),
                "doses": len({r["dose"] for r in rows}),
                "foci": len({r["focus"] for r in rows})}

    def window(self, dataset_id: int, target_cd: float, tolerance_pct: float) -> dict[str, Any]:
        """The process window of a dataset against a spec:
        ``{"dataset_id", "best_focus", "dose_to_size", "max_el_pct", "process_window"}``
        (the last three as in the demo's ``analyse``; ELs 5 and 10 %).

        DatasetNotFound; InvalidSpec unless target_cd > 0 and 0 < tolerance_pct < 100 (both
        finite), naming each bad field; NotAnalysable when the target is not printed at best
        focus inside the sampled doses.
        """
        dataset = self._dataset(dataset_id)
        errors = {}
        if not (_number(target_cd) and target_cd > 0):
            errors["target_cd"] = "must be a positive CD in nm"
        if not (_number(tolerance_pct) and 0 < tolerance_pct < 100):
            errors["tolerance_pct"] = "must be between 0 and 100, exclusive"
        if errors:
            raise InvalidSpec(errors)
        fem = pd.DataFrame.from_records(dataset["measurements"])
        fem = fem.groupby(["dose", "focus"], as_index=False)["cd"].mean()
        try:
            result = analyse(fem, Spec(float(target_cd), float(tolerance_pct)))
        except TargetOutOfRange as error:
            raise NotAnalysable(error.detail) from error
        return {"dataset_id": dataset_id, "best_focus": result["best_focus"],
                "dose_to_size": result["dose_to_size"], "max_el_pct": result["max_el_pct"],
                "process_window": result["process_window"]}

    def _dataset(self, dataset_id: int) -> dict[str, Any]:
        dataset = self.repository.get(dataset_id)
        if dataset is None:
            raise DatasetNotFound(f"dataset {dataset_id} not found")
        return dataset


def problem_for(error: DatasetError) -> Response:
    """The problem-details response for a domain error: status from ``STATUS_OF`` (the nearest
    class in the error's MRO), ``detail`` and ``extensions`` as members; use the demo's
    ``problem_response``. Must be called inside a request."""
    status = next(STATUS_OF[cls] for cls in type(error).__mro__ if cls in STATUS_OF)
    return problem_response(status, error.detail, error.extensions)


ns = Namespace("datasets", description="FEM datasets and their process windows",
               path="/datasets")


def service() -> DatasetService:
    return current_app.extensions[EXTENSION]


def _query_float(name: str) -> float:
    """A required float query parameter; a 400 problem naming it otherwise."""
    raw = request.args.get(name)
    try:
        return float(raw)
    except (TypeError, ValueError):
        abort(400, f"query parameter {name} must be a number", errors={name: "a number"})


@ns.route("")
class DatasetList(Resource):
    def post(self):
        """Store a dataset: body ``{"name": str, "measurements": [...]}`` -> 201 + Location.

        A body that is not a JSON object, or whose ``measurements`` is not a list, is a 400
        (parsing is the route's job); everything else is the service's."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("measurements"), list):
            abort(400, "body must be an object with a measurements list",
                  errors={"measurements": "a list of {dose, focus, cd}"})
        summary = service().create_dataset(str(body.get("name", "unnamed")),
                                           body["measurements"])
        return summary, 201, {"Location": f"/datasets/{summary['id']}"}


@ns.route("/<int:dataset_id>")
class DatasetItem(Resource):
    def get(self, dataset_id: int):
        """The dataset's summary."""
        return service().get_dataset(dataset_id)


@ns.route("/<int:dataset_id>/window")
class DatasetWindow(Resource):
    @ns.doc(params={"target_cd": "nm, required", "tolerance_pct": "percent, required"})
    def get(self, dataset_id: int):
        """The process window: query ``target_cd`` and ``tolerance_pct`` (numbers, required;
        missing or not a number: 400 naming the parameter)."""
        return service().window(dataset_id, _query_float("target_cd"),
                                _query_float("tolerance_pct"))


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
