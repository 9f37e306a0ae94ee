"""JWT issue, refresh and revocation, with the blocklist kept in the database.

An access token carries the ``jti`` of the refresh token it came from (claim ``rjti``). Logging
out revokes both, and a token whose own jti or rjti is on the blocklist is refused, so every
access token minted from a revoked refresh token dies with it. The blocklist lives in the
database, so it holds across processes and restarts; entries are pruned once the token they
block would have expired anyway.

Checking a token costs one query (its user and its revocation together). With Redis, each
process remembers the answer for up to AUTH_CACHE_SECONDS, tagged with the *auth epoch* kept
beside the rate-limit counters; a logout, role change or deactivation writes a new epoch, and
every request compares it, so the change applies at once everywhere. An API request reads the
epoch in the same round trip that counts it against its rate limit (``verify_request_token``).
While the epoch cannot be read (Redis down), and on the embedded default (whose process has no
one to tell), every request asks the database. AUTH_CACHE_SECONDS bounds how long a change
whose new epoch could not be written goes unseen.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app, g
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    decode_token,
    verify_jwt_in_request,
)
from sqlalchemy import delete, inspect, select

from litho_platform.extensions import db, limiter
from litho_platform.local_cache import local_cache
from litho_platform.models import RevokedToken, User
from litho_platform.models.base import utcnow
from litho_platform.rate_limits import NOT_READ, Outcome

logger = logging.getLogger("litho_platform.tokens")

AUTH_CACHE = "auth"
# Beside the rate-limit counters, so an API request reads it in the same round trip.
EPOCH_KEY = "auth-epoch:litho"
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
    if limiter.shares_values() and not limiter.share_value(EPOCH_KEY, uuid.uuid4().hex):
        logger.warning(
            "the auth epoch could not be written: other processes may accept a changed token "
            "for up to AUTH_CACHE_SECONDS"
        )


def _current_epoch() -> str | None:
    """The shared auth epoch, or None when there is none to trust (nothing shared, or Redis
    cannot be reached)."""
    epoch = limiter.shared_value(EPOCH_KEY, lambda: uuid.uuid4().hex)
    return None if epoch is NOT_READ else epoch


def verify_request_token(count: Callable[[str | None], Outcome]) -> Outcome:
    """``verify_jwt_in_request()`` for a request that is also counted against a rate limit:
    ``count(read)`` counts it and reads the shared value ``read`` in the same round trip.

    A token this process accepted within AUTH_CACHE_SECONDS is accepted again at once, and the
    auth epoch that must confirm it is read by the count; if the epoch moved meanwhile, the
    token is checked again from the database, as on a first visit, before the view runs (and
    refused with the usual 401 if it must be). That request was counted against the tier its
    user had before the change.
    """
    g.auth_epoch_deferrable = True
    try:
        verify_jwt_in_request()
    finally:
        g.pop("auth_epoch_deferrable", None)
    outcome = count(EPOCH_KEY if "auth_epoch_expected" in g else None)
    expected = g.pop("auth_epoch_expected", None)
    if expected is not None:
        epoch = _current_epoch() if outcome.value is NOT_READ else outcome.value
        if epoch is None or epoch != expected:
            g.pop("token_check", None)
            if epoch is not None:
                g.auth_epoch_known = epoch
            verify_jwt_in_request()
    return outcome


def _revocation(claims: dict[str, Any]):
    jtis = [claims["jti"]] + ([claims["rjti"]] if claims.get("rjti") else [])
    return select(RevokedToken.id).where(RevokedToken.jti.in_(jtis)).exists()


def is_revoked(claims: dict[str, Any]) -> bool:
    return bool(db.session.scalar(select(_revocation(claims))))


def _accepted(state: tuple[dict[str, Any] | None, bool]) -> bool:
    columns, revoked = state
    return columns is not None and not revoked


def _check(claims: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """(the user's column values, or None if unknown or deactivated; whether the token is
    revoked), remembered per token and auth epoch for AUTH_CACHE_SECONDS. Computed once per
    request (both JWT callbacks ask)."""
    if "token_check" in g:
        return g.token_check
    checks = local_cache(current_app, AUTH_CACHE)
    remembered = checks.get(claims["jti"])
    if remembered is not None and g.get("auth_epoch_deferrable") and _accepted(remembered[1]):
        # verify_request_token confirms the epoch with the rate-limit count.
        g.auth_epoch_expected = remembered[0]
        g.token_check = remembered[1]
        return remembered[1]
    epoch = g.pop("auth_epoch_known", None) or _current_epoch()
    state = (
        remembered[1]
        if remembered is not None and epoch is not None and remembered[0] == epoch
        else None
    )
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
