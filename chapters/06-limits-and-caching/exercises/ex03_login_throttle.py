"""Exercise 03: count failed logins only, with ``deduct_when``.

``POST /auth/login`` takes ``{"username": str, "password": str}``:

- 400 problem when the body is not a JSON object or either field is missing, not a string or
  empty (``errors`` names each bad field);
- 200 ``{"access_token": ...}`` when the demo's account directory accepts the password
  (``current_app.extensions["ch06_accounts"].authenticate(username, password)``, username
  stripped and lower-cased first); the token's identity is the username and it carries the
  account's ``role`` and ``fab`` claims (``account.claims()``);
- 401 problem otherwise.

Throttling: at most ``LOGIN_LIMIT`` (5 per 15 minutes, a fixed window) *failed* logins per
``login_key()``. Only a 401 costs a hit (``failed_login``): successful logins and 400s are
free, so a user who types the password right is never throttled by their own logins. Once
five failures are counted, every attempt with that key is a 429 problem with ``Retry-After``,
even with the right password, until the window ends. The limiter sends ``X-RateLimit-*``
headers; ``X-RateLimit-Remaining`` on a 401 is what is left after that failure.

Flask-Limiter's ``deduct_when`` does this: the limit is *tested* before the view runs and
*hit* after the response exists, only when ``deduct_when(response)`` is true.

``login_key()`` is ``"login:<username>:<request.remote_addr>"`` with the body's username
stripped and lower-cased (``"  Alice "`` and ``"alice"`` share a bucket), or an empty username
when the body has none. Per username *and* address: guessing one account from one place is
throttled, while someone elsewhere cannot lock the owner out.
"""

from __future__ import annotations

# Imports marked F401 are unused until the bodies are written.
from flask import Response, current_app, request  # noqa: F401
from flask_jwt_extended import create_access_token  # noqa: F401
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_restx import Namespace, Resource

from ch06_demo.services.errors import InvalidInput, ServiceError

LOGIN_LIMIT = "5 per 15 minutes"


class LoginFailed(ServiceError):
    """Wrong username or password: rendered as a 401 problem."""

    status = 401


def login_key() -> str:
    """``"login:<username>:<address>"``, the username normalised (see the module doc)."""
    raise NotImplementedError(
        "'login:<username stripped, lower-cased>:<remote_addr>' from the JSON body"
    )


def failed_login(response: Response) -> bool:
    """True for the responses that count against the limit: a 401, and nothing else."""
    raise NotImplementedError(
        "True when the response is a 401"
    )


def parse_credentials(body: object) -> tuple[str, str]:
    """``(username, password)`` from the body, the username stripped and lower-cased;
    InvalidInput (400) with ``errors={field: message}`` for a bad body."""
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", errors={"body": "not an object"})
    errors = {name: "required, a non-empty string" for name in ("username", "password")
              if not isinstance(body.get(name), str) or not body[name].strip()}
    if errors:
        raise InvalidInput("invalid credentials payload", errors=errors)
    return body["username"].strip().lower(), body["password"]


# TODO: fixed windows and the X-RateLimit-*/Retry-After headers; no storage here.
limiter = Limiter(key_func=get_remote_address)

ns = Namespace("auth", description="Access tokens", path="/auth")


@ns.route("/login")
class Login(Resource):
    # TODO: limit LOGIN_LIMIT per login_key(), deducting only when failed_login(response).
    decorators: list = []

    def post(self):
        """200 with a token, 400 for a bad body, 401 for wrong credentials (see module doc)."""
        raise NotImplementedError(
            "parse_credentials, authenticate, LoginFailed or a token with the account's claims"
        )
