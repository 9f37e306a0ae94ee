"""JWT issue, refresh and revocation, with the blocklist kept in the database.

An access token carries the ``jti`` of the refresh token it came from (claim ``rjti``). Logging
out revokes both, and a token whose own jti or rjti is on the blocklist is refused, so every
access token minted from a revoked refresh token dies with it. The blocklist lives in the
database, so it holds across processes and restarts; entries are pruned once the token they
block would have expired anyway.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, g
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    decode_token,
)
from sqlalchemy import delete, select

from litho_platform.extensions import db
from litho_platform.models import RevokedToken, User
from litho_platform.models.base import utcnow


def _access_lifetime_seconds() -> int:
    return int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds())


def issue_tokens(user: User) -> dict[str, Any]:
    """A fresh access token and a refresh token for a user who just proved their password."""
    refresh_token = create_refresh_token(identity=user)
    refresh_jti = decode_token(refresh_token)["jti"]
    access_token = create_access_token(
        identity=user, fresh=True, additional_claims={"rjti": refresh_jti}
    )
    return {
        "access_token": access_token,
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "expires_in": _access_lifetime_seconds(),
    }


def refresh_access(user: User, refresh_claims: dict[str, Any]) -> dict[str, Any]:
    """A new (not fresh) access token tied to the presented refresh token."""
    access_token = create_access_token(
        identity=user, fresh=False, additional_claims={"rjti": refresh_claims["jti"]}
    )
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": _access_lifetime_seconds(),
    }


def revoke(claims: dict[str, Any]) -> None:
    """Blocklist the presented token and the refresh token it came from; prune stale entries."""
    now = utcnow()
    user_id = int(claims["sub"])
    entries = [(claims["jti"], claims["type"], datetime.fromtimestamp(claims["exp"], UTC))]
    if claims.get("rjti"):
        # The refresh token's own expiry is not in this token; its lifetime bounds it from above.
        refresh_expiry = now + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
        entries.append((claims["rjti"], "refresh", refresh_expiry))
    known = set(
        db.session.scalars(
            select(RevokedToken.jti).where(RevokedToken.jti.in_([jti for jti, _, _ in entries]))
        )
    )
    for jti, token_type, expires_at in entries:
        if jti not in known:
            db.session.add(
                RevokedToken(jti=jti, token_type=token_type, user_id=user_id, expires_at=expires_at)
            )
    db.session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    db.session.commit()


def is_revoked(claims: dict[str, Any]) -> bool:
    jtis = [claims["jti"]] + ([claims["rjti"]] if claims.get("rjti") else [])
    return db.session.scalar(select(RevokedToken.id).where(RevokedToken.jti.in_(jtis))) is not None


def _load_user(claims: dict[str, Any]) -> User | None:
    try:
        user_id = int(claims["sub"])
    except (KeyError, TypeError, ValueError):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    g.user_id = user.id
    return user


def register_jwt_callbacks(jwt: JWTManager) -> None:
    """Identity is the user id; each request loads the user (a deactivated or deleted one is
    refused) and checks the blocklist."""

    @jwt.user_identity_loader
    def _identity(user: User) -> str:
        return str(user.id)

    @jwt.user_lookup_loader
    def _lookup(header: dict, claims: dict) -> User | None:
        return _load_user(claims)

    @jwt.token_in_blocklist_loader
    def _blocked(header: dict, claims: dict) -> bool:
        return is_revoked(claims)
