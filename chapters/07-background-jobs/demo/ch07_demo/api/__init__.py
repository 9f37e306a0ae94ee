"""The HTTP API: one restx Namespace per resource, thin; the work is in services/ and tasks/."""

from __future__ import annotations

from flask import Flask

from ch07_demo.api.celery_info import ns as celery_ns
from ch07_demo.api.jobs import ns as jobs_ns
from ch07_demo.errors import ProblemApi, problem_model


def build_api(app: Flask) -> ProblemApi:
    """A fresh Api bound to ``app``, with every namespace; Swagger UI at ``/swagger``."""
    api = ProblemApi(
        app,
        title="Chapter 07 demo: background jobs with Celery",
        version="1.0",
        description="Submit a wafer analysis job, watch its progress, read its result. Eager "
        "(in the request) by default; on a worker when CELERY_BROKER_URL is set.",
        doc="/swagger",
    )
    api.models[problem_model.name] = problem_model
    api.add_namespace(jobs_ns, path="/jobs")
    api.add_namespace(celery_ns, path="/celery")
    return api
