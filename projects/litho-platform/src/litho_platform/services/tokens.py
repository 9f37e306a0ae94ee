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
from sqlalchemy import delete, select

from litho_platform.extensions import db, limiter
from litho_platform.jwt_manager import accept_in_request, remembered_token, request_bearer_token
from litho_platform.local_cache import local_cache
from litho_platform.models import Caller, RevokedToken, User
from litho_platform.models.base import utcnow
from litho_platform.rate_limits import NOT_READ, Outcome

logger = logging.getLogger("litho_platform.tokens")

AUTH_CACHE = "auth"
# Beside the rate-limit counters, so an API request reads it in the same round trip.
EPOCH_KEY = "auth-epoch:litho"


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


def refresh_access(user: Caller, refresh_claims: dict[str, Any]) -> dict[str, Any]:
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

    A token this process verified and accepted within AUTH_CACHE_SECONDS is accepted again at
    once (``_accept_remembered_token``), and the auth epoch that must confirm it is read by the
    count; if the epoch moved meanwhile, the token is checked again from the database, as on a
    first visit, before the view runs (and refused with the usual 401 if it must be). That
    request was counted against the tier its user had before the change.
    """
    expected = _accept_remembered_token()
    if expected is None:
        verify_jwt_in_request()
    outcome = count(None if expected is None else EPOCH_KEY)
    if expected is not None:
        epoch = _current_epoch() if outcome.value is NOT_READ else outcome.value
        if epoch is None or epoch != expected:
            g.pop("token_check", None)
            if epoch is not None:
                g.auth_epoch_known = epoch
            verify_jwt_in_request()
    return outcome


def _accept_remembered_token() -> str | None:
    """Accept the request's token without Flask-JWT-Extended's per-request parsing when this
    process has verified it (signature and expiry, jwt_manager.py) and remembers its check as
    accepted: the conclusion ``verify_jwt_in_request()`` would reach, down to what it leaves in
    ``g``. Returns the auth epoch the check was made under, for the count to confirm; None
    leaves the token to the library (unknown, a refresh token, a check not remembered or not
    accepted). The platform registers no claims-verification callback; one added later must be
    checked here too."""
    token = request_bearer_token()
    remembered = remembered_token(token) if token else None
    if remembered is None:
        return None
    header, claims = remembered
    check = local_cache(current_app, AUTH_CACHE).get(claims.get("jti"))
    if claims.get("type") != "access" or check is None or not _accepted(check[1]):
        return None
    epoch, g.token_check = check
    accept_in_request(header, claims, _request_user(check[1][0]))
    return epoch


def _revocation(claims: dict[str, Any]):
    jtis = [claims["jti"]] + ([claims["rjti"]] if claims.get("rjti") else [])
    return select(RevokedToken.id).where(RevokedToken.jti.in_(jtis)).exists()


def is_revoked(claims: dict[str, Any]) -> bool:
    return bool(db.session.scalar(select(_revocation(claims))))


def _accepted(state: tuple[Caller | None, bool]) -> bool:
    caller, revoked = state
    return caller is not None and not revoked


def _check(claims: dict[str, Any]) -> tuple[Caller | None, bool]:
    """(the caller, or None if unknown or deactivated; whether the token is revoked),
    remembered per token and auth epoch for AUTH_CACHE_SECONDS. Computed once per request (both
    JWT callbacks ask)."""
    if "token_check" in g:
        return g.token_check
    checks = local_cache(current_app, AUTH_CACHE)
    remembered = checks.get(claims["jti"])
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
            state = (Caller.of(user) if user.is_active else None, bool(revoked))
        if epoch is not None:
            checks.put(claims["jti"], (epoch, state))
    g.token_check = state
    return state


def _request_user(caller: Caller) -> Caller:
    g.user_id = caller.id  # for the request's log line
    return caller


def register_jwt_callbacks(jwt: JWTManager) -> None:
    """Identity is the user id; each request checks the blocklist and the user (a deactivated
    or deleted one is refused), through ``_check``."""

    @jwt.user_identity_loader
    def _identity(user: User | Caller) -> str:
        return str(user.id)

    @jwt.user_lookup_loader
    def _lookup(header: dict, claims: dict) -> Caller | None:
        caller, _ = _check(claims)
        return None if caller is None else _request_user(caller)

    @jwt.token_in_blocklist_loader
    def _blocked(header: dict, claims: dict) -> bool:
        return _check(claims)[1]
