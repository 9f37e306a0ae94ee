"""One error shape for the whole API: RFC 9457 problem details, produced here and nowhere else.

Every error leaves as ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and ``instance``; a validation failure adds ``errors`` (field -> what is wrong).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, got_request_exception, request
from flask_restx import Api, Model, fields
from werkzeug.exceptions import HTTPException, InternalServerError

from ch07_demo.services.jobs import IdempotencyConflict, JobNotFound, UnknownWafers

PROBLEM_MEDIA_TYPE = "application/problem+json"

problem_model = Model("Problem", {
    "type": fields.String(description="URI of the problem type", example="about:blank"),
    "title": fields.String(description="Short summary of the problem type", example="Not Found"),
    "status": fields.Integer(description="HTTP status code", example=404),
    "detail": fields.String(description="What went wrong this time", example="no job 42"),
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
    data = dict(getattr(error, "data", None) or {})
    detail = str(data.pop("message", None) or error.description)
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return problem_response(error.code or 500, detail, data, headers)


def domain_problem(error: Exception) -> Response | None:
    """The problem for an exception the services raise on purpose, or None for anything else."""
    if isinstance(error, JobNotFound):
        return problem_response(404, f"no job {error}")
    if isinstance(error, UnknownWafers):
        return problem_response(
            400, "some wafers are not in the archive; nothing was submitted",
            {"errors": {"wafer_ids": [f"unknown wafer {w}" for w in error.wafer_ids]}},
        )
    if isinstance(error, IdempotencyConflict):
        return problem_response(
            409, f"Idempotency-Key {error} was used for a different request; nothing was submitted"
        )
    return None


class ProblemApi(Api):
    """A restx ``Api`` whose every error, expected or not, is a problem-details response."""

    def handle_error(self, e: Exception) -> Response:
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
