"""/celery: how this app runs its jobs (eager or on a worker) and what beat schedules."""

from __future__ import annotations

from flask import current_app
from flask_restx import Namespace, Resource, fields
from kombu.utils.url import maybe_sanitize_url

ns = Namespace("celery", description="Where the jobs run")

WORKER_COMMAND = "celery -A ch07_demo.worker worker -l info"
# beat keeps its schedule state in a file: in instance/, which git ignores.
BEAT_COMMAND = "celery -A ch07_demo.worker beat -l info --schedule instance/celerybeat-schedule"

celery_info = ns.model("Celery", {
    "mode": fields.String(enum=["eager", "worker"]),
    "broker": fields.String(description="Broker URL, password hidden"),
    "result_backend": fields.String(description="Result backend URL, password hidden"),
    "worker_command": fields.String(description="Run from chapters/07-background-jobs/demo"),
    "beat_command": fields.String,
    "beat_schedule": fields.Raw(description="Entry name -> task and period in seconds"),
    "acks_late": fields.Boolean,
    "visibility_timeout_s": fields.Integer,
})


@ns.route("/")
class CeleryInfo(Resource):
    @ns.marshal_with(celery_info)
    def get(self):
        """Eager mode or a worker, the broker and backend, and beat's schedule."""
        conf = current_app.extensions["celery"].conf
        eager = bool(conf.task_always_eager)
        return {
            "mode": "eager" if eager else "worker",
            "broker": maybe_sanitize_url(conf.broker_url),
            "result_backend": maybe_sanitize_url(conf.result_backend),
            "worker_command": None if eager else WORKER_COMMAND,
            "beat_command": None if eager else BEAT_COMMAND,
            "beat_schedule": {
                name: {"task": entry["task"], "every_s": float(entry["schedule"])}
                for name, entry in (conf.beat_schedule or {}).items()
            },
            "acks_late": bool(conf.task_acks_late),
            "visibility_timeout_s": (conf.broker_transport_options or {}).get("visibility_timeout"),
        }
