"""Rate limits: tiered by role, keyed by user (or address), 429 in the error shape with
Retry-After, and fresh counters in every app (the Flask-Limiter trap with many test apps)."""

from __future__ import annotations

import pytest

from litho_platform.models import Role

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
