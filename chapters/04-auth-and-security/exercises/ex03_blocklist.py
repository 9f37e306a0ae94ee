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
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import redis
from flask import Flask
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
        raise NotImplementedError("keep now and a dict jti -> expires_at")

    def add(self, jti: str, expires_at: float) -> None:
        """Block ``jti`` until ``expires_at`` (epoch seconds, the token's ``exp``). Adding
        again keeps the later expiry. An ``expires_at`` not after ``now()`` stores nothing.
        Entries whose time has passed are dropped on the way (``len`` counts live ones)."""
        raise NotImplementedError(
            "store jti until expires_at (nothing if already expired), drop expired entries"
        )

    def is_blocked(self, jti: str) -> bool:
        """True while ``now() < expires_at`` of ``jti``'s entry; False from ``expires_at`` on
        (the token is expired then, and PyJWT refuses it by itself)."""
        raise NotImplementedError("blocked while now() < expires_at")

    def __len__(self) -> int:
        """The number of entries not yet expired at ``now()``."""
        raise NotImplementedError("count the entries not yet expired")


class RedisBlocklist:
    """A blocklist in Redis: one key per blocked jti, ``prefix + jti``, expiring on its own."""

    def __init__(self, client: redis.Redis, prefix: str = DEFAULT_PREFIX,
                 now: Callable[[], float] = time.time) -> None:
        raise NotImplementedError("keep the client, the prefix and now")

    def add(self, jti: str, expires_at: float) -> None:
        """Set ``prefix + jti`` with a time to live of ``expires_at - now()`` rounded UP to
        whole milliseconds (``SET ... PX``): the key must never vanish before the token
        expires. An ``expires_at`` not after ``now()`` stores nothing. A Redis error becomes
        ``BlocklistUnavailable``."""
        raise NotImplementedError("SET prefix+jti with px = ceil((expires_at - now()) * 1000)")

    def is_blocked(self, jti: str) -> bool:
        """Whether ``prefix + jti`` exists; a Redis error becomes ``BlocklistUnavailable``."""
        raise NotImplementedError("EXISTS prefix+jti; RedisError -> BlocklistUnavailable")


def blocklist_from_config(config: Mapping[str, Any]) -> MemoryBlocklist | RedisBlocklist:
    """``RedisBlocklist(redis.Redis.from_url(config["REDIS_URL"]), prefix)`` when ``REDIS_URL``
    is set and not empty, with ``prefix = config.get("BLOCKLIST_PREFIX", DEFAULT_PREFIX)``;
    otherwise a ``MemoryBlocklist``."""
    raise NotImplementedError("RedisBlocklist when REDIS_URL is set, else MemoryBlocklist")


def init_blocklist(app: Flask, jwt: JWTManager, blocklist: Blocklist) -> None:
    """Keep ``blocklist`` in ``app.extensions[EXTENSION_KEY]`` and register, on ``jwt``, a
    ``token_in_blocklist_loader`` that answers for the current app's blocklist (so one
    JWTManager can serve several apps).

    The loader fails closed: when the blocklist raises ``BlocklistUnavailable`` the token
    counts as revoked (401), and the error is logged; a revoked token must never pass
    because Redis is down.
    """
    raise NotImplementedError(
        "store the blocklist in app.extensions and register token_in_blocklist_loader"
    )


def revoke_token(claims: Mapping[str, Any], blocklist: Blocklist) -> None:
    """Block the token these claims belong to until its ``exp``."""
    raise NotImplementedError("add the token's jti until its exp")
