"""Exercise 02: access + refresh tokens with refresh-token rotation and reuse detection.

A refresh token lives for days; if it leaks, whoever holds it can mint access tokens until it
expires. Rotation makes each refresh token single-use: refreshing returns a new pair and
retires the presented refresh token. A retired token presented again means two parties hold
the same family of tokens (the user and a thief, in some order), and the server cannot tell
which is which: it revokes the whole family, so both must log in again (OAuth 2.0 Security
BCP, "refresh token rotation").

Families live in this process's memory here; a service with several processes keeps them in
Redis or the database, with the same compare-and-set on the current jti.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

FAMILY_CLAIM = "fam"


class RefreshReused(Exception):
    """A refresh token that was already exchanged was presented again; its family is revoked."""


class RefreshRevoked(Exception):
    """The refresh token's family is unknown to this store or has been revoked."""


class RefreshRotation:
    """Refresh-token families: one per login, each with exactly one refresh token that works.

    Every method that creates tokens must run inside an app context whose app has a
    ``JWTManager`` (``create_access_token`` and friends need it).
    """

    def __init__(self) -> None:
        raise NotImplementedError(
            "keep the families (id -> identity, claims, current jti, revoked) and a lock"
        )

    def issue(self, identity: str, claims: dict[str, Any] | None = None) -> dict[str, Any]:
        """Start a new family for ``identity`` (a login) and return its first token pair.

        Both tokens carry ``claims`` (e.g. ``{"role": "engineer"}``) and the family id in the
        ``fam`` claim; the refresh token's ``jti`` becomes the family's current one.
        Returns ``{"access_token": str, "refresh_token": str, "token_type": "Bearer",
        "expires_in": <access lifetime in whole seconds, from JWT_ACCESS_TOKEN_EXPIRES>}``.
        """
        raise NotImplementedError(
            "start a family, create both tokens with the claims and 'fam', remember the "
            "refresh jti"
        )

    def rotate(self, refresh_claims: dict[str, Any]) -> dict[str, Any]:
        """Exchange a verified refresh token (its claims, as ``get_jwt()`` returns them) for a
        new pair of the same family, with the same identity and claims as at ``issue``.

        - The family (``fam`` claim) is missing, unknown or revoked: ``RefreshRevoked``.
        - The token's ``jti`` is not the family's current one (it was exchanged before):
          revoke the family, then raise ``RefreshReused``; no token of the family works again.
        - Otherwise the new refresh token's ``jti`` becomes current, so the presented token
          is refused from now on. Check and update happen under one lock: two concurrent
          refreshes with the same token cannot both succeed.
        """
        raise NotImplementedError(
            "compare the presented jti with the family's current one under the lock"
        )

    def revoke_family(self, family_id: str) -> None:
        """End a family (a logout): its current refresh token is refused from now on."""
        raise NotImplementedError("mark the family revoked")

    def init_app(self, app: Flask, url: str = "/auth/refresh") -> None:
        """Add ``POST url`` to ``app``: send the refresh token as ``Authorization: Bearer``.

        200 with the new pair (``rotate``'s dict); 401 with a JSON body ``{"detail": reason}``
        for ``RefreshReused`` and ``RefreshRevoked``. Flask-JWT-Extended answers the rest
        itself: no token or an expired one 401, an access token or a forged one 422.
        """
        raise NotImplementedError(
            "add a POST view under @jwt_required(refresh=True) that returns "
            "jsonify(self.rotate(get_jwt())), or 401 on RefreshReused/RefreshRevoked"
        )

