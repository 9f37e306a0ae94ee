"""/wafers: whitelisted filtering and sorting, offset pages, bulk registration per item."""

from __future__ import annotations

from flask import current_app, request
from flask_restx import Resource, fields

from ch02_demo.api.common import PAGE_PARAMS, namespace, page_of, schema_errors
from ch02_demo.errors import problem_model
from ch02_demo.services import wafers
from ch02_demo.services.pagination import link_header, paginate, parse_page_request

ns = namespace("wafers", "Wafers of a lot, one per carrier slot")

wafer_input = ns.model("WaferInput", {
    "id": fields.String(required=True, pattern=r"^W\d{2,4}$", example="W10"),
    "lot_id": fields.String(required=True, example="L24-001"),
    "slot": fields.Integer(required=True, min=1, max=25, example=4),
    "kind": fields.String(required=True, enum=["fem", "production"], example="production"),
}, strict=True)
wafer_model = ns.model("Wafer", {
    "id": fields.String,
    "lot_id": fields.String,
    "slot": fields.Integer,
    "kind": fields.String,
})
wafer_page = page_of(ns, wafer_model)
item_result = ns.model("WaferResult", {
    "index": fields.Integer(description="Position of the item in the request"),
    "status": fields.Integer(description="201, or the status the item alone would have got"),
    "id": fields.String(description="Id of the created wafer (201 only)"),
    "errors": fields.Raw(description="Field -> message (failures only)"),
})
bulk_result = ns.model("WaferBulkResult", {
    "created": fields.Integer,
    "failed": fields.Integer,
    "results": fields.List(fields.Nested(item_result, skip_none=True)),
})

check_wafer = schema_errors(wafer_input)


@ns.route("")
class WaferList(Resource):
    @ns.doc(params={
        **PAGE_PARAMS,
        "lot_id": "Exact lot id",
        "kind": "fem or production",
        "slot_min": {"type": "integer", "description": "Lowest slot"},
        "slot_max": {"type": "integer", "description": "Highest slot"},
        "sort": "Comma-separated fields from id, lot_id, slot, kind; prefix - for descending",
    })
    @ns.response(400, "Unknown filter or sort field, or invalid value", problem_model)
    @ns.marshal_with(wafer_page)
    def get(self):
        """List wafers: whitelisted filters, multi-field sort, offset pages."""
        page_request = parse_page_request(
            request.args, max_per_page=current_app.config["MAX_PER_PAGE"]
        )
        stmt = wafers.wafer_listing(request.args)
        page = paginate(stmt, page_request, request.base_url, request.args)
        return page, 200, {"Link": link_header(page["links"])}

    @ns.expect(wafer_input, validate=True)
    @ns.response(400, "Payload fails the WaferInput schema", problem_model)
    @ns.response(409, "Wafer id or slot already taken", problem_model)
    @ns.response(422, "The lot does not exist", problem_model)
    @ns.marshal_with(wafer_model, code=201, description="Created; Location names the wafer")
    def post(self):
        """Register one wafer."""
        wafer = wafers.create_wafer(ns.payload)
        return wafer, 201, {"Location": self.api.url_for(WaferItem, wafer_id=wafer.id)}


@ns.route("/bulk")
class WaferBulk(Resource):
    @ns.expect([wafer_input], validate=False)  # validated item by item, below
    @ns.response(400, "Body is not a non-empty JSON array", problem_model)
    @ns.response(413, "More items than MAX_BATCH", problem_model)
    @ns.marshal_with(bulk_result, code=207, description="One result per item, in input order")
    def post(self):
        """Register many wafers; valid items are stored even when others fail (partial mode)."""
        items = request.get_json()
        if not isinstance(items, list) or not items:
            ns.abort(400, "the body must be a non-empty JSON array of wafers")
        max_batch = current_app.config["MAX_BATCH"]
        if len(items) > max_batch:
            ns.abort(413, f"{len(items)} items; at most {max_batch} per request")
        results = wafers.register_wafers(items, check_wafer)
        created = sum(result["status"] == 201 for result in results)
        body = {"created": created, "failed": len(results) - created, "results": results}
        return body, 207


@ns.route("/<string:wafer_id>")
@ns.param("wafer_id", "Wafer id, e.g. W01")
class WaferItem(Resource):
    @ns.response(404, "No such wafer", problem_model)
    @ns.marshal_with(wafer_model)
    def get(self, wafer_id: str):
        """One wafer."""
        return wafers.get_wafer(wafer_id)
