"""Rate limits: tiered by role, keyed by user (or address), 429 in the error shape with
Retry-After, and fresh counters in every app (so tests never share a window)."""

from __future__ import annotations

import time

import pytest
import redis

from litho_platform import rate_limits, redis_outages
from litho_platform.config import ConfigError
from litho_platform.models import Role
from litho_platform.rate_limits import NOT_READ, FallbackCounters, MemoryCounters

TIERS = {"admin": "6/minute", "engineer": "4/minute", "viewer": "2/minute", "anonymous": "3/minute"}


@pytest.fixture
def limited_app(make_app):
    return make_app(RATE_LIMITS=dict(TIERS))


def requests_until_limited(client, headers, path="/api/v1/datasets", attempts=10):
    for count in range(1, attempts + 1):
        response = client.get(path, headers=headers)
        if response.status_code == 429:
            return count - 1, response
    raise AssertionError("the limit never fired")


@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.ADMIN, 6), (Role.ENGINEER, 4), (Role.VIEWER, 2)]
)
def test_each_role_gets_its_tier(limited_app, sign_in, problem, role, allowed):
    client = limited_app.test_client()
    served, response = requests_until_limited(client, sign_in(limited_app, "someone", role))
    assert served == allowed
    problem(response, 429, "rate_limited")
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert response.headers["X-RateLimit-Limit"] == str(allowed)


def test_limit_is_shared_across_endpoints(limited_app, sign_in):
    client = limited_app.test_client()
    headers = sign_in(limited_app)
    for path in ("/api/v1/datasets", "/api/v1/analyses", "/api/v1/auth/me", "/api/v1/datasets"):
        assert client.get(path, headers=headers).status_code == 200
    assert client.get("/api/v1/analyses", headers=headers).status_code == 429


def test_limits_are_per_user(limited_app, sign_in):
    client = limited_app.test_client()
    first, second = sign_in(limited_app, "first"), sign_in(limited_app, "second")
    requests_until_limited(client, first)
    assert client.get("/api/v1/datasets", headers=second).status_code == 200


def test_anonymous_requests_are_limited_by_address(limited_app, problem):
    client = limited_app.test_client()
    body = {"username": "nobody", "password": "x"}
    statuses = [client.post("/api/v1/auth/register", json=body).status_code for _ in range(4)]
    assert statuses[:3] != [429, 429, 429]
    assert statuses[3] == 429
    other = limited_app.test_client()
    response = other.post(
        "/api/v1/auth/register", json=body, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert response.status_code != 429


def test_health_is_never_limited(limited_app):
    client = limited_app.test_client()
    assert all(client.get("/health/live").status_code == 200 for _ in range(10))


def test_each_app_starts_with_fresh_counters(make_app, sign_in):
    for _ in range(2):
        app = make_app(RATE_LIMITS=dict(TIERS))
        client = app.test_client()
        served, _ = requests_until_limited(client, sign_in(app))
        assert served == 4


def test_headers_count_down_the_window(limited_app, sign_in):
    client = limited_app.test_client()
    headers = sign_in(limited_app)
    started = time.time()
    remaining = []
    for _ in range(3):
        response = client.get("/api/v1/datasets", headers=headers)
        assert response.headers["X-RateLimit-Limit"] == "4"
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
        assert started < int(response.headers["X-RateLimit-Reset"]) <= started + 61
    assert remaining == [3, 2, 1]


def test_a_window_ends_and_the_budget_returns(monkeypatch):
    counters = MemoryCounters()
    now = [1_000.0]
    monkeypatch.setattr(rate_limits.time, "time", lambda: now[0])
    assert [counters.hit("k", 60)[0] for _ in range(3)] == [1, 2, 3]
    assert counters.peek("k") == (3, 1_060.0)
    now[0] = 1_060.0
    assert counters.peek("k") == (0, 1_060.0)
    assert counters.hit("k", 60) == (1, 1_120.0, NOT_READ)


class FlakyRedis:
    """Stands in for RedisCounters: fails while ``down``."""

    def __init__(self) -> None:
        self.down = False
        self.hits = 0

    def hit(self, key, window_s, read=None):
        if self.down:
            raise redis.ConnectionError("connection refused")
        self.hits += 1
        return self.hits, time.time() + window_s, NOT_READ

    def peek(self, key):
        if self.down:
            raise redis.ConnectionError("connection refused")
        return self.hits, time.time() + 60


def test_counting_falls_back_to_memory_while_redis_is_down(monkeypatch, caplog):
    primary = FlakyRedis()
    counters = FallbackCounters(primary)
    clock = [0.0]
    monkeypatch.setattr(redis_outages.time, "monotonic", lambda: clock[0])
    assert counters.hit("k", 60)[0] == 1
    primary.down = True
    with caplog.at_level("WARNING", logger="litho_platform.rate_limits"):
        assert [counters.hit("k", 60)[0] for _ in range(3)] == [1, 2, 3]
    # One warning per outage, and Redis is left alone until the retry delay has passed.
    assert len(caplog.records) == 1
    assert "falling back to in-memory storage" in caplog.records[0].message
    primary.down = False
    assert counters.hit("k", 60)[0] == 4
    assert primary.hits == 1
    clock[0] += redis_outages.RETRY_AFTER_S
    assert counters.hit("k", 60)[0] == 2
    assert "reachable again" in caplog.records[-1].message


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"RATE_LIMITS": {**TIERS, "viewer": "lots"}}, "viewer rate limit"),
        ({"RATE_LIMITS": {**TIERS, "viewer": "5/minute;100/hour"}}, "viewer rate limit"),
        ({"RATE_LIMITS": {**TIERS, "viewer": "0/minute"}}, "viewer rate limit"),
        ({"RATE_LIMIT_LOGIN": "5/fortnight"}, "login rate limit"),
        ({"RATELIMIT_STORAGE_URI": "memcached://cache:11211"}, "RATELIMIT_STORAGE_URI"),
    ],
)
def test_unusable_limits_are_refused_at_start_up(make_app, override, message):
    with pytest.raises(ConfigError, match=message):
        make_app(**override)
