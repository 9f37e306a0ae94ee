"""A Redis cache that never takes the API down with it.

Everything the service caches can be rebuilt from the database, so an unreachable Redis costs
speed, not correctness. Flask-Caching's RedisCache raises on every call while Redis is down;
this subclass turns those failures into misses (reads return nothing, writes are dropped) and,
after one, leaves Redis alone for a while (``redis_outages.OutageGuard``) so requests do not
each wait for a connection timeout.
``CACHE_TYPE = "litho_platform.cache_backend.TolerantRedisCache"``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask_caching.backends.rediscache import RedisCache

from litho_platform.redis_outages import OutageGuard, retry_once

logger = logging.getLogger("litho_platform.cache")

T = TypeVar("T")


class TolerantRedisCache(RedisCache):
    """RedisCache whose operations degrade to cache misses while Redis cannot be reached."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Flask-Caching builds the client from CACHE_REDIS_URL before this class sees it, so
        # the retry policy is set on the client rather than passed in.
        for client in {self._read_client, self._write_client}:
            client.set_retry(retry_once())
        self._outage = OutageGuard(
            logger,
            "cache unavailable, serving without it (Redis retried every %.0f s): %s",
            "cache available again",
        )

    def _guard(self, operation: Callable[[], T], fallback: T) -> T:
        return self._outage.call(operation, lambda: fallback)

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
