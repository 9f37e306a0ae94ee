"""/lots: CRUD with 201 + Location, 204, 404/409 problems and an offset-paginated list."""

from __future__ import annotations

from flask import current_app, request
from flask_restx import Resource, fields

from ch02_demo.api.common import PAGE_PARAMS, namespace, page_of
from ch02_demo.errors import problem_model
from ch02_demo.services import lots
from ch02_demo.services.pagination import link_header, paginate, parse_page_request

ns = namespace("lots", "Production lots: up to 25 wafers processed together")

lot_input = ns.model("LotInput", {
    "id": fields.String(required=True, pattern=r"^L\d{2}-\d{3}$", example="L24-004"),
    "product": fields.String(required=True, min_length=1, max_length=40, example="P45-logic"),
    "layer": fields.String(required=True, min_length=1, max_length=40, example="poly"),
}, strict=True)  # strict: unknown fields are a 400, not silently dropped

lot_model = ns.model("Lot", {
    "id": fields.String(readonly=True),
    "product": fields.String,
    "layer": fields.String,
})
wafer_summary = ns.model("LotWafer", {
    "id": fields.String,
    "slot": fields.Integer,
    "kind": fields.String,
})
lot_detail = ns.inherit("LotDetail", lot_model, {
    "wafers": fields.List(fields.Nested(wafer_summary), description="Wafers by slot"),
})
lot_page = page_of(ns, lot_model)


@ns.route("")
class LotList(Resource):
    @ns.doc(params={**PAGE_PARAMS, "product": "Exact product", "layer": "Exact layer"})
    @ns.response(400, "Unknown or invalid query parameter", problem_model)
    @ns.marshal_with(lot_page)
    def get(self):
        """List lots, a page at a time, with RFC 8288 Link headers."""
        page_request = parse_page_request(
            request.args, max_per_page=current_app.config["MAX_PER_PAGE"]
        )
        stmt = lots.lot_listing(request.args)
        page = paginate(stmt, page_request, request.base_url, request.args)
        return page, 200, {"Link": link_header(page["links"])}

    @ns.expect(lot_input, validate=True)
    @ns.response(400, "Payload fails the LotInput schema", problem_model)
    @ns.response(409, "Lot id already taken", problem_model)
    @ns.marshal_with(lot_model, code=201, description="Created; Location names the new lot")
    def post(self):
        """Create a lot."""
        lot = lots.create_lot(ns.payload)
        return lot, 201, {"Location": self.api.url_for(LotItem, lot_id=lot.id)}


@ns.route("/<string:lot_id>")
@ns.param("lot_id", "Lot id, e.g. L24-001")
@ns.response(404, "No such lot", problem_model)
class LotItem(Resource):
    @ns.marshal_with(lot_detail)
    def get(self, lot_id: str):
        """One lot with its wafers."""
        return lots.get_lot(lot_id)

    @ns.response(204, "Deleted")
    @ns.response(409, "The lot still has wafers", problem_model)
    def delete(self, lot_id: str):
        """Delete an empty lot."""
        lots.delete_lot(lot_id)
        return "", 204
