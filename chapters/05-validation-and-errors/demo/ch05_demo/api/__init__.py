"""The HTTP layer: a restx ``Api`` per app, one ``Namespace`` per resource."""

from __future__ import annotations

from flask import Flask
from flask_restx import Api

from ch05_demo.api import runs


class ProblemApi(Api):
    """An ``Api`` that hands every error back to the app's handlers (``errors.py``).

    restx's own ``handle_error`` answers with ``application/json`` and a ``message`` key, lets an
    exception's ``data`` attribute replace a handler's result, and re-raises non-HTTP exceptions
    only when PROPAGATE_EXCEPTIONS, TESTING or DEBUG says so. Re-raising sends the error to
    Flask's handler lookup, the same for API routes and every other URL, in every mode.
    """

    def handle_error(self, e: Exception):
        raise e


def create_api(app: Flask) -> Api:
    """One Api per app: restx keeps per-app state (the bound app, the cached spec) on it."""
    api = ProblemApi(
        app,
        title="FEM run intake (chapter 05)",
        version="1.0",
        description=(
            "Nested FEM measurement payloads, validated with pydantic 2 and domain checks. "
            "Every error is application/problem+json (RFC 9457) with a request_id."
        ),
        doc="/swagger",
    )
    api.add_namespace(runs.ns)
    return api
