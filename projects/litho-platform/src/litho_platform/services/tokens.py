"""JWT issue, refresh and revocation, with the blocklist kept in the database.

An access token carries the ``jti`` of the refresh token it came from (claim ``rjti``). Logging
out revokes both, and a token whose own jti or rjti is on the blocklist is refused, so every
access token minted from a revoked refresh token dies with it. The blocklist lives in the
database, so it holds across processes and restarts; entries are pruned once the token they
block would have expired anyway.

Checking a token costs one query (its user and its revocation together). With a shared (Redis)
cache, each process remembers the answer for up to AUTH_CACHE_SECONDS, tagged with the cache's
*auth epoch*; a logout, role change or deactivation writes a new epoch, and every process
checks the epoch on each request, so the change applies at once everywhere. While the epoch
cannot be read (Redis down), and on the embedded default (whose in-process cache cannot tell
other processes anything), every request asks the database. AUTH_CACHE_SECONDS bounds how long
a change whose new epoch could not be written goes unseen.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import current_app, g
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    decode_token,
)
from sqlalchemy import delete, inspect, select

from litho_platform.extensions import cache, db
from litho_platform.local_cache import local_cache
from litho_platform.models import RevokedToken, User
from litho_platform.models.base import utcnow

logger = logging.getLogger("litho_platform.tokens")

AUTH_CACHE = "auth"
EPOCH_KEY = "auth:epoch"
_USER_COLUMNS = tuple(column.key for column in inspect(User).column_attrs)


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
    forget_token_checks()


def forget_token_checks() -> None:
    """Make every process check tokens in the database again (after a revocation or a change
    of a user): a new auth epoch, and this process's remembered checks dropped."""
    local_cache(current_app, AUTH_CACHE).clear()
    if _shared_epochs() and not cache.set(EPOCH_KEY, uuid.uuid4().hex, timeout=0):
        logger.warning(
            "the auth epoch could not be written: other processes may accept a changed token "
            "for up to AUTH_CACHE_SECONDS"
        )


def _shared_epochs() -> bool:
    return current_app.config["CACHE_TYPE"] != "SimpleCache"


def _current_epoch() -> str | None:
    """The shared auth epoch, or None when there is none to trust (no shared cache, or it
    cannot be reached)."""
    if not _shared_epochs():
        return None
    epoch = cache.get(EPOCH_KEY)
    if epoch is None:
        cache.add(EPOCH_KEY, uuid.uuid4().hex, timeout=0)
        epoch = cache.get(EPOCH_KEY)
    return epoch


def _revocation(claims: dict[str, Any]):
    jtis = [claims["jti"]] + ([claims["rjti"]] if claims.get("rjti") else [])
    return select(RevokedToken.id).where(RevokedToken.jti.in_(jtis)).exists()


def is_revoked(claims: dict[str, Any]) -> bool:
    return bool(db.session.scalar(select(_revocation(claims))))


def _check(claims: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """(the user's column values, or None if unknown or deactivated; whether the token is
    revoked), remembered per token and auth epoch for AUTH_CACHE_SECONDS. Computed once per
    request (both JWT callbacks ask)."""
    if "token_check" in g:
        return g.token_check
    checks = local_cache(current_app, AUTH_CACHE)
    epoch = _current_epoch()
    remembered = checks.get(claims["jti"]) if epoch is not None else None
    state = remembered[1] if remembered is not None and remembered[0] == epoch else None
    if state is None:
        try:
            user_id = int(claims["sub"])
        except (KeyError, TypeError, ValueError):
            user_id = None
        row = None
        if user_id is not None:
            row = db.session.execute(
                select(User, _revocation(claims)).where(User.id == user_id)
            ).first()
        if row is None:
            state = (None, is_revoked(claims))
        else:
            user, revoked = row
            columns = {name: getattr(user, name) for name in _USER_COLUMNS}
            state = (columns if user.is_active else None, bool(revoked))
        if epoch is not None:
            checks.put(claims["jti"], (epoch, state))
    g.token_check = state
    return state


def register_jwt_callbacks(jwt: JWTManager) -> None:
    """Identity is the user id; each request checks the blocklist and the user (a deactivated
    or deleted one is refused), through ``_check``."""

    @jwt.user_identity_loader
    def _identity(user: User) -> str:
        return str(user.id)

    @jwt.user_lookup_loader
    def _lookup(header: dict, claims: dict) -> User | None:
        columns, _ = _check(claims)
        if columns is None:
            return None
        g.user_id = columns["id"]
        # A fresh, session-less copy per request: nothing done with it can reach another
        # request or write to the database by accident.
        return User(**columns)

    @jwt.token_in_blocklist_loader
    def _blocked(header: dict, claims: dict) -> bool:
        return _check(claims)[1]
