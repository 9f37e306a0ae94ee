"""Rate limiting: fixed windows counted in Redis, shared by every process, at one round trip per
limit and request; in this process's memory on the embedded default and while Redis is down.

A limit is written in the ``limits`` notation ("600/minute", "5 per 10 seconds") and given by a
function called on each request, so it can depend on the caller (the tiers of
``litho_platform.limits``). ``limiter.limit(...)`` decorates a view:

- by default the request is counted before the view runs, and refused with 429 once the count
  in the current window passes the limit;
- with ``count_when=``, the limit is only checked before the view (refused once the count has
  reached it) and the request is counted afterwards when ``count_when(response)`` is true: failed
  logins count, successful ones do not.

Responses carry ``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` (epoch seconds) for the
most constraining limit the request met; a 429 carries ``Retry-After`` (seconds). Counters live
under ``ratelimit:litho:{scope}:{amount}/{window seconds}:{key}`` and expire with their window;
a different limit (a role change, a new setting) starts its own window.

The same Redis holds small values every process shares (``shared_value``), and a count can read
one of them in its round trip (``count(..., read=key)``): the token check's auth epoch
(services/tokens.py) travels with the API limit's count, so an authenticated request asks Redis
once.

Why not Flask-Limiter, which the service template uses: measured on the platform's hottest
request (a cached analysis read), Flask-Limiter spent more CPU deciding which limits apply than
the whole rest of the request, evaluating them in its ``before_request`` hook and again in the
decorator, and asked Redis three times where one script answers (docs/performance.md). The
platform needs four things from it: tiered limits, a custom key, check-then-count for logins
and a per-process fallback; they fit in this module.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any, Protocol

import redis
from flask import Flask, Response, current_app, g
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from litho_platform.redis_outages import OutageGuard, retry_once

logger = logging.getLogger("litho_platform.rate_limits")

# Outside the cache's "litho:" prefix, so clearing the cache leaves the limits alone.
KEY_PREFIX = "ratelimit:litho"
# The storage URIs besides memory://: Redis, counted by every process.
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
SOCKET_TIMEOUT_S = 0.5

# Count one request in the window KEYS[1] (ARGV[1] seconds, started by its first request) and
# answer the count, the window's remaining milliseconds and, when KEYS[2] is given, that key's
# value: a value every request needs travels with the count. A counter that somehow lost its
# expiry is given one again rather than counting forever.
HIT_SCRIPT = """
local count = redis.call("incr", KEYS[1])
local ttl = redis.call("pttl", KEYS[1])
if count == 1 or ttl < 0 then
    redis.call("expire", KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1]) * 1000
end
local value = false
if #KEYS > 1 then
    value = redis.call("get", KEYS[2])
end
return {count, ttl, value}
"""


class _NotRead:
    def __repr__(self) -> str:
        return "NOT_READ"


# What a count answers for a value it could not read (no Redis, or Redis down); None means
# Redis answered that the key does not exist.
NOT_READ: Any = _NotRead()


class Counters(Protocol):
    def hit(self, key: str, window_s: int, read: str | None = None) -> tuple[int, float, Any]:
        """Count one request: (the window's count, its end in epoch seconds, the value of
        ``read`` or NOT_READ)."""

    def peek(self, key: str) -> tuple[int, float]:
        """(the window's count, its end) without counting; (0, now) for no window."""

    def get(self, key: str) -> Any:
        """A shared value: the string, None if absent, NOT_READ if nothing is shared."""

    def set(self, key: str, value: str, only_if_absent: bool = False) -> Any:
        """Store a shared value; the value now stored (another process's, if only_if_absent
        lost the race), or NOT_READ if it could not be stored."""


class MemoryCounters:
    """Fixed windows in a dict, for one process, which shares no values with anyone. Expired
    windows are swept when a new window opens and the dict has doubled since the last sweep,
    so memory follows the active keys."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, float]] = {}
        self._sweep_at = 1024
        self._lock = threading.Lock()

    def hit(self, key: str, window_s: int, read: str | None = None) -> tuple[int, float, Any]:
        now = time.time()
        with self._lock:
            count, ends = self._windows.get(key, (0, 0.0))
            if ends <= now:
                count, ends = 0, now + window_s
                if len(self._windows) >= self._sweep_at:
                    self._windows = {k: v for k, v in self._windows.items() if v[1] > now}
                    self._sweep_at = max(1024, 2 * len(self._windows))
            self._windows[key] = (count + 1, ends)
        return count + 1, ends, NOT_READ

    def peek(self, key: str) -> tuple[int, float]:
        now = time.time()
        count, ends = self._windows.get(key, (0, 0.0))
        return (count, ends) if ends > now else (0, now)

    def get(self, key: str) -> Any:
        return NOT_READ

    def set(self, key: str, value: str, only_if_absent: bool = False) -> Any:
        return NOT_READ


class RedisCounters:
    """Fixed windows and shared values in Redis, for every process using the same database."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(
            url,
            socket_connect_timeout=SOCKET_TIMEOUT_S,
            socket_timeout=SOCKET_TIMEOUT_S,
            retry=retry_once(),
            decode_responses=True,
        )
        self._hit = self.client.register_script(HIT_SCRIPT)

    def hit(self, key: str, window_s: int, read: str | None = None) -> tuple[int, float, Any]:
        keys = [key] if read is None else [key, read]
        count, remaining_ms, value = self._hit(keys=keys, args=[window_s])
        return (
            int(count),
            time.time() + int(remaining_ms) / 1000,
            NOT_READ if read is None else value,
        )

    def peek(self, key: str) -> tuple[int, float]:
        with self.client.pipeline(transaction=False) as pipeline:
            count, remaining_ms = pipeline.get(key).pttl(key).execute()
        if count is None or remaining_ms < 0:
            return 0, time.time()
        return int(count), time.time() + remaining_ms / 1000

    def get(self, key: str) -> Any:
        return self.client.get(key)

    def set(self, key: str, value: str, only_if_absent: bool = False) -> Any:
        if not only_if_absent:
            self.client.set(key, value)
            return value
        previous = self.client.set(key, value, nx=True, get=True)
        return value if previous is None else previous


class FallbackCounters:
    """Redis, or this process's memory while Redis cannot be reached (``OutageGuard``).
    Limits then hold per process: the API stays up and one client still cannot flood it, at
    the price of each process granting the full budget."""

    def __init__(self, primary: RedisCounters) -> None:
        self.primary = primary
        self.memory = MemoryCounters()
        self._outage = OutageGuard(
            logger,
            "rate-limit storage unreachable, falling back to in-memory storage "
            "(per process, Redis retried every %.0f s): %s",
            "rate-limit storage reachable again: counting in Redis",
        )

    def hit(self, key: str, window_s: int, read: str | None = None) -> tuple[int, float, Any]:
        return self._first_answer(lambda store: store.hit(key, window_s, read))

    def peek(self, key: str) -> tuple[int, float]:
        return self._first_answer(lambda store: store.peek(key))

    def get(self, key: str) -> Any:
        return self._first_answer(lambda store: store.get(key))

    def set(self, key: str, value: str, only_if_absent: bool = False) -> Any:
        return self._first_answer(lambda store: store.set(key, value, only_if_absent))

    def _first_answer(self, operation: Callable[[Counters], Any]) -> Any:
        return self._outage.call(lambda: operation(self.primary), lambda: operation(self.memory))


def counters_for(uri: str) -> Counters:
    """``memory://``, or a Redis URL (REDIS_SCHEMES) with the in-memory fallback."""
    if uri == "memory://":
        return MemoryCounters()
    if uri.startswith(REDIS_SCHEMES):
        return FallbackCounters(RedisCounters(uri))
    raise ValueError(f"RATELIMIT_STORAGE_URI must be memory:// or a Redis URL, got {uri!r}")


@lru_cache(maxsize=256)
def parse_limit(text: str) -> RateLimitItem:
    """One limit of at least one request per window; ValueError otherwise."""
    items = parse_many(text)
    if len(items) != 1 or items[0].amount < 1:
        raise ValueError(f"expected one limit such as '600/minute', got {text!r}")
    return items[0]


@dataclass(frozen=True, slots=True)
class Window:
    """One limit as this request left it."""

    limit: RateLimitItem
    count: int
    ends: float

    @property
    def remaining(self) -> int:
        return max(self.limit.amount - self.count, 0)


@dataclass(frozen=True, slots=True)
class _PendingCount:
    key: str
    window_s: int
    count_when: Callable[[Response], bool]


@dataclass(frozen=True, slots=True)
class Outcome:
    """A counted request: its window, and the shared value read in the same round trip."""

    window: Window | None  # None: limits are disabled
    value: Any

    def enforce(self) -> None:
        """Refuse the request (429) if the count passed the limit."""
        if self.window is not None and self.window.count > self.window.limit.amount:
            _refuse(self.window)


def _counter_key(item: RateLimitItem, scope: str, who: str) -> str:
    return f"{KEY_PREFIX}:{scope}:{item.amount}/{item.get_expiry()}:{who}"


def _refuse(window: Window) -> None:
    raise TooManyRequests(
        description=str(window.limit), retry_after=max(math.ceil(window.ends - time.time()), 1)
    )


class RateLimiter:
    """The extension: ``limiter.init_app(app)``, then ``limiter.limit(...)`` on views.

    Reads RATELIMIT_ENABLED and RATELIMIT_STORAGE_URI from the app's config. Each app gets its
    own counters, so apps built one after another (tests) never share a window.
    """

    extension_name = "litho_rate_limits"

    def init_app(self, app: Flask) -> None:
        app.extensions[self.extension_name] = counters_for(
            app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
        )
        app.after_request(self._after_request)

    @classmethod
    def counters(cls) -> Counters:
        return current_app.extensions[cls.extension_name]

    def limit(
        self,
        limit: Callable[[], str],
        *,
        key: Callable[[], str],
        scope: str,
        count_when: Callable[[Response], bool] | None = None,
    ) -> Callable[[Callable], Callable]:
        """Limit the decorated view to ``limit()`` requests per window for each ``key()``;
        views sharing a ``scope`` share the counters."""

        def decorator(view: Callable) -> Callable:
            @wraps(view)
            def limited(*args: Any, **kwargs: Any) -> Any:
                if count_when is None:
                    self.count(limit, key=key, scope=scope).enforce()
                else:
                    self._check_then_count_when(limit, key, scope, count_when)
                return view(*args, **kwargs)

            return limited

        return decorator

    def count(
        self, limit: Callable[[], str], *, key: Callable[[], str], scope: str,
        read: str | None = None,
    ) -> Outcome:
        """Count this request against ``limit()`` for ``key()`` and, in the same round trip,
        read the shared value ``read``; the caller enforces the outcome. With limits disabled,
        nothing is counted and the value is read on its own."""
        if not current_app.config["RATELIMIT_ENABLED"]:
            value = NOT_READ if read is None else self.counters().get(read)
            return Outcome(None, value)
        item = parse_limit(limit())
        count, ends, value = self.counters().hit(
            _counter_key(item, scope, key()), item.get_expiry(), read
        )
        window = Window(item, count, ends)
        g.setdefault("rate_limit_windows", []).append(window)
        return Outcome(window, value)

    def _check_then_count_when(
        self,
        limit: Callable[[], str],
        key: Callable[[], str],
        scope: str,
        count_when: Callable[[Response], bool],
    ) -> None:
        if not current_app.config["RATELIMIT_ENABLED"]:
            return
        item = parse_limit(limit())
        counter = _counter_key(item, scope, key())
        count, ends = self.counters().peek(counter)
        window = Window(item, count, ends)
        g.setdefault("rate_limit_windows", []).append(window)
        if count >= item.amount:
            _refuse(window)
        g.setdefault("rate_limit_pending", []).append(
            _PendingCount(counter, item.get_expiry(), count_when)
        )

    def shared_value(self, key: str, default: Callable[[], str]) -> Any:
        """The value shared by every process under ``key`` (set to ``default()`` if absent), or
        NOT_READ when nothing is shared (memory storage) or Redis cannot be reached."""
        value = self.counters().get(key)
        if value is None:
            value = self.counters().set(key, default(), only_if_absent=True)
        return value

    def shares_values(self) -> bool:
        """Whether values are shared with other processes (the storage is Redis)."""
        return not isinstance(self.counters(), MemoryCounters)

    def share_value(self, key: str, value: str) -> bool:
        """Store a shared value for every process; False if it could not be stored."""
        return self.counters().set(key, value) is not NOT_READ

    def _after_request(self, response: Response) -> Response:
        for pending in g.pop("rate_limit_pending", ()):
            if pending.count_when(response):
                self.counters().hit(pending.key, pending.window_s)
        windows = g.get("rate_limit_windows")
        if windows:
            tightest = min(windows, key=lambda window: window.remaining)
            response.headers["X-RateLimit-Limit"] = str(tightest.limit.amount)
            response.headers["X-RateLimit-Remaining"] = str(tightest.remaining)
            response.headers["X-RateLimit-Reset"] = str(math.ceil(tightest.ends))
        return response
