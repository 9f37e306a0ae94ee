"""/health: liveness (no dependencies) and readiness (the database; cache and broker reported)."""

from __future__ import annotations

from flask_restx import Namespace, Resource, fields

from litho_platform.api.common import problem
from litho_platform.errors import problem_response
from litho_platform.services.health import readiness

ns = Namespace("health", description="Probes for load balancers and orchestrators")

check_model = ns.model(
    "Check",
    {
        "ok": fields.Boolean(required=True),
        "required": fields.Boolean(required=True, description="Does readiness depend on it?"),
        "detail": fields.String(),
    },
)
live_model = ns.model("Live", {"status": fields.String(required=True, example="ok")})
ready_model = ns.model(
    "Ready",
    {
        "status": fields.String(
            required=True,
            enum=["ok", "degraded"],
            description="degraded: an optional dependency (cache, broker) is unreachable",
        ),
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
    @ns.response(200, "Ready (degraded: the cache or the broker is unreachable)", ready_model)
    @ns.response(503, "The database is unreachable (checks says why)", problem)
    def get(self):
        """Readiness: the database; the cache and the broker, when external, are reported.

        Only the database makes an instance unready: without Redis or the broker the API still
        answers (cache misses, per-process rate limits, 503 for new analyses).
        """
        checks = readiness()
        failing = [name for name, check in checks.items() if not check["ok"]]
        if any(checks[name]["required"] for name in failing):
            return problem_response(
                503,
                f"Not ready: {', '.join(failing)} unreachable.",
                code="not_ready",
                extra={"checks": checks},
            )
        return {"status": "degraded" if failing else "ok", "checks": checks}
