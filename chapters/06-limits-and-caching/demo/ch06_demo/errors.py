"""One error shape for the whole API: RFC 9457 problem details, produced here and nowhere else.

Every error leaves as ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and ``instance``, plus extension members where they help (``errors`` maps a field
or parameter to what is wrong with it). A 429 keeps the ``X-RateLimit-*`` and ``Retry-After``
headers Flask-Limiter adds after the response is built.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, got_request_exception, request
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_restx import Api, Model, fields
from jwt import PyJWTError
from werkzeug.exceptions import HTTPException, InternalServerError

from ch06_demo.services.errors import ServiceError

PROBLEM_MEDIA_TYPE = "application/problem+json"

problem_model = Model("Problem", {
    "type": fields.String(description="URI of the problem type", example="about:blank"),
    "title": fields.String(description="Short summary of the problem type", example="Not Found"),
    "status": fields.Integer(description="HTTP status code", example=404),
    "detail": fields.String(description="What went wrong this time", example="wafer W99 not found"),
    "instance": fields.String(description="Path of the request that failed"),
    "errors": fields.Raw(description="Field or parameter name -> what is wrong with it"),
})


def problem_response(
    status: int,
    detail: str,
    extensions: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem-details response; with ``type`` ``about:blank`` the title is the status phrase."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path,
        **(extensions or {}),
    }
    response = current_app.json.response(body)
    response.status_code = status
    response.mimetype = PROBLEM_MEDIA_TYPE
    response.headers.extend(headers or {})
    return response


def http_problem(error: HTTPException) -> Response:
    """Render a Werkzeug/restx HTTP exception, keeping what ``abort(code, message, **kw)`` sent."""
    data = dict(getattr(error, "data", None) or {})
    detail = str(data.pop("message", None) or error.description)
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return problem_response(error.code or 500, detail, data, headers)


def auth_problem(error: Exception) -> Response:
    """A missing, malformed, expired or forged token: 401 with a Bearer challenge."""
    return problem_response(401, str(error) or "invalid token",
                            headers={"WWW-Authenticate": "Bearer"})


class ProblemApi(Api):
    """A restx ``Api`` whose every error, expected or not, is a problem-details response.

    restx's own ``handle_error`` re-raises unexpected exceptions only in debug/testing mode,
    so Flask-JWT-Extended's exceptions would be a 401 in tests and a 500 in production; they
    are mapped here explicitly. Unexpected exceptions propagate only when
    ``PROPAGATE_EXCEPTIONS`` is explicitly true.
    """

    def handle_error(self, e: Exception) -> Response:
        if isinstance(e, HTTPException):
            return http_problem(e)
        if isinstance(e, ServiceError):
            return problem_response(e.status, e.detail, e.extensions)
        if isinstance(e, JWTExtendedException | PyJWTError):
            return auth_problem(e)
        if current_app.config.get("PROPAGATE_EXCEPTIONS"):
            raise e
        got_request_exception.send(current_app._get_current_object(), exception=e)
        current_app.log_exception((type(e), e, e.__traceback__))
        return http_problem(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    """Problem details for routes outside the Api too (Swagger UI's static files, unknown URLs)."""
    app.register_error_handler(HTTPException, http_problem)
