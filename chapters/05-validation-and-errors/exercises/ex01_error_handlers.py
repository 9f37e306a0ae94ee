"""Exercise 01: the platform's exception hierarchy and the handlers that render it.

Services raise ``PlatformError`` subclasses that know their HTTP status and nothing about Flask;
``register_error_handlers`` turns every error of an app into one RFC 9457 problem document:

``{"type", "title", "status", "detail", "instance", "request_id", ...extension members}``
sent as ``application/problem+json`` with the request's ID in ``X-Request-ID`` as well.

- ``PlatformError``: ``type`` is ``PROBLEM_BASE + slug``, ``title`` the class's title,
  ``detail`` the message, extension members from the keyword arguments (one named like a
  standard member, e.g. ``status``, is dropped, never overriding it), headers from ``headers()``.
- Werkzeug ``HTTPException`` (404 unknown URL, 405, 413...): ``type`` ``about:blank``, ``title``
  the status phrase (``http.HTTPStatus(code).phrase``), ``detail`` the exception's description;
  its headers are kept (``Allow`` on a 405) except ``Content-Type``.
- any other exception (a bug): status 500, ``type`` ``PROBLEM_BASE + "internal-error"``,
  ``title`` ``PlatformError.title``, ``detail`` exactly ``INTERNAL_DETAIL``: nothing of the
  exception (message, class, traceback) in the body. The traceback is logged on
  ``app.logger`` at ERROR with ``exc_info`` and a message that contains the request ID.
  The same whether ``TESTING`` is on or off.

``instance`` is ``request.path``. Request IDs: an incoming ``X-Request-ID`` that fully matches
``[A-Za-z0-9._-]{1,128}`` is kept, anything else is replaced by ``uuid.uuid4().hex``; every
response of the app (successes too) carries it in ``X-Request-ID``.

flask-restx routes must end in the same handlers: ``ProblemApi`` is an ``Api`` whose errors go
back to Flask's handler lookup, whatever PROPAGATE_EXCEPTIONS, TESTING or DEBUG say.
"""

from __future__ import annotations

# Imports marked F401 are unused until the bodies are written.
import json
import re
import uuid  # noqa: F401
from http import HTTPStatus
from typing import Any, ClassVar

from flask import Flask, Response, current_app, g, has_request_context, request  # noqa: F401
from flask_restx import Api
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://litho.example/problems/"
REQUEST_ID_HEADER = "X-Request-ID"
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
INTERNAL_DETAIL = "The server failed to handle the request; quote the request_id to report it."
STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "request_id"})


class PlatformError(Exception):
    """Base of the errors the platform answers on purpose: 500 ``internal-error`` by default."""

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal server error"

    def __init__(self, detail: str, **extensions: Any) -> None:
        """``detail`` is for people; ``extensions`` become extension members of the problem."""
        raise NotImplementedError(
            "store detail and extensions on the instance (call super().__init__(detail))"
        )

    def headers(self) -> dict[str, str]:
        """Extra response headers for this error; none by default."""
        raise NotImplementedError(
            "return the extra headers of this error: none for the base class"
        )


class RunNotFound(PlatformError):
    """404, slug ``run-not-found``, title ``FEM run not found``."""

    status, slug, title = 404, "run-not-found", "FEM run not found"


class RunConflict(PlatformError):
    """409, slug ``run-conflict``, title ``FEM run already stored``."""

    status, slug, title = 409, "run-conflict", "FEM run already stored"


class AnalysisUnavailable(PlatformError):
    """503, slug ``analysis-unavailable``, title ``Analysis service unavailable``.

    ``retry_after`` (whole seconds) is sent as the ``Retry-After`` header and as the
    ``retry_after`` extension member.
    """

    status, slug, title = 503, "analysis-unavailable", "Analysis service unavailable"

    def __init__(self, detail: str, retry_after: int) -> None:
        raise NotImplementedError(
            "pass retry_after as an extension member and remember it"
        )

    def headers(self) -> dict[str, str]:
        raise NotImplementedError(
            "return {'Retry-After': ...} as a string of whole seconds"
        )


class ProblemApi(Api):
    """A restx ``Api`` that hands every error raised in its routes back to Flask's handlers."""

    def handle_error(self, e: Exception):
        raise NotImplementedError(
            "hand the error back to Flask's handlers instead of rendering it here"
        )


def request_id() -> str:
    """The current request's ID (assigned on first use if ``before_request`` has not run)."""
    raise NotImplementedError(
        "keep a plain incoming X-Request-ID on g, or make uuid.uuid4().hex"
    )


def _problem(status: int, detail: str, type_: str, title: str,
             extensions: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None) -> Response:
    body = {"type": type_, "title": title, "status": status, "detail": detail,
            "instance": request.path, "request_id": request_id()}
    for name, value in (extensions or {}).items():
        if name not in STANDARD_MEMBERS:
            body[name] = value
    response = current_app.response_class(json.dumps(body), status=status)
    response.mimetype = PROBLEM_JSON
    response.headers.extend(headers or {})
    return response


def _platform_error(error: PlatformError) -> Response:
    return _problem(error.status, error.detail, PROBLEM_BASE + error.slug, error.title,
                    error.extensions, error.headers())


def _http_error(error: HTTPException) -> Response:
    code = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return _problem(code, error.description or "", "about:blank", HTTPStatus(code).phrase,
                    headers=headers)


def _unexpected(error: Exception) -> Response:
    current_app.logger.error(
        "unhandled %s (request_id=%s)", type(error).__name__, request_id(),
        exc_info=(type(error), error, error.__traceback__),
    )
    return _problem(500, INTERNAL_DETAIL, PROBLEM_BASE + PlatformError.slug, PlatformError.title)


def _assign_request_id() -> None:
    request_id()  # a before_request function that returned the ID would become the response


def _echo_request_id(response: Response) -> Response:
    if has_request_context():
        response.headers[REQUEST_ID_HEADER] = request_id()
    return response


def register_error_handlers(app: Flask) -> None:
    """Request IDs on every request and response; the three handlers described above."""
    raise NotImplementedError(
        "before/after_request for the ID, then handlers for PlatformError, HTTPException, Exception"
    )
