"""Access and refresh tokens, and the blocklist that makes logout mean something.

A JWT is valid until it expires, whoever holds it: the signature proves the server issued it,
not that the user still wants it. Logging out therefore writes the token's ``jti`` to a
blocklist that every request consults (``jwt.token_in_blocklist_loader``). Here the blocklist
is a database table, so it holds across processes and restarts; exercise 03 builds the Redis
version, whose entries expire on their own.

Each access token carries ``rjti``, the ``jti`` of the refresh token it came from: logging out
blocklists both, so the refresh token cannot mint a new access token afterwards.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ch04_demo.models import RevokedToken, User


def _access_seconds() -> int:
    return int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds())


def role_claims(user: User) -> dict[str, Any]:
    """Claims added to every access token: the role, read by ``auth.roles_required``."""
    return {"role": user.role}


def issue_tokens(user: User) -> dict[str, Any]:
    """An access and a refresh token for a user who just proved their password."""
    refresh_token = create_refresh_token(identity=str(user.id))
    access_token = create_access_token(
        identity=str(user.id),
        fresh=True,
        additional_claims={**role_claims(user), "rjti": decode_token(refresh_token)["jti"]},
    )
    return {"access_token": access_token, "refresh_token": refresh_token,
            "token_type": "Bearer", "expires_in": _access_seconds()}


def refresh_access(user: User, refresh_claims: dict[str, Any]) -> dict[str, Any]:
    """A new, non-fresh access token for the holder of a valid refresh token.

    The role is read from the database again, so a demotion takes effect at the next refresh.
    (This demo does not rotate the refresh token; exercise 02 does.)
    """
    access_token = create_access_token(
        identity=str(user.id),
        fresh=False,
        additional_claims={**role_claims(user), "rjti": refresh_claims["jti"]},
    )
    return {"access_token": access_token, "token_type": "Bearer",
            "expires_in": _access_seconds()}


def revoke(session: Session, claims: dict[str, Any]) -> None:
    """Blocklist the presented token and the refresh token it came from; prune stale rows."""
    now = datetime.now(UTC)
    expires = datetime.fromtimestamp(claims["exp"], UTC)
    jtis = {claims["jti"]: expires}
    if claims.get("rjti"):
        # The refresh token's expiry is not in this token; its lifetime bounds it from above.
        jtis[claims["rjti"]] = now + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    known = set(session.scalars(select(RevokedToken.jti).where(RevokedToken.jti.in_(jtis))))
    session.add_all(RevokedToken(jti=jti, expires_at=at)
                    for jti, at in jtis.items() if jti not in known)
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    session.commit()


def is_revoked(session: Session, claims: dict[str, Any]) -> bool:
    """Whether the token, or the refresh token it came from, has been logged out."""
    jtis = [claims["jti"]] + ([claims["rjti"]] if claims.get("rjti") else [])
    return session.scalar(select(RevokedToken.id).where(RevokedToken.jti.in_(jtis))) is not None
