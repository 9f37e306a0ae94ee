"""/audit: the audit log, newest first."""

from __future__ import annotations

from flask import request
from flask_restx import Namespace, Resource, abort, fields

from ch03_demo.errors import problem_model
from ch03_demo.extensions import db
from ch03_demo.services.audit import recent_entries

ns = Namespace("audit", description="Who changed which lot or wafer, and how")
ns.models[problem_model.name] = problem_model

MAX_LIMIT = 500

entry = ns.model("AuditEntry", {
    "id": fields.Integer,
    "at": fields.DateTime,
    "actor": fields.String(description="X-Actor header of the request that made the change"),
    "action": fields.String(enum=["insert", "update", "delete", "import"]),
    "entity": fields.String(description="Table of the changed row", example="lots"),
    "entity_id": fields.Integer,
    "changes": fields.Raw(description="Column -> [old, new]"),
})


@ns.route("/")
class AuditLog(Resource):
    @ns.doc(params={
        "limit": {"description": f"Entries to return, 1-{MAX_LIMIT}", "type": "integer",
                  "default": 50},
        "entity": {"description": "Only entries of this table", "enum": ["lots", "wafers"]},
    })
    @ns.marshal_list_with(entry)
    @ns.response(400, "Invalid parameter", problem_model)
    def get(self):
        """The newest audit entries first."""
        limit = request.args.get("limit", "50")
        if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
            abort(400, f"limit must be an integer from 1 to {MAX_LIMIT}")
        return recent_entries(db.session, int(limit), request.args.get("entity"))
