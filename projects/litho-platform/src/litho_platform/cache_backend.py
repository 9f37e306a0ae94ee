"""A Redis cache that never takes the API down with it.

Everything the service caches can be rebuilt from the database, so an unreachable Redis costs
speed, not correctness. Flask-Caching's RedisCache raises on every call while Redis is down;
this subclass turns those failures into misses (reads return nothing, writes are dropped) and,
after one, leaves Redis alone for ``RETRY_AFTER_S`` so requests do not each wait for a
connection timeout. ``CACHE_TYPE = "litho_platform.cache_backend.TolerantRedisCache"``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask_caching.backends.rediscache import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("litho_platform.cache")

RETRY_AFTER_S = 5.0

T = TypeVar("T")


class TolerantRedisCache(RedisCache):
    """RedisCache whose operations degrade to cache misses while Redis cannot be reached."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _guard(self, operation: Callable[[], T], fallback: T) -> T:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return operation()
        except RedisError as exc:
            with self._lock:
                if time.monotonic() >= self._down_until:
                    logger.warning(
                        "cache unavailable, serving without it for %.0f s: %s", RETRY_AFTER_S, exc
                    )
                self._down_until = time.monotonic() + RETRY_AFTER_S
            return fallback

    def get(self, key: str) -> Any:
        return self._guard(lambda: super(TolerantRedisCache, self).get(key), None)

    def get_many(self, *keys: str) -> list[Any]:
        return self._guard(
            lambda: super(TolerantRedisCache, self).get_many(*keys), [None] * len(keys)
        )

    def has(self, key: str) -> bool:
        return self._guard(lambda: super(TolerantRedisCache, self).has(key), False)

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return self._guard(lambda: super(TolerantRedisCache, self).set(key, value, timeout), False)

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return self._guard(lambda: super(TolerantRedisCache, self).add(key, value, timeout), False)

    def set_many(self, mapping: dict[str, Any], timeout: int | None = None) -> list[Any]:
        return self._guard(lambda: super(TolerantRedisCache, self).set_many(mapping, timeout), [])

    def delete(self, key: str) -> bool:
        return self._guard(lambda: super(TolerantRedisCache, self).delete(key), False)

    def delete_many(self, *keys: str) -> list[Any]:
        return self._guard(lambda: super(TolerantRedisCache, self).delete_many(*keys), [])

    def clear(self) -> bool:
        return self._guard(lambda: super(TolerantRedisCache, self).clear(), False)
