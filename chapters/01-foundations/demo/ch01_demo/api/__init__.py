"""The REST API: a flask-restx ``Api`` per app, one ``Namespace`` per resource."""

from __future__ import annotations

from flask import Flask
from flask_restx import Api

from ch01_demo.api import health, wafers


class ProblemApi(Api):
    """An ``Api`` that leaves error responses to the app's handlers (``errors.py``).

    flask-restx renders errors in its own ``{"message": ...}`` shape and, for exceptions that are
    not HTTP errors, re-raises or answers depending on TESTING, DEBUG and PROPAGATE_EXCEPTIONS.
    Raising here hands every error back to Flask, so API routes and the rest of the app (a 404
    on an unknown path) answer with the same problem document in every environment.
    """

    def handle_error(self, e: Exception):
        raise e


def create_api(app: Flask) -> Api:
    """Build the app's API and serve Swagger UI at ``/swagger`` (the spec at ``/swagger.json``).

    One ``Api`` per app rather than one in ``extensions.py``: an ``Api`` caches its Swagger
    document and remembers the last app it was bound to, so sharing it between apps leaks state.
    """
    api = ProblemApi(
        app,
        title="Litho platform: chapter 01 demo",
        version="2",
        description=(
            "FEM wafers in two API versions. URL versioning: /api/v1, /api/v2. Header versioning "
            "on /api/wafers: API-Version: 1|2, or Accept: application/vnd.litho.v1+json|v2+json. "
            "Every response carries X-Request-ID."
        ),
        doc="/swagger",
    )
    api.add_namespace(health.ns, path="/health")
    api.add_namespace(wafers.v1, path="/api/v1/wafers")
    api.add_namespace(wafers.v2, path="/api/v2/wafers")
    api.add_namespace(wafers.negotiated, path="/api/wafers")
    return api
