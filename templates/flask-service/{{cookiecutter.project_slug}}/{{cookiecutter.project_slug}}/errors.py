"""One error shape for the whole service: RFC 9457 problem details.

Every error response is built by `problem()` and served as application/problem+json,
whichever layer failed: routing (404, 405), flask-restx validation (422), a service
(404, 409, 422{% if cookiecutter.auth == "jwt" %}, 401{% endif %}){% if cookiecutter.auth == "jwt" %}, Flask-JWT-Extended (401){% endif %}, the rate limiter (429) or a bug (500).
"""

{% if cookiecutter.auth == "jwt" %}from collections.abc import Callable
{% endif %}from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, json, request
from flask_restx import Api
from werkzeug.exceptions import HTTPException

{% if cookiecutter.auth == "jwt" %}from .extensions import jwt
from .services.exceptions import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ServiceError,
    ValidationError,
)
{% else %}from .services.exceptions import ConflictError, NotFoundError, ServiceError, ValidationError
{% endif %}
PROBLEM_MIMETYPE = "application/problem+json"

STATUS_BY_SERVICE_ERROR: dict[type[ServiceError], HTTPStatus] = {
    NotFoundError: HTTPStatus.NOT_FOUND,
    ConflictError: HTTPStatus.CONFLICT,
    ValidationError: HTTPStatus.UNPROCESSABLE_ENTITY,
{%- if cookiecutter.auth == "jwt" %}
    AuthenticationError: HTTPStatus.UNAUTHORIZED,
{%- endif %}
}

# Headers of the original error response that must not be copied: the body changes.
_BODY_HEADERS = {"content-type", "content-length"}
{%- if cookiecutter.auth == "jwt" %}
_BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}
{%- endif %}


def problem(
    status: int,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """Build a problem details response; `extensions` become extra members of the body.

    `type` stays "about:blank", so `title` is the status phrase (RFC 9457, section 4.2.1).
    """
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if has_request_context():
        body["instance"] = request.path
        if "request_id" in g:
            body["request_id"] = g.request_id
    body.update(extensions)
    response = current_app.response_class(
        json.dumps(body, sort_keys=False), status=status, mimetype=PROBLEM_MIMETYPE
    )
    response.headers.update(headers or {})
    return response


def http_problem(error: HTTPException) -> Response:
    """Problem details for a werkzeug HTTPException (abort(), routing, restx, the limiter)."""
    status = error.code or HTTPStatus.INTERNAL_SERVER_ERROR
    data = getattr(error, "data", None) or {}
    headers = {
        name: value for name, value in error.get_headers() if name.lower() not in _BODY_HEADERS
    }
    field_errors = data.get("errors")
    if field_errors and status == HTTPStatus.BAD_REQUEST:
        # flask-restx answers 400 when a body or query fails its schema. Such a request
        # is well-formed but invalid, which is what 422 says; 400 is left for bodies
        # that are not JSON at all.
        return problem(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "The request failed validation.",
            headers,
            errors=field_errors,
        )
    return problem(status, data.get("message") or error.description, headers)


def service_problem(error: ServiceError) -> Response:
    """Problem details for an error a service raised on purpose."""
    status = next(
        (code for kind, code in STATUS_BY_SERVICE_ERROR.items() if isinstance(error, kind)),
        HTTPStatus.BAD_REQUEST,
    )
{%- if cookiecutter.auth == "jwt" %}
    headers = _BEARER_CHALLENGE if status == HTTPStatus.UNAUTHORIZED else None
    return problem(status, str(error), headers)
{%- else %}
    return problem(status, str(error))
{%- endif %}


class ProblemApi(Api):
    """flask-restx Api that hands every error to the app's handlers.

    The stock `Api.handle_error` renders non-HTTP exceptions itself unless the app is in
    testing or debug mode, where it re-raises them. Errors with their own Flask handler
    (Flask-JWT-Extended's, the services') were therefore answered correctly in tests and
    as 500 in production. Re-raising always gives one path in every mode.
    """

    def handle_error(self, e: Exception) -> Response:
        if isinstance(e, HTTPException):
            return http_problem(e)
        raise e


def register_errorhandlers(app: Flask) -> None:
    """Route every error of `app` to `problem()`.

    Unhandled exceptions reach Flask's InternalServerError, which is an HTTPException, so
    they are answered as a 500 problem without details (and logged with the traceback).
    """
    app.register_error_handler(HTTPException, http_problem)
    app.register_error_handler(ServiceError, service_problem)
{%- if cookiecutter.auth == "jwt" %}
    register_jwt_errors()


def register_jwt_errors() -> None:
    """Make Flask-JWT-Extended answer with problems, 401 for every bad token (RFC 6750)."""

    def missing(reason: str) -> Response:
        return problem(HTTPStatus.UNAUTHORIZED, reason, _BEARER_CHALLENGE)

    def invalid(reason: str) -> Response:
        return problem(HTTPStatus.UNAUTHORIZED, f"Invalid token: {reason}", _BEARER_CHALLENGE)

    def rejected(detail: str) -> Callable[[dict[str, Any], dict[str, Any]], Response]:
        def callback(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
            return problem(HTTPStatus.UNAUTHORIZED, detail, _BEARER_CHALLENGE)

        return callback

    jwt.unauthorized_loader(missing)
    jwt.invalid_token_loader(invalid)
    jwt.expired_token_loader(rejected("The token has expired."))
    jwt.revoked_token_loader(rejected("The token has been revoked."))
    jwt.needs_fresh_token_loader(rejected("A fresh token is required."))
    jwt.user_lookup_error_loader(rejected("The token's account no longer exists."))
    jwt.token_verification_failed_loader(rejected("The token's claims were rejected."))
{%- endif %}
