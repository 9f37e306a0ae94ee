"""Kubernetes probes. Liveness: is the process able to answer at all? Readiness: should traffic be
sent here now? A failing liveness probe restarts the container, so it must not depend on the
database: an outage would otherwise restart every replica and fix nothing.
"""

from __future__ import annotations

from flask import current_app
from flask_restx import Namespace, Resource, fields

from ch01_demo.services import health

ns = Namespace("health", description="Liveness and readiness probes")

# Probes must see the current state, never a cached answer.
NO_STORE = {"Cache-Control": "no-store"}

report = ns.model(
    "ReadinessReport",
    {
        "status": fields.String(enum=["pass", "fail"]),
        "checks": fields.Raw(
            description="check name -> {status: pass|fail|timeout, duration_ms}",
            example={"database": {"status": "pass", "duration_ms": 0.41}},
        ),
    },
)


@ns.route("/live")
class Liveness(Resource):
    @ns.response(200, "The process is serving requests")
    def get(self):
        """Liveness: answers without touching any dependency."""
        return {"status": "pass"}, 200, NO_STORE


@ns.route("/ready")
class Readiness(Resource):
    @ns.response(200, "Every dependency answered", report)
    @ns.response(503, "A dependency failed or did not answer in time", report)
    def get(self):
        """Readiness: runs every registered check, each bounded by READINESS_TIMEOUT_S."""
        results = health.run_checks(
            current_app.extensions["readiness_checks"], current_app.config["READINESS_TIMEOUT_S"]
        )
        body = health.readiness_report(results)
        return body, 200 if body["status"] == "pass" else 503, NO_STORE
