"""/health: liveness (no dependencies) and readiness (database, cache, broker)."""

from __future__ import annotations

from flask_restx import Namespace, Resource, fields

from litho_platform.api.common import problem
from litho_platform.errors import problem_response
from litho_platform.services.health import readiness

ns = Namespace("health", description="Probes for load balancers and orchestrators")

check_model = ns.model("Check", {"ok": fields.Boolean(required=True), "detail": fields.String()})
live_model = ns.model("Live", {"status": fields.String(required=True, example="ok")})
ready_model = ns.model(
    "Ready",
    {
        "status": fields.String(required=True, example="ok"),
        "checks": fields.Raw(required=True, description="{name: Check} per dependency"),
    },
)


@ns.route("/live")
class Live(Resource):
    @ns.marshal_with(live_model, description="The process serves requests")
    def get(self):
        """Liveness: answers without touching any dependency."""
        return {"status": "ok"}


@ns.route("/ready")
class Ready(Resource):
    @ns.response(200, "Every dependency reachable", ready_model)
    @ns.response(503, "A dependency is unreachable (checks says which)", problem)
    def get(self):
        """Readiness: the database, plus the cache and the broker when they are external."""
        checks = readiness()
        if all(check["ok"] for check in checks.values()):
            return {"status": "ok", "checks": checks}
        failing = ", ".join(name for name, check in checks.items() if not check["ok"])
        return problem_response(
            503, f"Not ready: {failing} unreachable.", code="not_ready", extra={"checks": checks}
        )
