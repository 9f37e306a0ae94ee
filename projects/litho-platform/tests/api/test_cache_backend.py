"""The cache's Redis outage handling (cache_backend.py, redis_outages.py): an unreachable Redis
is a miss, not an error, and is left alone until the retry delay has passed."""

from __future__ import annotations

import socket

from litho_platform import redis_outages
from litho_platform.cache_backend import TolerantRedisCache
from litho_platform.extensions import cache


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_redis_is_a_miss_and_is_left_alone_for_a_while(monkeypatch, caplog):
    cache = TolerantRedisCache(host="127.0.0.1", port=closed_port(), socket_connect_timeout=0.2)
    clock = [0.0]
    monkeypatch.setattr(redis_outages.time, "monotonic", lambda: clock[0])
    attempts = []
    connect = cache._read_client.connection_pool.get_connection

    def counting(*args, **kwargs):
        attempts.append(1)
        return connect(*args, **kwargs)

    monkeypatch.setattr(cache._read_client.connection_pool, "get_connection", counting)
    with caplog.at_level("WARNING", logger="litho_platform.cache"):
        assert cache.get("key") is None
        tried = len(attempts)
        assert tried >= 1
        assert [cache.get("key") for _ in range(3)] == [None] * 3
        assert len(attempts) == tried
        clock[0] += redis_outages.RETRY_AFTER_S
        assert cache.get("key") is None
    assert len(attempts) > tried
    warnings = [record.message for record in caplog.records]
    assert len(warnings) == 1
    assert warnings[0].startswith("cache unavailable")


def test_the_app_cache_retries_redis_once_without_back_off(make_app, monkeypatch):
    # redis-py's default (three retries, exponential back-off) held a request about 4 s when
    # Redis refused connections.
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{closed_port()}/0")
    app = make_app()
    backend = app.extensions["cache"][cache]
    for client in (backend._read_client, backend._write_client):
        assert client.get_retry().get_retries() == 1
    assert app.extensions["litho_rate_limits"].primary.client.get_retry().get_retries() == 1
