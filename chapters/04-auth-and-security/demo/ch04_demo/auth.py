"""Who is calling: Flask-JWT-Extended's callbacks, a role check, and API keys.

Status codes, as this API uses them:
  401  no credentials, or credentials that prove nothing: missing, expired, revoked token,
       unknown user, bad API key. The client should (re)authenticate.
  422  a token that is not a valid JWT of ours at all: bad signature, alg=none, malformed,
       a refresh token where an access token belongs (Flask-JWT-Extended's default).
  403  valid credentials of someone who may not do this. Authenticating again will not help.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request
from flask_jwt_extended import JWTManager, current_user, get_jwt, verify_jwt_in_request
from werkzeug.exceptions import Forbidden

from ch04_demo.errors import BEARER_CHALLENGE, problem_response
from ch04_demo.extensions import db
from ch04_demo.models import Role, User
from ch04_demo.services import api_keys, tokens

API_KEY_HEADER = "X-API-Key"


def register_jwt_callbacks(jwt: JWTManager) -> None:
    """Identity is the user id (a string: PyJWT checks that ``sub`` is one); every request
    checks the blocklist and loads the user; every token error is a problem document."""

    @jwt.user_lookup_loader
    def load_user(header: dict, claims: dict) -> User | None:
        return db.session.get(User, int(claims["sub"]))

    @jwt.token_in_blocklist_loader
    def is_blocked(header: dict, claims: dict) -> bool:
        return tokens.is_revoked(db.session, claims)

    @jwt.unauthorized_loader
    def missing_token(reason: str):
        return problem_response(401, reason, headers=BEARER_CHALLENGE)

    @jwt.invalid_token_loader
    def invalid_token(reason: str):
        return problem_response(422, f"invalid token: {reason}")

    @jwt.expired_token_loader
    def expired_token(header: dict, claims: dict):
        return problem_response(401, "token has expired", headers=BEARER_CHALLENGE)

    @jwt.revoked_token_loader
    def revoked_token(header: dict, claims: dict):
        return problem_response(401, "token has been revoked", headers=BEARER_CHALLENGE)

    @jwt.user_lookup_error_loader
    def unknown_user(header: dict, claims: dict):
        return problem_response(401, "the token's user no longer exists",
                                headers=BEARER_CHALLENGE)

    @jwt.needs_fresh_token_loader
    def stale_token(header: dict, claims: dict):
        return problem_response(401, "a fresh token (from logging in) is required",
                                headers=BEARER_CHALLENGE)


def roles_required(*roles: Role) -> Callable:
    """A view decorator: a valid access token whose ``role`` claim is one of ``roles``.

    No or a bad token: Flask-JWT-Extended's 401/422. A token without a ``role`` claim, or
    with another role: 403. A missing claim is a refusal, never a default.
    """
    allowed = {role.value for role in roles}

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            verify_jwt_in_request()
            role = get_jwt().get("role")
            if role not in allowed:
                raise Forbidden(f"this needs the role {' or '.join(sorted(allowed))}")
            return view(*args, **kwargs)
        return wrapper
    return decorator


def key_or_token_user() -> User:
    """The caller, from an ``X-API-Key`` header if there is one, else from the access token."""
    key = request.headers.get(API_KEY_HEADER)
    if key is not None:
        return api_keys.user_for_key(db.session, key)
    verify_jwt_in_request()
    return current_user
