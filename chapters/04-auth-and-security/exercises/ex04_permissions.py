"""Exercise 04: a role/permission decorator built on the token's additional claims.

Access tokens carry the user's role in a ``role`` claim (added with ``create_access_token(...,
additional_claims=claims_for(role))``). Views name the permissions they need, not roles, and
the mapping from role to permissions is read at request time from ROLE_PERMISSIONS, so a new
permission for a role applies to tokens already issued.

401 and 403 mean different things and clients act on them differently: 401 "who are you?"
(log in or refresh), 403 "I know who you are, and no" (logging in again will not help).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

ROLE_CLAIM = "role"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"lots:read"}),
    "engineer": frozenset({"lots:read", "lots:write", "analyses:run"}),
    "admin": frozenset({"lots:read", "lots:write", "analyses:run", "users:manage"}),
}


def claims_for(role: str) -> dict[str, Any]:
    """The additional claims for a token of a user with ``role``: ``{"role": role}``.
    ``ValueError`` for a role not in ROLE_PERMISSIONS."""
    raise NotImplementedError("return {'role': role}, ValueError for an unknown role")


def permissions_of(claims: Mapping[str, Any]) -> frozenset[str]:
    """The permissions a token's claims grant: ROLE_PERMISSIONS of its ``role`` claim.

    No ``role`` claim, a role that is not a string, or a role not in ROLE_PERMISSIONS grants
    nothing (an empty frozenset): a missing claim is never a default role.
    """
    raise NotImplementedError("map the role claim through ROLE_PERMISSIONS; nothing without it")


def require(*permissions: str) -> Callable[[Callable], Callable]:
    """A view decorator: the request needs a valid access token granting EVERY permission.

    1. ``verify_jwt_in_request()`` (an access token, not a refresh token; not optional): let
       Flask-JWT-Extended raise for a missing, expired or revoked token (401) and an invalid
       one or a refresh token (422); the app's error handling renders those.
    2. If ``permissions_of(get_jwt())`` lacks any of ``permissions``: raise
       ``werkzeug.exceptions.Forbidden`` whose description names the missing permissions in
       sorted order, comma-separated (so restx and plain Flask both answer 403, never 500).
    3. Otherwise call the view with its arguments and return its result.

    ``require()`` with no permissions is a programming error: ``ValueError`` at decoration
    time. The wrapper keeps the view's ``__name__`` and ``__doc__`` (``functools.wraps``):
    Flask names endpoints after functions, and restx documents the docstring.
    """
    raise NotImplementedError(
        "verify_jwt_in_request(), then Forbidden unless every permission is granted"
    )
