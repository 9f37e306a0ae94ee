"""Exercise 03: whitelisted filtering and sorting of measurements.

``GET /measurements`` answers ``{"items": [...]}`` with the demo's ``Measurement`` rows
(``{id, wafer_id, field, feature, dose, focus, cd}``) that pass every filter, in the order
``sort`` asks for. Only the names in ``FILTERS`` and ``SORT_FIELDS`` ever reach the SQL: a
name from the query string selects an entry of those dicts, never a column by ``getattr`` or a
text fragment, and values travel as bound parameters.

Filters (``FILTERS``): ``wafer_id`` and ``feature`` match exactly; ``dose_min``, ``dose_max``,
``focus_min``, ``focus_max``, ``cd_min`` and ``cd_max`` are inclusive bounds and must parse as
finite numbers (``nan`` and ``inf`` are refused).

``sort``: comma-separated names from ``SORT_FIELDS``, each optionally prefixed with ``-`` for
descending, e.g. ``sort=-dose,focus``; default ``id``. Rows equal on every sort field come in
ascending ``id`` order.

Every refusal is a 400 problem (``ns.abort(400, detail, errors=..., allowed=...)``):

- a parameter that is neither a filter nor ``sort``: ``detail`` names it, ``errors`` maps every
  unknown parameter to a message, ``allowed`` is the sorted list of filter names plus ``sort``;
- an unknown sort field (an empty one included): ``detail`` and ``errors["sort"]`` name it,
  ``allowed`` is the sorted list of ``SORT_FIELDS``;
- a parameter given more than once, or a bound that is not a finite number: ``errors`` maps
  that parameter to a message.
"""

from __future__ import annotations

# Imports marked F401 are unused until the bodies are written.
import math  # noqa: F401
import operator
from collections.abc import Callable
from typing import Any, NamedTuple

from flask import request  # noqa: F401
from flask_restx import Namespace, Resource, fields
from sqlalchemy import ColumnElement, select  # noqa: F401
from sqlalchemy.orm import InstrumentedAttribute
from werkzeug.datastructures import MultiDict

from ch02_demo.extensions import db  # noqa: F401
from ch02_demo.models import Measurement


class Filter(NamedTuple):
    """An allowed filter: rows where ``op(column, value)`` holds."""

    column: InstrumentedAttribute[Any]
    op: Callable[[Any, Any], ColumnElement[bool]]
    numeric: bool


FILTERS = {
    "wafer_id": Filter(Measurement.wafer_id, operator.eq, numeric=False),
    "feature": Filter(Measurement.feature, operator.eq, numeric=False),
    "dose_min": Filter(Measurement.dose, operator.ge, numeric=True),
    "dose_max": Filter(Measurement.dose, operator.le, numeric=True),
    "focus_min": Filter(Measurement.focus, operator.ge, numeric=True),
    "focus_max": Filter(Measurement.focus, operator.le, numeric=True),
    "cd_min": Filter(Measurement.cd, operator.ge, numeric=True),
    "cd_max": Filter(Measurement.cd, operator.le, numeric=True),
}
SORT_FIELDS = {
    "id": Measurement.id,
    "wafer_id": Measurement.wafer_id,
    "field": Measurement.field,
    "dose": Measurement.dose,
    "focus": Measurement.focus,
    "cd": Measurement.cd,
}

ns = Namespace("measurements", description="Filtered, sorted measurements", path="/measurements")

measurement_model = ns.model("Measurement", {
    "id": fields.Integer,
    "wafer_id": fields.String,
    "field": fields.Integer,
    "feature": fields.String,
    "dose": fields.Float(description="mJ/cm²"),
    "focus": fields.Float(description="µm"),
    "cd": fields.Float(description="nm"),
})
measurement_list = ns.model("MeasurementList", {
    "items": fields.List(fields.Nested(measurement_model)),
})


def filter_clauses(args: MultiDict[str, str]) -> list[ColumnElement[bool]]:
    """WHERE clauses for the filters in ``args``; 400 problem for anything not allowed."""
    raise NotImplementedError(
        "refuse unknown and repeated parameters, parse numeric bounds as finite floats, "
        "then build spec.op(spec.column, value) for each filter given"
    )


def order_by(sort: str) -> list[ColumnElement[Any]]:
    """ORDER BY clauses for ``sort``, with ``id`` ascending last; 400 problem if unknown."""
    raise NotImplementedError(
        "split on commas, strip a leading '-', look the name up in SORT_FIELDS, "
        "then column.asc()/column.desc(); append Measurement.id.asc()"
    )


@ns.route("")
class MeasurementList(Resource):
    @ns.doc(params={
        **{name: "inclusive bound" if spec.numeric else "exact match"
           for name, spec in FILTERS.items()},
        "sort": "e.g. -dose,focus; fields: " + ", ".join(SORT_FIELDS),
    })
    @ns.marshal_with(measurement_list)
    def get(self):
        """Measurements matching every filter, sorted."""
        raise NotImplementedError(
            "select(Measurement).where(*filter_clauses(...)).order_by(*order_by(...))"
        )
