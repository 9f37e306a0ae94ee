"""Rate-limit counters in Redis at one round trip per request.

Flask-Limiter counts a request with one call to the storage (an increment) and then, for the
X-RateLimit-* headers, asks for the window's count and expiry: two more round trips to learn
what the increment already knew. ``CountingRedisStorage`` is limits' RedisStorage whose
increment script also returns the window's remaining lifetime; the answer is kept for the rest
of the request (in ``flask.g``), where the header lookups find it. Outside a request, and for
keys this request did not count, it asks Redis as usual.

URIs ``litho+redis://`` and ``litho+rediss://`` select it (config.py rewrites ``redis://``
limiter URIs so); the keys and their layout are limits' own.
"""

from __future__ import annotations

import time

from flask import g, has_request_context
from limits.storage import RedisStorage

# INCRBY, start the window on the first hit, answer the count and the window's remaining ms.
INCREMENT_SCRIPT = """
local current = redis.call("incrby", KEYS[1], tonumber(ARGV[2]))
if current == tonumber(ARGV[2]) then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("pttl", KEYS[1])}
"""


class CountingRedisStorage(RedisStorage):
    STORAGE_SCHEME = ["litho+redis", "litho+rediss"]

    def __init__(self, uri: str, **options: float | str | bool) -> None:
        super().__init__(uri.removeprefix("litho+"), **options)

    def initialize_storage(self, uri: str) -> None:
        super().initialize_storage(uri)
        self.lua_count = self.get_connection().register_script(INCREMENT_SCRIPT)

    @staticmethod
    def _window_answers() -> dict[str, tuple[int, float]] | None:
        if not has_request_context():
            return None
        if "rate_limit_windows" not in g:
            g.rate_limit_windows = {}
        return g.rate_limit_windows

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        prefixed = self.prefixed_key(key)
        count, remaining_ms = self.lua_count([prefixed], [expiry, amount])
        answers = self._window_answers()
        if answers is not None:
            answers[prefixed] = (int(count), time.time() + max(int(remaining_ms), 0) / 1000)
        return int(count)

    def get(self, key: str) -> int:
        answers = self._window_answers()
        answer = answers.get(self.prefixed_key(key)) if answers else None
        return answer[0] if answer else super().get(key)

    def get_expiry(self, key: str) -> float:
        answers = self._window_answers()
        answer = answers.get(self.prefixed_key(key)) if answers else None
        return answer[1] if answer else super().get_expiry(key)
