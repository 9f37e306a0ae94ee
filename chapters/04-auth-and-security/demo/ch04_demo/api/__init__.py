"""The HTTP API: one restx Namespace per resource, thin; the work happens in services/."""

from __future__ import annotations

from flask import Flask

from ch04_demo.api.admin import ns as admin_ns
from ch04_demo.api.api_keys import ns as api_keys_ns
from ch04_demo.api.auth import ns as auth_ns
from ch04_demo.api.lots import ns as lots_ns
from ch04_demo.auth import API_KEY_HEADER
from ch04_demo.errors import ProblemApi, problem_model

AUTHORIZATIONS = {
    "Bearer": {"type": "apiKey", "in": "header", "name": "Authorization",
               "description": "Type 'Bearer ' and then the access (or refresh) token"},
    "ApiKey": {"type": "apiKey", "in": "header", "name": API_KEY_HEADER},
}


def build_api(app: Flask) -> ProblemApi:
    """A fresh Api bound to ``app``, with every namespace; Swagger UI at ``/swagger``.

    One Api per app: an Api caches its Swagger document and remembers the last app it served.
    """
    api = ProblemApi(
        app,
        title="Chapter 04 demo: accounts, tokens, roles and API keys",
        version="1.0",
        description="Register, log in, call /lots with the access token (Authorize: "
        "'Bearer <token>') or an API key, refresh, log out.",
        doc="/swagger",
        authorizations=AUTHORIZATIONS,
    )
    api.models[problem_model.name] = problem_model
    api.add_namespace(auth_ns, path="/auth")
    api.add_namespace(lots_ns, path="/lots")
    api.add_namespace(api_keys_ns, path="/api-keys")
    api.add_namespace(admin_ns, path="/admin")
    return api
