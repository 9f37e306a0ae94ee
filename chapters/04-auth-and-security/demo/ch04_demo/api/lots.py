"""/lots: each user's own lots. Reading takes an access token or an API key."""

from __future__ import annotations

from flask_jwt_extended import current_user
from flask_restx import Namespace, Resource, fields

from ch04_demo.auth import key_or_token_user, roles_required
from ch04_demo.errors import problem_model
from ch04_demo.extensions import db
from ch04_demo.models import Role
from ch04_demo.services import lots as lot_service

ns = Namespace("lots", description="Lots of wafers for a focus-exposure matrix, per owner")
ns.models[problem_model.name] = problem_model

lot_in = ns.model("LotIn", {
    "name": fields.String(required=True, pattern=r"^[A-Z0-9][A-Z0-9-]{0,31}$",
                          example="L24-0400"),
    "wafer_count": fields.Integer(required=True, min=1, max=25, example=25),
    "target_cd_nm": fields.Float(required=True, min=1, max=1000, example=45.0),
}, strict=True)
lot_out = ns.clone("Lot", lot_in, {
    "id": fields.Integer, "created_at": fields.DateTime,
})


@ns.route("/")
class LotList(Resource):
    @ns.doc(security=["Bearer", "ApiKey"])
    @ns.marshal_list_with(lot_out)
    @ns.response(401, "No valid token or API key", problem_model)
    def get(self):
        """The caller's lots (an access token or an X-API-Key header)."""
        return lot_service.list_lots(db.session, key_or_token_user())

    @ns.doc(security="Bearer")
    @ns.expect(lot_in, validate=True)
    @ns.marshal_with(lot_out, code=201)
    @ns.response(400, "Invalid payload", problem_model)
    @ns.response(403, "Viewers cannot create lots", problem_model)
    @ns.response(409, "You have a lot of that name", problem_model)
    @roles_required(Role.ENGINEER, Role.ADMIN)
    def post(self):
        """Register a lot (engineers and admins)."""
        body = ns.payload
        return lot_service.create_lot(db.session, current_user, body["name"],
                                      body["wafer_count"], body["target_cd_nm"]), 201


@ns.route("/<int:lot_id>")
class LotItem(Resource):
    @ns.doc(security=["Bearer", "ApiKey"])
    @ns.marshal_with(lot_out)
    @ns.response(404, "No such lot among yours", problem_model)
    def get(self, lot_id: int):
        """One of the caller's lots; another user's lot is a 404, not a 403."""
        return lot_service.get_lot(db.session, key_or_token_user(), lot_id)
