"""Exercise 05: bulk creation of measurements, reporting every item.

``POST /measurements/bulk?mode=partial|atomic`` takes a JSON array of measurements shaped like
``measurement_input`` (the strict model of exercise 01: ``wafer_id``, ``field`` ≥ 1, optional
``feature`` dense/iso defaulting to ``"dense"``, ``dose`` 1-100 mJ/cm², ``focus`` -5 to 5 µm,
``cd`` 1-1000 nm) and stores them in the demo's ``Measurement`` table.

Whole-request checks come first; each failure is a problem response (``ns.abort``) and stores
nothing:

- the body is not a JSON array, or is empty: 400;
- the array has more than ``MAX_BATCH`` items: 413, ``detail`` states the limit;
- ``mode`` is neither ``partial`` (the default) nor ``atomic``: 400 with ``errors["mode"]``.

Then every item gets one result, in input order:

- ``{"index": i, "status": 400, "errors": item_errors(item)}`` when it fails the schema;
- ``{"index": i, "status": 422, "errors": {"wafer_id": ...}}`` when its wafer does not exist;
- ``{"index": i, "status": 201, "id": new_id}`` when it is stored.

``partial``: the acceptable items are stored and the others are not; the answer is always
207 Multi-Status with ``{"created": n, "failed": m, "results": [...]}``. ``atomic``: all or
nothing. If every item is acceptable the answer is 201 with the same body; otherwise nothing is
stored and the answer is a 422 problem whose ``failed_items`` lists the failed results.
"""

from __future__ import annotations

# Imports marked F401 are unused until the bodies are written.
from typing import Any

from flask import request  # noqa: F401
from flask_restx import Namespace, Resource, fields
from jsonschema import Draft4Validator  # noqa: F401
from sqlalchemy import select  # noqa: F401

from ch02_demo.errors import problem_model
from ch02_demo.extensions import db  # noqa: F401
from ch02_demo.models import Measurement, Wafer  # noqa: F401

MAX_BATCH = 100
MODES = ("partial", "atomic")

ns = Namespace("measurements", description="Measurements in bulk", path="/measurements")
ns.add_model(problem_model.name, problem_model)

measurement_input = ns.model("MeasurementInput", {
    "wafer_id": fields.String(required=True, example="W01"),
    "field": fields.Integer(required=True, min=1, example=12),
    "feature": fields.String(enum=["dense", "iso"], default="dense"),
    "dose": fields.Float(required=True, min=1, max=100, description="mJ/cm²", example=24.0),
    "focus": fields.Float(required=True, min=-5, max=5, description="µm", example=-0.1),
    "cd": fields.Float(required=True, min=1, max=1000, description="nm", example=45.2),
}, strict=True)
item_result = ns.model("ItemResult", {
    "index": fields.Integer(description="Position of the item in the request"),
    "status": fields.Integer(description="201, or the status this item alone would get"),
    "id": fields.Integer(description="Id of the stored measurement (201 only)"),
    "errors": fields.Raw(description="Field -> message (failed items only)"),
})
bulk_result = ns.model("BulkResult", {
    "created": fields.Integer,
    "failed": fields.Integer,
    "results": fields.List(fields.Nested(item_result, skip_none=True)),
})


def item_errors(item: object) -> dict[str, str]:
    """Schema errors of one item, keyed as ``measurement_input.format_error`` keys them.

    Uses ``jsonschema.Draft4Validator`` on ``measurement_input.__schema__`` (restx emits Draft 4
    schemas). A field error is keyed by the field; a missing required field by its name; an
    error about the item as a whole (not an object, unknown fields) by ``""``. Empty: valid.
    """
    raise NotImplementedError(
        "Draft4Validator(measurement_input.__schema__).iter_errors(item), "
        "each error through measurement_input.format_error"
    )


def check_items(items: list[Any]) -> list[dict[str, Any]]:
    """One result per item, ``{"index", "status": 201}`` for the acceptable ones (no id yet)."""
    raise NotImplementedError(
        "schema errors -> 400, unknown wafer (one IN query for all wafers) -> 422, else 201"
    )


@ns.route("/bulk")
class MeasurementBulk(Resource):
    @ns.doc(params={"mode": {"enum": list(MODES), "default": "partial"}})
    @ns.expect([measurement_input], validate=False)  # validated item by item
    @ns.marshal_with(bulk_result, code=207, description="partial mode: one result per item")
    @ns.response(201, "atomic mode: every item stored", bulk_result)
    @ns.response(400, "Not a non-empty JSON array, or unknown mode", problem_model)
    @ns.response(413, "More than MAX_BATCH items", problem_model)
    @ns.response(422, "atomic mode: some items failed, nothing stored", problem_model)
    def post(self):
        """Store many measurements; every item gets its own result."""
        raise NotImplementedError(
            "whole-request checks, check_items, then partial (207) or atomic (201 / 422)"
        )
