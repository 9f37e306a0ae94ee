"""Exercise 03: a revocation blocklist behind ``token_in_blocklist_loader``.

Logging out must make a token stop working before it expires. Flask-JWT-Extended asks the
callback registered with ``@jwt.token_in_blocklist_loader`` on every protected request; the
callback answers from a blocklist of ``jti`` values. An entry is only needed until the token
would have expired anyway, so the blocklist never grows without bound: Redis expires its keys
itself, the in-memory one forgets entries whose time has passed.

Use Redis in production (one blocklist for every process and restart), memory by default (one
process, nothing to install). Clocks are injected (``now``), never read directly, so expiry is
testable without waiting.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import redis
from flask import Flask, current_app
from flask_jwt_extended import JWTManager

logger = logging.getLogger(__name__)

EXTENSION_KEY = "ch04_blocklist"
DEFAULT_PREFIX = "ch04:blocklist:"


class BlocklistUnavailable(RuntimeError):
    """The blocklist's store cannot be reached: whether a token is revoked is unknown."""


class Blocklist(Protocol):
    def add(self, jti: str, expires_at: float) -> None: ...
    def is_blocked(self, jti: str) -> bool: ...


class MemoryBlocklist:
    """A blocklist in this process's memory.

    ``now()`` returns the current time in seconds since the epoch (default ``time.time``).
    """

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._entries: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, jti: str, expires_at: float) -> None:
        """Block ``jti`` until ``expires_at`` (epoch seconds, the token's ``exp``). Adding
        again keeps the later expiry. An ``expires_at`` not after ``now()`` stores nothing.
        Entries whose time has passed are dropped on the way (``len`` counts live ones)."""
        now = self._now()
        with self._lock:
            self._purge(now)
            if expires_at > now:
                self._entries[jti] = max(expires_at, self._entries.get(jti, expires_at))

    def is_blocked(self, jti: str) -> bool:
        """True while ``now() < expires_at`` of ``jti``'s entry; False from ``expires_at`` on
        (the token is expired then, and PyJWT refuses it by itself)."""
        expires_at = self._entries.get(jti)
        return expires_at is not None and self._now() < expires_at

    def __len__(self) -> int:
        """The number of entries not yet expired at ``now()``."""
        with self._lock:
            self._purge(self._now())
            return len(self._entries)

    def _purge(self, now: float) -> None:
        for jti in [j for j, at in self._entries.items() if at <= now]:
            del self._entries[jti]


class RedisBlocklist:
    """A blocklist in Redis: one key per blocked jti, ``prefix + jti``, expiring on its own."""

    def __init__(self, client: redis.Redis, prefix: str = DEFAULT_PREFIX,
                 now: Callable[[], float] = time.time) -> None:
        self._client = client
        self._prefix = prefix
        self._now = now

    def add(self, jti: str, expires_at: float) -> None:
        """Set ``prefix + jti`` with a time to live of ``expires_at - now()`` rounded UP to
        whole milliseconds (``SET ... PX``): the key must never vanish before the token
        expires. An ``expires_at`` not after ``now()`` stores nothing. A Redis error becomes
        ``BlocklistUnavailable``."""
        ttl_ms = math.ceil((expires_at - self._now()) * 1000)
        if ttl_ms <= 0:
            return
        try:
            self._client.set(self._prefix + jti, "1", px=ttl_ms)
        except redis.RedisError as exc:
            raise BlocklistUnavailable(str(exc)) from exc

    def is_blocked(self, jti: str) -> bool:
        """Whether ``prefix + jti`` exists; a Redis error becomes ``BlocklistUnavailable``."""
        try:
            return bool(self._client.exists(self._prefix + jti))
        except redis.RedisError as exc:
            raise BlocklistUnavailable(str(exc)) from exc


def blocklist_from_config(config: Mapping[str, Any]) -> MemoryBlocklist | RedisBlocklist:
    """``RedisBlocklist(redis.Redis.from_url(config["REDIS_URL"]), prefix)`` when ``REDIS_URL``
    is set and not empty, with ``prefix = config.get("BLOCKLIST_PREFIX", DEFAULT_PREFIX)``;
    otherwise a ``MemoryBlocklist``."""
    url = config.get("REDIS_URL")
    if url:
        return RedisBlocklist(redis.Redis.from_url(url),
                              prefix=config.get("BLOCKLIST_PREFIX", DEFAULT_PREFIX))
    return MemoryBlocklist()


def init_blocklist(app: Flask, jwt: JWTManager, blocklist: Blocklist) -> None:
    """Keep ``blocklist`` in ``app.extensions[EXTENSION_KEY]`` and register, on ``jwt``, a
    ``token_in_blocklist_loader`` that answers for the current app's blocklist (so one
    JWTManager can serve several apps).

    The loader fails closed: when the blocklist raises ``BlocklistUnavailable`` the token
    counts as revoked (401), and the error is logged; a revoked token must never pass
    because Redis is down.
    """
    app.extensions[EXTENSION_KEY] = blocklist

    @jwt.token_in_blocklist_loader
    def token_is_blocked(jwt_header: dict, jwt_payload: dict) -> bool:
        try:
            return current_app.extensions[EXTENSION_KEY].is_blocked(jwt_payload["jti"])
        except BlocklistUnavailable:
            logger.exception("blocklist unavailable: refusing the token")
            return True


def revoke_token(claims: Mapping[str, Any], blocklist: Blocklist) -> None:
    """Block the token these claims belong to until its ``exp``."""
    blocklist.add(claims["jti"], float(claims["exp"]))
