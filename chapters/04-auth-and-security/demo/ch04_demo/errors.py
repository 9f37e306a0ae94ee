"""One error shape for the whole API: RFC 9457 problem details, produced here and nowhere else.

Every error leaves as ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and ``instance``; a validation failure adds ``errors`` (field -> what is wrong).
That includes Flask-JWT-Extended's errors, whose loaders (``auth.register_jwt_callbacks``)
render through ``problem_response`` too.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, got_request_exception, request
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_restx import Api, Model, fields
from jwt.exceptions import PyJWTError
from werkzeug.exceptions import HTTPException, InternalServerError

from ch04_demo.services.exceptions import (
    Conflict,
    InvalidApiKey,
    InvalidCredentials,
    NotFound,
    Unprocessable,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
# RFC 6750: a 401 names the scheme the client should use.
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ch04"'}

problem_model = Model("Problem", {
    "type": fields.String(description="URI of the problem type", example="about:blank"),
    "title": fields.String(description="Short summary of the problem type", example="Forbidden"),
    "status": fields.Integer(description="HTTP status code", example=403),
    "detail": fields.String(description="What went wrong this time"),
    "instance": fields.String(description="Path of the request that failed"),
    "errors": fields.Raw(description="Field -> what is wrong with it (validation only)"),
})


def problem_response(status: int, detail: str, extensions: dict[str, Any] | None = None,
                     headers: dict[str, str] | None = None) -> Response:
    """A problem-details response; ``type`` is ``about:blank``, so ``title`` is the HTTP phrase."""
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
    if error.code == 401:
        headers = {**BEARER_CHALLENGE, **headers}
    return problem_response(error.code or 500, detail, data, headers)


def domain_problem(error: Exception) -> Response | None:
    """The problem for an exception the services raise on purpose, or None for anything else."""
    if isinstance(error, NotFound):
        return problem_response(404, str(error))
    if isinstance(error, Conflict):
        return problem_response(409, str(error))
    if isinstance(error, Unprocessable):
        return problem_response(422, str(error), {"errors": error.errors})
    if isinstance(error, InvalidCredentials):
        return problem_response(401, "invalid username or password", headers=BEARER_CHALLENGE)
    if isinstance(error, InvalidApiKey):
        return problem_response(401, "invalid or revoked API key",
                                headers={"WWW-Authenticate": 'ApiKey realm="ch04"'})
    return None


class ProblemApi(Api):
    """A restx ``Api`` whose every error, expected or not, is a problem-details response.

    The trap this class closes: restx's own ``handle_error`` re-raises an exception it has no
    handler for only when ``PROPAGATE_EXCEPTIONS`` is set or the app is in debug or testing
    mode. Flask-JWT-Extended reports a missing, invalid, expired or revoked token by raising,
    and registers its handlers on the Flask app; so with ``TESTING`` on the tests see 401, and
    in production restx answers 500. Here token errors are always handed back to Flask, whose
    handlers (the JWT loaders) answer, whatever the mode.
    """

    def handle_error(self, e: Exception) -> Response:
        if isinstance(e, JWTExtendedException | PyJWTError):
            # restx's error_router catches this and calls Flask's own handler, which finds
            # the one Flask-JWT-Extended registered for this exception class.
            raise e
        if isinstance(e, HTTPException):
            return http_problem(e)
        problem = domain_problem(e)
        if problem is not None:
            return problem
        if current_app.config.get("PROPAGATE_EXCEPTIONS"):
            raise e
        got_request_exception.send(current_app._get_current_object(), exception=e)
        current_app.log_exception((type(e), e, e.__traceback__))
        return http_problem(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    """Problem details for routes outside the Api too (Swagger UI's static files, unknown URLs)."""
    app.register_error_handler(HTTPException, http_problem)
