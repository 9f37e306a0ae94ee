"""/retention: remove datasets past their age, rows and files together; dry run by default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_restx import Namespace, Resource, fields

from ch08_demo.errors import problem_model
from ch08_demo.extensions import db
from ch08_demo.services import retention

ns = Namespace("retention", description="Age-based cleanup of stored datasets")
ns.models[problem_model.name] = problem_model

cleanup_in = ns.model("CleanupRequest", {
    "max_age_days": fields.Integer(min=1, example=30,
                                   description="Default: RETENTION_DAYS (30)"),
    "dry_run": fields.Boolean(default=True, example=True,
                              description="Report what would go, change nothing"),
}, strict=True)

cleanup_out = ns.model("CleanupReport", {
    "dry_run": fields.Boolean,
    "cutoff": fields.DateTime(description="Datasets created before this go"),
    "datasets": fields.List(fields.Integer),
    "files": fields.List(fields.String),
})


@ns.route("/cleanup")
class Cleanup(Resource):
    @ns.expect(cleanup_in, validate=True)
    @ns.marshal_with(cleanup_out)
    @ns.response(400, "Invalid payload", problem_model)
    def post(self):
        """Delete datasets older than max_age_days (dry run unless dry_run is false)."""
        payload = ns.payload or {}
        days = payload.get("max_age_days") or current_app.config["RETENTION_DAYS"]
        return retention.cleanup(
            db.session, current_app.config["UPLOAD_DIR"],
            now=datetime.now(UTC), max_age=timedelta(days=days),
            dry_run=payload.get("dry_run", True),
        )
