"""One error shape for the whole service: RFC 9457 problem details (``application/problem+json``).

Every error ends here and nowhere else: the domain errors services raise (``ProblemError`` and its
subclasses), HTTP errors from Flask, werkzeug, flask-restx and the rate limiter (validation, 404,
405, 413, 415, 429), every Flask-JWT-Extended failure (through its loader callbacks), database
integrity races and unhandled exceptions (a 500 that reveals no internals).

Body members: ``type`` (``about:blank``: the status says what kind of problem it is), ``title``
(the status phrase), ``status``, ``detail`` (what went wrong, for a human), ``instance`` (the
request path), plus ``code`` (a stable machine-readable reason), ``request_id`` and, for
validation problems, ``errors``: a list of ``{"message", "field"?, "row"?, "column"?}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from flask_jwt_extended import JWTManager
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from litho_platform.extensions import db

PROBLEM_MIMETYPE = "application/problem+json"

# Headers of a werkzeug/restx error response worth keeping on the problem response.
_FORWARDED_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class ProblemError(Exception):
    """A domain error with its HTTP status; raised by services, rendered by this module."""

    status: int = 500
    code: str = "internal_error"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        errors: Iterable[Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.errors = [dict(item) for item in errors] if errors is not None else None


class UnauthorizedError(ProblemError):
    status, code = 401, "invalid_credentials"


class ForbiddenError(ProblemError):
    status, code = 403, "forbidden"


class NotFoundError(ProblemError):
    status, code = 404, "not_found"


class ConflictError(ProblemError):
    status, code = 409, "conflict"


class UnsupportedMediaTypeError(ProblemError):
    status, code = 415, "unsupported_media_type"


class UnprocessableError(ProblemError):
    status, code = 422, "unprocessable"


class ServiceUnavailableError(ProblemError):
    """A service the request needs is down; the client may retry after ``RETRY_AFTER_S``."""

    status, code = 503, "service_unavailable"
    RETRY_AFTER_S = 30


def _code_for(status: int) -> str:
    return re.sub(r"[^a-z]+", "_", HTTPStatus(status).phrase.lower()).strip("_")


def problem_response(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """Build the problem-details response; ``extra`` adds extension members (e.g. checks)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path if has_request_context() else None,
        "code": code or _code_for(status),
        "request_id": g.get("request_id") if has_request_context() else None,
    }
    if errors is not None:
        body["errors"] = errors
    if extra:
        body.update(extra)
    response = current_app.response_class(
        current_app.json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _validation_errors(data: object) -> list[dict[str, Any]] | None:
    """flask-restx puts payload and query validation failures in ``e.data['errors']`` as a
    ``{field: message}`` mapping; turn it into the problem's ``errors`` list."""
    if not isinstance(data, Mapping) or not isinstance(data.get("errors"), Mapping):
        return None
    return [
        {"field": str(field), "message": str(message)} for field, message in data["errors"].items()
    ]


def _handle_problem(error: ProblemError) -> Response:
    headers = (
        {"Retry-After": str(error.RETRY_AFTER_S)}
        if isinstance(error, ServiceUnavailableError)
        else None
    )
    return problem_response(
        error.status, error.detail, code=error.code, errors=error.errors, headers=headers
    )


def _handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 500:
        return _handle_server_error(error)
    original = error.get_response()
    headers = {
        name: original.headers[name] for name in _FORWARDED_HEADERS if name in original.headers
    }
    errors = _validation_errors(getattr(error, "data", None))
    detail = error.description or HTTPStatus(status).phrase
    code = None
    if errors is not None:
        detail, code = "The request is invalid; see errors.", "validation_failed"
    elif isinstance(error, RequestEntityTooLarge):
        limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) / (1024 * 1024)
        detail = f"The request body exceeds the upload limit of {limit_mb:g} MB."
    elif status == 429:
        detail = f"Rate limit exceeded ({error.description}); retry after the Retry-After delay."
        code = "rate_limited"
    return problem_response(status, detail, code=code, errors=errors, headers=headers)


def _handle_server_error(error: Exception) -> Response:
    # The exception was logged by Flask; the client gets no internals, only the request id.
    return problem_response(500, "An unexpected error occurred; quote the request id to support.")


def _handle_integrity_error(error: IntegrityError) -> Response:
    db.session.rollback()
    return problem_response(
        409, "The request conflicts with existing data.", code="integrity_conflict"
    )


def _unauthorized(detail: str, code: str, error: str | None = "invalid_token") -> Response:
    challenge = "Bearer" if error is None else f'Bearer error="{error}"'
    return problem_response(401, detail, code=code, headers={"WWW-Authenticate": challenge})


def register_jwt_error_callbacks(jwt: JWTManager) -> None:
    """Render every Flask-JWT-Extended failure as a 401 problem (its defaults are {"msg": ...}
    bodies, and 422 for a malformed token)."""

    @jwt.unauthorized_loader
    def _missing(reason: str) -> Response:
        return _unauthorized(f"Authentication required: {reason}.", "authorization_missing", None)

    @jwt.invalid_token_loader
    def _invalid(reason: str) -> Response:
        return _unauthorized(f"The token is invalid: {reason}.", "token_invalid")

    @jwt.expired_token_loader
    def _expired(header: dict, payload: dict) -> Response:
        return _unauthorized("The token has expired; refresh it or log in again.", "token_expired")

    @jwt.revoked_token_loader
    def _revoked(header: dict, payload: dict) -> Response:
        return _unauthorized("The token has been revoked; log in again.", "token_revoked")

    @jwt.user_lookup_error_loader
    def _user_gone(header: dict, payload: dict) -> Response:
        return _unauthorized(
            "The token's user no longer exists or is deactivated.", "user_inactive"
        )

    @jwt.needs_fresh_token_loader
    def _not_fresh(header: dict, payload: dict) -> Response:
        return _unauthorized("A fresh token is required; log in again.", "token_not_fresh")

    @jwt.token_verification_failed_loader
    def _claims_refused(header: dict, payload: dict) -> Response:
        return _unauthorized("The token's claims were refused.", "token_invalid")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ProblemError, _handle_problem)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(InternalServerError, _handle_server_error)
    app.register_error_handler(IntegrityError, _handle_integrity_error)
