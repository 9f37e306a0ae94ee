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

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, jsonify
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    decode_token,
    get_jwt,
    jwt_required,
)

FAMILY_CLAIM = "fam"


class RefreshReused(Exception):
    """A refresh token that was already exchanged was presented again; its family is revoked."""


class RefreshRevoked(Exception):
    """The refresh token's family is unknown to this store or has been revoked."""


@dataclass
class _Family:
    identity: str
    claims: dict[str, Any]
    current_jti: str
    revoked: bool = field(default=False)


class RefreshRotation:
    """Refresh-token families: one per login, each with exactly one refresh token that works.

    Every method that creates tokens must run inside an app context whose app has a
    ``JWTManager`` (``create_access_token`` and friends need it).
    """

    def __init__(self) -> None:
        self._families: dict[str, _Family] = {}
        self._lock = threading.Lock()

    def issue(self, identity: str, claims: dict[str, Any] | None = None) -> dict[str, Any]:
        """Start a new family for ``identity`` (a login) and return its first token pair.

        Both tokens carry ``claims`` (e.g. ``{"role": "engineer"}``) and the family id in the
        ``fam`` claim; the refresh token's ``jti`` becomes the family's current one.
        Returns ``{"access_token": str, "refresh_token": str, "token_type": "Bearer",
        "expires_in": <access lifetime in whole seconds, from JWT_ACCESS_TOKEN_EXPIRES>}``.
        """
        family_id = uuid.uuid4().hex
        pair, jti = self._pair(identity, dict(claims or {}), family_id)
        with self._lock:
            self._families[family_id] = _Family(identity, dict(claims or {}), jti)
        return pair

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
        family_id = refresh_claims.get(FAMILY_CLAIM)
        with self._lock:
            family = self._families.get(family_id) if isinstance(family_id, str) else None
            if family is None or family.revoked:
                raise RefreshRevoked("this refresh token's session has ended; log in again")
            if refresh_claims.get("jti") != family.current_jti:
                family.revoked = True
                raise RefreshReused("refresh token reused: every token of this session is "
                                    "revoked; log in again")
            pair, jti = self._pair(family.identity, family.claims, family_id)
            family.current_jti = jti
        return pair

    def revoke_family(self, family_id: str) -> None:
        """End a family (a logout): its current refresh token is refused from now on."""
        with self._lock:
            family = self._families.get(family_id)
            if family is not None:
                family.revoked = True

    def init_app(self, app: Flask, url: str = "/auth/refresh") -> None:
        """Add ``POST url`` to ``app``: send the refresh token as ``Authorization: Bearer``.

        200 with the new pair (``rotate``'s dict); 401 with a JSON body ``{"detail": reason}``
        for ``RefreshReused`` and ``RefreshRevoked``. Flask-JWT-Extended answers the rest
        itself: no token or an expired one 401, an access token or a forged one 422.
        """

        @jwt_required(refresh=True)
        def refresh_tokens():
            try:
                return jsonify(self.rotate(get_jwt()))
            except (RefreshReused, RefreshRevoked) as exc:
                return jsonify({"detail": str(exc)}), 401

        app.add_url_rule(url, "refresh_tokens", refresh_tokens, methods=["POST"])

    def _pair(self, identity: str, claims: dict[str, Any], family_id: str
              ) -> tuple[dict[str, Any], str]:
        family_claims = {**claims, FAMILY_CLAIM: family_id}
        refresh_token = create_refresh_token(identity=identity, additional_claims=family_claims)
        access_token = create_access_token(identity=identity, additional_claims=family_claims)
        # allow_expired: a configured lifetime that has already run out still yields its jti.
        jti = decode_token(refresh_token, allow_expired=True)["jti"]
        lifetime = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
        return {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "token_type": "Bearer",
            "expires_in": int(lifetime.total_seconds()),
        }, jti
