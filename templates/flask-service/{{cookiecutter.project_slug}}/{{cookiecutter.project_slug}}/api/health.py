"""Probes for the orchestrator: liveness (the process answers) and readiness (it can serve)."""

from http import HTTPStatus

{% if cookiecutter.use_redis == "yes" %}from flask import current_app
{% endif %}from flask_restx import Namespace, Resource, fields

from ..extensions import db, limiter
from ..services import health

ns = Namespace("health", description="Liveness and readiness probes")

status_model = ns.model(
    "HealthStatus",
    {
        "status": fields.String(enum=["ok", "fail"], example="ok"),
        "checks": fields.Raw(example={"database": "ok"}),
    },
)


@ns.route("/live")
class Liveness(Resource):
    # Probes must never be rate limited: a throttled probe restarts a healthy pod.
    decorators = [limiter.exempt]

    @ns.response(HTTPStatus.OK, "The process is running", status_model)
    def get(self) -> dict[str, object]:
        """Answer as long as the process can serve HTTP; checks no dependency."""
        return {"status": "ok", "checks": {}}


@ns.route("/ready")
class Readiness(Resource):
    decorators = [limiter.exempt]

    @ns.response(HTTPStatus.OK, "Every dependency answers", status_model)
    @ns.response(HTTPStatus.SERVICE_UNAVAILABLE, "A dependency is unreachable", status_model)
    def get(self) -> tuple[dict[str, object], HTTPStatus]:
        """Check the database{% if cookiecutter.use_redis == "yes" %} and, when configured, Redis{% endif %}{% if cookiecutter.use_celery == "yes" %} and the Celery broker{% endif %}."""
        checks = {"database": lambda: health.check_database(db.session)}
{%- if cookiecutter.use_redis == "yes" %}
        redis_url = current_app.config["REDIS_URL"]
        if redis_url:
            checks["redis"] = lambda: health.check_redis(redis_url)
{%- endif %}
{%- if cookiecutter.use_celery == "yes" %}
        celery_app = current_app.extensions["celery"]
        if not celery_app.conf.task_always_eager:
            checks["broker"] = lambda: health.check_broker(celery_app)
{%- endif %}
        ready, results = health.run_checks(checks)
        status = HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE
        return {"status": "ok" if ready else "fail", "checks": results}, status
