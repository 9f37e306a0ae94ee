"""A small in-process cache with a time limit per entry, for the hot read path.

Each gunicorn worker keeps its own, so an entry may outlive a change made through another
worker by at most its time to live; callers choose that bound and document it. One instance
lives in ``app.extensions`` per app, so apps built by tests never share entries.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from flask import Flask


class LocalCache:
    """At most ``max_entries`` values, each returned for ``ttl_s`` seconds after it was put;
    the least recently used entry goes first when full. Thread-safe."""

    def __init__(self, ttl_s: float, max_entries: int) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """The value, or None if absent or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any, ttl_s: float | None = None) -> None:
        """Keep ``value`` for the cache's time to live, or for ``ttl_s`` if that is shorter."""
        lifetime = self.ttl_s if ttl_s is None else min(ttl_s, self.ttl_s)
        if lifetime <= 0:
            return
        with self._lock:
            self._entries[key] = (time.monotonic() + lifetime, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def install(app: Flask, **caches: tuple[float, int]) -> None:
    """Give the app one LocalCache per keyword: ``name=(ttl_s, max_entries)``."""
    app.extensions["litho_local_caches"] = {
        name: LocalCache(ttl_s, max_entries) for name, (ttl_s, max_entries) in caches.items()
    }


def local_cache(app: Flask, name: str) -> LocalCache:
    """The app's LocalCache called ``name`` (see ``install``)."""
    return app.extensions["litho_local_caches"][name]
