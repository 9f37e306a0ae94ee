"""The HTTP API: one restx Namespace per resource, thin; the work happens in services/."""

from __future__ import annotations

from flask import Flask

from ch03_demo.api.audit import ns as audit_ns
from ch03_demo.api.database import ns as database_ns
from ch03_demo.api.lots import ns as lots_ns
from ch03_demo.errors import ProblemApi, problem_model


def build_api(app: Flask) -> ProblemApi:
    """A fresh Api bound to ``app``, with every namespace; Swagger UI at ``/swagger``.

    One Api per app, not one in extensions.py: an Api caches its Swagger document and keeps a
    reference to the last app it was bound to.
    """
    api = ProblemApi(
        app,
        title="Chapter 03 demo: lots, wafers and FEM measurements",
        version="1.0",
        description="SQLAlchemy 2 models, eager loading, units of work and an audit log. "
        "Every response carries X-Query-Count: the statements the request ran.",
        doc="/swagger",
    )
    api.models[problem_model.name] = problem_model
    api.add_namespace(lots_ns, path="/lots")
    api.add_namespace(audit_ns, path="/audit")
    api.add_namespace(database_ns, path="/database")
    return api
