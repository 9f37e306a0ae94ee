"""One error shape for the whole API: RFC 9457 problem details, produced here and nowhere else.

Three kinds of error reach the handlers registered by ``register_error_handlers``:

- an ``ApiError`` (raised by services and by the body parser): its status, its own ``type`` URI
  under ``PROBLEM_TYPE_BASE``, its title, detail and extension members (``errors``...);
- a Werkzeug ``HTTPException`` (404 routing, 405, 413 from ``MAX_CONTENT_LENGTH``): ``type``
  ``about:blank``, the status phrase as title, protocol headers such as ``Allow`` kept;
- anything else, a bug: logged with its traceback and answered with a fixed 500 detail that
  carries nothing of the exception, in every mode (``TESTING`` on or off).

Every body has ``request_id``, and ``request_id.py`` puts the same value in ``X-Request-ID``.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any, ClassVar

from flask import Flask, Response, current_app, got_request_exception, request
from flask_restx import Model, fields
from werkzeug.exceptions import HTTPException

from ch05_demo.request_id import current_request_id

PROBLEM_JSON = "application/problem+json"
INTERNAL_DETAIL = "The server failed to handle the request; quote the request_id to report it."
# Members an extension may not replace: a client branches on these.
STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "request_id"})


class ApiError(Exception):
    """An error the API answers on purpose. Subclasses set ``status``, ``slug`` and ``title``.

    ``detail`` is read by people and names this occurrence ("run 7 not found"); extension
    members (keyword arguments) are read by programs. Neither may carry internals.
    """

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal server error"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class MalformedRequest(ApiError):
    status, slug, title = 400, "malformed-request", "The request body cannot be read"


class UnsupportedMediaType(ApiError):
    status, slug, title = 415, "unsupported-media-type", "The body must be JSON"


class NotFound(ApiError):
    status, slug, title = 404, "not-found", "No such resource"


class ValidationFailed(ApiError):
    """422 with ``errors``: ``[{"pointer": "#/measurements/3/cd", "detail": ...}, ...]``."""

    status, slug, title = 422, "validation-error", "Your request is not valid"

    def __init__(self, errors: list[dict[str, str]], detail: str | None = None) -> None:
        count = len(errors)
        super().__init__(
            detail or f"{count} invalid value{'s' if count != 1 else ''}; see errors",
            errors=errors,
        )


problem_model = Model("Problem", {
    "type": fields.String(description="URI of the problem type",
                          example="https://litho.example/problems/validation-error"),
    "title": fields.String(description="Summary of the problem type"),
    "status": fields.Integer(description="The HTTP status code", example=422),
    "detail": fields.String(description="What went wrong this time"),
    "instance": fields.String(description="Path of the request that failed"),
    "request_id": fields.String(description="Also in the X-Request-ID header; quote it"),
    "errors": fields.Raw(description="Per field: [{pointer, detail, rejected?}] (422 only)"),
})


def problem_response(
    status: int,
    detail: str,
    *,
    type_: str = "about:blank",
    title: str | None = None,
    extensions: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem-details response. With ``about:blank`` the title is the status phrase."""
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path,
        "request_id": current_request_id(),
    }
    for name, value in (extensions or {}).items():
        if name not in STANDARD_MEMBERS:
            body[name] = value
    # allow_nan=False: a NaN would make the body invalid JSON; better a loud bug than that.
    response = current_app.response_class(json.dumps(body, allow_nan=False), status=status)
    response.mimetype = PROBLEM_JSON
    response.headers.extend(headers or {})
    return response


def problem_type(slug: str) -> str:
    return current_app.config["PROBLEM_TYPE_BASE"] + slug


def handle_api_error(error: ApiError) -> Response:
    return problem_response(
        error.status,
        error.detail,
        type_=problem_type(error.slug),
        title=error.title,
        extensions=error.extensions,
    )


def handle_http_exception(error: HTTPException) -> Response:
    # Keep what the exception says besides its HTML body: Allow on a 405, for example.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return problem_response(error.code or 500, error.description or "", headers=headers)


def handle_unexpected(error: Exception) -> Response:
    """A bug: the traceback goes to the log with the request ID, never into the response."""
    # A handler for Exception replaces Flask's handle_exception, which would have sent the
    # signal error trackers (Sentry...) subscribe to and logged the traceback.
    got_request_exception.send(current_app._get_current_object(), exception=error)
    current_app.logger.error(
        "unhandled %s on %s %s (request_id=%s)",
        type(error).__name__, request.method, request.path, current_request_id(),
        exc_info=(type(error), error, error.__traceback__),
    )
    return problem_response(500, INTERNAL_DETAIL, type_=problem_type("internal-error"),
                            title=ApiError.title)


def register_error_handlers(app: Flask) -> None:
    """Flask picks the most specific handler by the exception's class hierarchy."""
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
