"""/wafers: cached pages per caller, cached items with ETags, writes that invalidate."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_jwt_extended import get_jwt, jwt_required
from flask_restx import Namespace, Resource, fields

from ch06_demo.caching import (
    cached,
    if_match,
    if_none_match,
    invalidate_wafer,
    list_cache_key,
    strong_etag,
    wafer_key,
)
from ch06_demo.errors import problem_model
from ch06_demo.extensions import db, limiter
from ch06_demo.ratelimits import read_limit, report_limit
from ch06_demo.services import wafers as wafer_service
from ch06_demo.services.errors import PreconditionFailed, ServiceError

ns = Namespace("wafers", description="FEM wafers and their process-window results",
               path="/wafers")
ns.add_model(problem_model.name, problem_model)

wafer_model = ns.model("Wafer", {
    "id": fields.String(example="W01"),
    "lot_id": fields.String(example="L24-101"),
    "fab": fields.String(example="fab1"),
    "slot": fields.Integer(example=1),
    "status": fields.String(enum=["measured", "hold", "released", "scrapped"]),
    "mean_cd_nm": fields.Float(example=45.3),
    "best_focus_um": fields.Float(example=-0.02),
    "dose_to_size_mj_cm2": fields.Float(example=24.05),
    "version": fields.Integer(description="Grows by one with every accepted write"),
})
wafer_update = ns.model("WaferUpdate", {
    "status": fields.String(required=True, enum=["measured", "hold", "released", "scrapped"]),
    "mean_cd_nm": fields.Float(required=True, min=1, max=500, example=45.1),
    "best_focus_um": fields.Float(required=True, min=-2, max=2, example=0.01),
    "dose_to_size_mj_cm2": fields.Float(required=True, min=1, max=100, example=24.2),
})
wafer_page = ns.model("WaferPage", {
    "items": fields.List(fields.Nested(wafer_model)),
    "total": fields.Integer, "page": fields.Integer, "per_page": fields.Integer,
    "pages": fields.Integer,
})
report_model = ns.model("WindowReport", {
    "wafer_id": fields.String, "tolerance_pct": fields.Float,
    "best_focus_um": fields.Float, "dose_to_size_mj_cm2": fields.Float,
    "focus_range_um": fields.List(fields.Float), "el_pct_at_best_focus": fields.Float,
})

WRITERS = {"engineer", "admin"}


class Forbidden(ServiceError):
    status = 403


def fab_scope(claims: dict[str, Any]) -> str | None:
    """The fab a caller may see; None (every fab) for admins only. A token without a usable
    fab claim sees nothing rather than everything."""
    if claims.get("role") == "admin":
        return None
    fab = claims.get("fab")
    if not isinstance(fab, str) or not fab:
        raise Forbidden("the token carries no fab")
    return fab


def with_cache_status(body: Any, hit: bool, headers: dict[str, str] | None = None):
    return body, 200, {"X-Cache": "hit" if hit else "miss", **(headers or {})}


@ns.route("")
class WaferList(Resource):
    decorators = [limiter.limit(read_limit)]

    @ns.doc(params={"page": {"type": "integer", "default": 1},
                    "per_page": {"type": "integer", "default": 20},
                    "lot_id": "Only this lot", "status": "Only this status"},
            security="Bearer")
    @ns.response(200, "A page of the caller's wafers", wafer_page)
    @ns.response(400, "Bad page parameters", problem_model)
    @ns.response(401, "No valid token", problem_model)
    @ns.response(429, "Rate limit of the caller's tier exceeded", problem_model)
    @jwt_required()
    def get(self):
        """The caller's wafers, a page at a time, cached per caller and query string."""
        fab = fab_scope(get_jwt())

        def compute() -> dict[str, Any]:
            page, per_page = wafer_service.parse_page(request.args)
            return wafer_service.list_page(
                db.session, fab=fab, page=page, per_page=per_page,
                lot_id=request.args.get("lot_id"), status=request.args.get("status"),
            )

        body, hit = cached(list_cache_key, compute)
        return with_cache_status(body, hit)


@ns.route("/<string:wafer_id>")
class WaferItem(Resource):
    decorators = [limiter.limit(read_limit)]

    @ns.doc(security="Bearer")
    @ns.response(200, "The wafer, with its ETag", wafer_model)
    @ns.response(304, "Not modified: the If-None-Match tag is current")
    @ns.response(404, "No such wafer in the caller's fab", problem_model)
    @jwt_required()
    def get(self, wafer_id: str):
        """One wafer; send its ETag back in If-None-Match to get a 304 while it is current."""
        fab = fab_scope(get_jwt())
        body, hit = cached(wafer_key(wafer_id), lambda: wafer_service.representation(
            wafer_service.get_wafer(db.session, wafer_id)))
        if fab is not None and body["fab"] != fab:
            # The cache holds representations, not permissions: check the fab on every hit.
            raise wafer_service.NotFound(f"wafer {wafer_id} not found")
        etag = strong_etag(body)
        headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
        if if_none_match(request.headers.get("If-None-Match"), etag):
            return Response(status=304, headers=headers)  # no body, same validators
        return with_cache_status(body, hit, headers)

    @ns.doc(security="Bearer", params={"If-Match": {"in": "header", "type": "string"}})
    @ns.expect(wafer_update)
    @ns.response(200, "Updated; the new ETag is in the header", wafer_model)
    @ns.response(400, "Invalid body: nothing stored", problem_model)
    @ns.response(403, "Viewers cannot write", problem_model)
    @ns.response(412, "If-Match is not the current ETag: nothing stored", problem_model)
    @jwt_required()
    def put(self, wafer_id: str):
        """Replace a wafer's results (engineers and admins); invalidates its cached reads."""
        claims = get_jwt()
        if claims.get("role") not in WRITERS:
            raise Forbidden("only engineers and admins may change wafers")
        fab = fab_scope(claims)
        current = wafer_service.representation(wafer_service.get_wafer(db.session, wafer_id, fab))
        if not if_match(request.headers.get("If-Match"), strong_etag(current)):
            raise PreconditionFailed(f"wafer {wafer_id} changed since that ETag")
        wafer = wafer_service.update_wafer(db.session, wafer_id, request.get_json(silent=True),
                                           fab)
        invalidate_wafer(wafer_id)
        body = wafer_service.representation(wafer)
        return body, 200, {"ETag": strong_etag(body)}


@ns.route("/<string:wafer_id>/report")
class WindowReport(Resource):
    decorators = [limiter.limit(report_limit)]

    @ns.doc(security="Bearer")
    @ns.response(200, "Process-window summary", report_model)
    @ns.response(429, "Hourly report limit of the caller's tier exceeded", problem_model)
    @jwt_required()
    def get(self, wafer_id: str):
        """A computed process-window summary: limited per hour, by tier."""
        wafer = wafer_service.get_wafer(db.session, wafer_id, fab_scope(get_jwt()))
        return wafer_service.window_report(wafer)
