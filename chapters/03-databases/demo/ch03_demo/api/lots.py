"""/lots: list (with a selectable loading strategy), create, read, hold and delete lots."""

from __future__ import annotations

from flask import request
from flask_restx import Namespace, Resource, abort, fields

from ch03_demo.errors import problem_model
from ch03_demo.extensions import db
from ch03_demo.services import lots as lot_service

ns = Namespace("lots", description="Lots, their wafers and FEM measurements")
ns.models[problem_model.name] = problem_model

# Plausible ranges, inclusive: restx writes exclusiveMin as Swagger 2.0's boolean, and the
# jsonschema validator it picks (the latest draft) reads that boolean as the number 1.
measurement = ns.model("Measurement", {
    "field": fields.Integer(required=True, min=1, example=1),
    "dose_mj_cm2": fields.Float(required=True, min=1, max=100, example=24.0),
    "focus_um": fields.Float(required=True, min=-5, max=5, example=-0.05),
    "cd_nm": fields.Float(required=True, min=1, max=1000, example=45.2),
}, strict=True)

wafer_in = ns.model("WaferIn", {
    "slot": fields.Integer(required=True, min=1, max=25, example=1),
    "measurements": fields.List(fields.Nested(measurement)),
}, strict=True)

lot_in = ns.model("LotIn", {
    "name": fields.String(required=True, pattern=r"^[A-Z0-9][A-Z0-9-]{0,31}$", example="L24-0200"),
    "wafers": fields.List(fields.Nested(wafer_in)),
}, strict=True)

# Documented so that Swagger UI offers the field; read in app.register_request_hooks.
ACTOR = {"X-Actor": {"in": "header", "type": "string", "description": "Who makes the change "
                     "(recorded in the audit log; default: anonymous)"}}

hold_in = ns.model("Hold", {
    "on_hold": fields.Boolean(required=True, example=True),
    "hold_reason": fields.String(max_length=200, example="CD out of spec at field 12"),
}, strict=True)

wafer_summary = ns.model("WaferSummary", {
    "slot": fields.Integer,
})

wafer_detail = ns.model("Wafer", {
    "slot": fields.Integer,
    "measurements": fields.List(fields.Nested(measurement)),
})

lot_summary = ns.model("LotSummary", {
    "name": fields.String,
    "on_hold": fields.Boolean,
    "hold_reason": fields.String,
    "created_at": fields.DateTime,
    "wafers": fields.List(fields.Nested(wafer_summary)),
})

lot_detail = ns.clone("Lot", lot_summary, {
    "wafers": fields.List(fields.Nested(wafer_detail)),
})


@ns.route("/")
class LotList(Resource):
    @ns.doc(params={"load": {
        "description": "How Lot.wafers is loaded; compare the X-Query-Count response header",
        "enum": list(lot_service.LOAD_STRATEGIES),
        "default": "selectin",
    }})
    @ns.marshal_list_with(lot_summary)
    @ns.response(400, "Unknown loading strategy", problem_model)
    def get(self):
        """Every lot with its wafers, loaded lazily (N+1), by selectin or by a join."""
        load = request.args.get("load", "selectin")
        if load not in lot_service.LOAD_STRATEGIES:
            abort(400, f"load must be one of {', '.join(lot_service.LOAD_STRATEGIES)}")
        return lot_service.list_lots(db.session, load)

    @ns.doc(params=ACTOR)
    @ns.expect(lot_in, validate=True)
    @ns.marshal_with(lot_detail, code=201)
    @ns.response(400, "Invalid payload", problem_model)
    @ns.response(409, "Name taken, or a slot or field given twice: nothing written", problem_model)
    def post(self):
        """Create a lot with its wafers and measurements: all of it, or nothing."""
        payload = ns.payload
        lot = lot_service.create_lot(db.session, payload["name"], payload.get("wafers") or [])
        return lot, 201, {"Location": self.api.url_for(LotItem, name=lot.name)}


@ns.route("/<string:name>")
@ns.response(404, "No such lot", problem_model)
class LotItem(Resource):
    @ns.marshal_with(lot_detail)
    def get(self, name: str):
        """A lot with its wafers and every measurement (three queries)."""
        return lot_service.get_lot(db.session, name)

    @ns.doc(params=ACTOR)
    @ns.expect(hold_in, validate=True)
    @ns.marshal_with(lot_summary)
    @ns.response(400, "Invalid payload", problem_model)
    def patch(self, name: str):
        """Put a lot on hold or release it; the audit log records the changed fields."""
        payload = ns.payload
        return lot_service.set_hold(
            db.session, name, payload["on_hold"], payload.get("hold_reason")
        )

    @ns.doc(params=ACTOR)
    @ns.response(204, "Deleted, with its wafers and measurements")
    def delete(self, name: str):
        """Delete a lot; its wafers follow by cascade, and each deletion is audited."""
        lot_service.delete_lot(db.session, name)
        return "", 204
