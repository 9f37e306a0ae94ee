"""One error shape for the whole API: RFC 9457 problem details, produced here and nowhere else.

Every error leaves as ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and ``instance``; a rejected file adds ``errors`` (one entry per bad cell: ``row``,
``column``, ``problem``, ``message``).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, got_request_exception, request
from flask_restx import Api, Model, fields
from werkzeug.exceptions import HTTPException, InternalServerError

from ch08_demo.services.datasets import DatasetNotFound, InvalidDataset
from ch08_demo.services.storage import UploadRejected

PROBLEM_MEDIA_TYPE = "application/problem+json"

problem_model = Model("Problem", {
    "type": fields.String(example="about:blank"),
    "title": fields.String(example="Unprocessable Entity"),
    "status": fields.Integer(example=422),
    "detail": fields.String(example="3 problem(s) in the file: nothing was stored"),
    "instance": fields.String(example="/datasets/"),
    "errors": fields.Raw(description="Row-level problems: [{row, column, problem, message}]"),
})


def problem_response(status: int, detail: str, extensions: dict[str, Any] | None = None,
                     headers: dict[str, str] | None = None) -> Response:
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
    data = dict(getattr(error, "data", None) or {})
    detail = str(data.pop("message", None) or error.description)
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return problem_response(error.code or 500, detail, data, headers)


def domain_problem(error: Exception) -> Response | None:
    """The problem for an exception the services raise on purpose, or None for anything else."""
    if isinstance(error, UploadRejected):
        return problem_response(error.status, f"{error.detail}: nothing was stored")
    if isinstance(error, InvalidDataset):
        report = error.report.as_dict()
        return problem_response(
            422, f"{len(report['errors'])} problem(s) in the file: nothing was stored",
            {"errors": report["errors"], "warnings": report["warnings"]},
        )
    if isinstance(error, DatasetNotFound):
        return problem_response(404, f"no dataset {error}")
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
    """Problem details for routes outside the Api too (unknown URLs, a body over the limit)."""
    app.register_error_handler(HTTPException, http_problem)
