"""One error shape for the whole API: RFC 9457 problem details, produced here and nowhere else.

Every error leaves as ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and ``instance``; a validation failure adds ``errors`` (field -> what is wrong).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, got_request_exception, request
from flask_restx import Api, Model, fields
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError

from ch03_demo.services.lots import LotExists, LotNotFound

PROBLEM_MEDIA_TYPE = "application/problem+json"

problem_model = Model("Problem", {
    "type": fields.String(description="URI of the problem type", example="about:blank"),
    "title": fields.String(description="Short summary of the problem type", example="Not Found"),
    "status": fields.Integer(description="HTTP status code", example=404),
    "detail": fields.String(description="What went wrong this time", example="no lot L99"),
    "instance": fields.String(description="Path of the request that failed"),
    "errors": fields.Raw(description="Field -> what is wrong with it (validation only)"),
})


def problem_response(
    status: int,
    detail: str,
    extensions: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
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
    # restx's abort() and payload validation put the message and extra members on error.data.
    data = dict(getattr(error, "data", None) or {})
    detail = str(data.pop("message", None) or error.description)
    # Keep protocol headers such as Allow on a 405; the body's media type is ours.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return problem_response(error.code or 500, detail, data, headers)


def domain_problem(error: Exception) -> Response | None:
    """The problem for an exception the services raise on purpose, or None for anything else."""
    if isinstance(error, LotNotFound):
        return problem_response(404, f"no lot named {error}")
    if isinstance(error, LotExists):
        return problem_response(409, f"a lot named {error} exists already")
    if isinstance(error, IntegrityError):
        # Nothing was written (the unit of work rolled back, and Flask-SQLAlchemy closes the
        # session when the request ends). The driver message names tables and SQL: not for clients.
        return problem_response(409, "the request conflicts with data already stored "
                                     "(a duplicate slot or field, or a value out of range)")
    return None


class ProblemApi(Api):
    """A restx ``Api`` whose every error, expected or not, is a problem-details response.

    restx's own ``handle_error`` lets an exception's ``data`` override a registered handler's
    result and adds a ``message`` key; overriding it keeps the contract in one place.
    Unexpected exceptions propagate only when ``PROPAGATE_EXCEPTIONS`` is explicitly true.
    """

    def handle_error(self, e: Exception) -> Response:
        if isinstance(e, HTTPException):
            return http_problem(e)
        problem = domain_problem(e)
        if problem is not None:
            return problem
        if current_app.config.get("PROPAGATE_EXCEPTIONS"):
            raise e
        # The signal and log line Flask itself emits for an unhandled exception.
        got_request_exception.send(current_app._get_current_object(), exception=e)
        current_app.log_exception((type(e), e, e.__traceback__))
        return http_problem(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    """Problem details for routes outside the Api too (Swagger UI's static files, unknown URLs)."""
    app.register_error_handler(HTTPException, http_problem)
