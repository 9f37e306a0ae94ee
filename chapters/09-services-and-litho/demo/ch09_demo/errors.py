"""One error shape for the whole API: RFC 9457 problem details, produced here and nowhere else.

Every error leaves as ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and ``instance``, plus extension members where they help the client (``problems``
lists what is wrong with each measurement, ``errors`` each field restx's validation refused).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, got_request_exception, request
from flask_restx import Api, Model, fields
from werkzeug.exceptions import HTTPException, InternalServerError

from ch09_demo.services.errors import (
    AnalysisNotFound,
    InvalidFem,
    InvalidSpec,
    ServiceError,
    TargetOutOfRange,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"

# The one place where a domain error becomes an HTTP status. 422: the request was well formed
# (restx's schema check passed, else 400) but the data cannot be analysed as asked.
STATUS_OF: dict[type[ServiceError], int] = {
    AnalysisNotFound: 404,
    InvalidFem: 422,
    InvalidSpec: 422,
    TargetOutOfRange: 422,
}


def status_of(error: ServiceError) -> int:
    """The status of the nearest mapped class in the error's MRO; 400 for an unmapped one."""
    return next((STATUS_OF[cls] for cls in type(error).__mro__ if cls in STATUS_OF), 400)

problem_model = Model("Problem", {
    "type": fields.String(description="URI of the problem type", example="about:blank"),
    "title": fields.String(description="Short summary of the problem type"),
    "status": fields.Integer(description="HTTP status code", example=422),
    "detail": fields.String(description="What went wrong this time"),
    "instance": fields.String(description="Path of the request that failed"),
    "problems": fields.Raw(description="[{pointer, message}] per refused measurement"),
    "errors": fields.Raw(description="Payload field -> what is wrong with it"),
})


def problem_response(status: int, detail: str, extensions: dict[str, Any] | None = None,
                     headers: dict[str, str] | None = None) -> Response:
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
    # restx's payload validation stores {"message": ..., "errors": {...}} on ``error.data``.
    data = dict(getattr(error, "data", None) or {})
    detail = str(data.pop("message", None) or error.description)
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return problem_response(error.code or 500, detail, data, headers)


class ProblemApi(Api):
    """A restx ``Api`` whose every error, expected or not, is a problem-details response.

    restx's own ``handle_error`` lets an exception's ``data`` override a registered handler's
    result and re-raises unexpected exceptions in debug/testing mode only; overriding it keeps
    the contract in one place and the same in every mode.
    """

    def handle_error(self, e: Exception) -> Response:
        if isinstance(e, HTTPException):
            return http_problem(e)
        if isinstance(e, ServiceError):
            return problem_response(status_of(e), e.detail, e.extensions)
        if current_app.config.get("PROPAGATE_EXCEPTIONS"):
            raise e
        got_request_exception.send(current_app._get_current_object(), exception=e)
        current_app.log_exception((type(e), e, e.__traceback__))
        return http_problem(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    """Problem details for routes outside the Api too (Swagger UI's static files, unknown URLs)."""
    app.register_error_handler(HTTPException, http_problem)
