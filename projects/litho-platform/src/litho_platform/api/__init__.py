"""The HTTP API: one flask-restx Api, one Namespace per resource, Swagger UI at /swagger."""

from __future__ import annotations

from flask import Flask, redirect, url_for
from flask_restx import Api
from flask_restx.representations import output_json

from litho_platform.errors import PROBLEM_MIMETYPE

AUTHORIZATIONS = {
    "Bearer": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "Type 'Bearer ' followed by the access token from /api/v1/auth/login.",
    }
}


class ProblemApi(Api):
    """An Api that leaves every error to the app's handlers (errors.py).

    restx's own handle_error renders errors in its own shape and, unless PROPAGATE_EXCEPTIONS
    is set or the app is testing, turns exceptions it has no handler for (Flask-JWT-Extended's
    among them) into 500s. Re-raising sends each error back to Flask, which picks the handler
    registered for it, the same way in tests and in production.
    """

    def handle_error(self, e: Exception):
        raise e

    def render_root(self):
        return redirect(url_for("doc"))


def register_api(app: Flask) -> Api:
    from litho_platform.api import analyses, auth, datasets, health, users
    from litho_platform.api.common import error_item, problem

    api = ProblemApi(
        title="Litho platform API",
        version="1.0",
        description=(
            "Focus-exposure matrix (FEM) process-window analysis: upload a dataset, run an "
            "analysis, read best focus, dose-to-size, DOF at EL, plots and an HTML report. "
            "Errors are RFC 9457 problem details (application/problem+json)."
        ),
        doc="/swagger",
        authorizations=AUTHORIZATIONS,
    )
    # Listed in the spec's "produces", so clients and contract tests expect problem bodies.
    api.representations[PROBLEM_MIMETYPE] = output_json
    for model in (error_item, problem):
        api.add_model(model.name, model)
    # In the order a new user needs them; Swagger UI lists them so.
    api.add_namespace(auth.ns, path="/api/v1/auth")
    api.add_namespace(datasets.ns, path="/api/v1/datasets")
    api.add_namespace(analyses.ns, path="/api/v1/analyses")
    api.add_namespace(users.ns, path="/api/v1/users")
    api.add_namespace(health.ns, path="/health")
    api.init_app(app)
    return api
