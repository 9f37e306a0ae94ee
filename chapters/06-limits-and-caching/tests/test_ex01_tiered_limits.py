"""Graded: ex01_tiered_limits, a callable limit by role with the X-RateLimit-* headers."""

import pytest

HINT = (
    "Write limit_for_claims first (only a str role that is a key of TIER_LIMITS gets its tier), "
    "then tiered_limit around verify_jwt_in_request(optional=True) in a try, then build the "
    "Limiter with headers_enabled=True and no storage_uri."
)

EXPECTED = {"viewer": 10, "engineer": 30, "admin": 100}
HOUR = 3600


def bearer(access_token):
    return {"Authorization": f"Bearer {access_token}"}


@pytest.fixture
def build(ex, exercise_app):
    def make(backend, module=None):
        module = module or ex
        return exercise_app(module.ns, backend=backend, limiter=module.limiter)

    return make


def get_report(client, address, headers=None, wafer="W01"):
    return client.get(f"/wafers/{wafer}/report", headers=headers or {},
                      environ_base={"REMOTE_ADDR": address})


def spend(client, address, n, headers=None):
    """n requests; every one must be allowed. Returns the responses."""
    responses = []
    for i in range(n):
        r = get_report(client, address, headers)
        assert r.status_code == 200, f"request {i + 1} of {n} from {address}: {r.status_code}"
        responses.append(r)
    return responses


@pytest.mark.points(2)
def test_limit_for_claims_gives_tiers_to_known_roles_only(ex):
    for role, amount in EXPECTED.items():
        assert ex.limit_for_claims({"sub": "u", "role": role}) == f"{amount} per hour", role
    for claims in (None, {}, {"sub": "u"}, {"sub": "u", "role": None},
                   {"sub": "u", "role": "Admin"}, {"sub": "u", "role": ["admin"]},
                   {"sub": "u", "role": "root"}, {"sub": "u", "role": ""},
                   {"sub": "u", "roles": "admin"}):
        assert ex.limit_for_claims(claims) == "3 per hour", f"claims {claims!r}"


@pytest.mark.points(3)
def test_each_tier_allows_exactly_its_number_per_window(ex, build, memory_backend, token,
                                                        clock):
    app = build(memory_backend)
    client = app.test_client()
    spend(client, "198.51.100.10", 3)
    refused = get_report(client, "198.51.100.10")
    assert refused.status_code == 429, "the 4th anonymous request must be refused"
    for n, (role, amount) in enumerate(EXPECTED.items()):
        address = f"198.51.100.{20 + n}"
        headers = bearer(token(app, f"user-{role}", role=role, fab="fab1"))
        spend(client, address, amount, headers)
        r = get_report(client, address, headers)
        assert r.status_code == 429, f"{role}: request {amount + 1} must be refused"


@pytest.mark.points(2)
def test_headers_count_down_and_retry_after_follows_the_window(ex, build, memory_backend,
                                                               token, clock, problem):
    app = build(memory_backend)
    client = app.test_client()
    headers = bearer(token(app, "vic", role="viewer", fab="fab1"))
    start = clock.now
    for i, r in enumerate(spend(client, "203.0.113.5", 10, headers)):
        assert r.headers["X-RateLimit-Limit"] == "10"
        assert r.headers["X-RateLimit-Remaining"] == str(9 - i), f"after request {i + 1}"
        assert int(r.headers["X-RateLimit-Reset"]) in (start + HOUR, start + HOUR + 1)
    clock.advance(1800)
    refused = get_report(client, "203.0.113.5", headers)
    body = problem(refused, 429)
    assert "10 per 1 hour" in body["detail"]
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert 1800 <= int(refused.headers["Retry-After"]) <= 1801
    clock.advance(1799)
    assert get_report(client, "203.0.113.5", headers).status_code == 429, "window not over yet"
    clock.advance(1)
    again = get_report(client, "203.0.113.5", headers)
    assert again.status_code == 200, "a new window starts when the hour is over"
    assert again.headers["X-RateLimit-Remaining"] == "9"


@pytest.mark.points(2)
def test_tokens_that_do_not_verify_or_carry_no_role_are_anonymous(ex, build, memory_backend,
                                                                  token, clock):
    app = build(memory_backend)
    client = app.test_client()
    cases = {
        "forged admin": token(app, "mallory", role="admin", fab="fab1", forged=True),
        "expired admin": token(app, "eve", role="admin", fab="fab1", expired=True),
        "no role claim": token(app, "nora", fab="fab1"),
        "garbage": "not.a.jwt",
    }
    for n, (case, access) in enumerate(cases.items()):
        address = f"192.0.2.{n + 1}"
        spend(client, address, 3, bearer(access))
        r = get_report(client, address, bearer(access))
        assert r.status_code == 429, f"{case}: must get the anonymous 3 per hour"
        assert r.headers["X-RateLimit-Limit"] == "3", case


@pytest.mark.points(1)
def test_unknown_wafer_is_a_404_problem_and_still_counts(ex, build, memory_backend, clock,
                                                         problem):
    client = build(memory_backend).test_client()
    problem(get_report(client, "192.0.2.77", wafer="W99"), 404)
    ok = get_report(client, "192.0.2.77")
    assert ok.get_json()["wafer_id"] == "W01"
    assert ok.headers["X-RateLimit-Remaining"] == "1"


@pytest.mark.points(2)
def test_redis_counts_are_shared_by_every_worker(ex, build, redis_backend, token,
                                                 second_worker):
    worker_a = build(redis_backend)
    worker_b = build(redis_backend, module=second_worker())
    headers = bearer(token(worker_a, "vic", role="viewer", fab="fab1"))
    a, b = worker_a.test_client(), worker_b.test_client()
    remaining = []
    for i in range(10):
        client = a if i % 2 == 0 else b
        r = get_report(client, "203.0.113.9", headers)
        assert r.status_code == 200, f"request {i + 1} of 10 on worker {'ab'[i % 2]}"
        remaining.append(int(r.headers["X-RateLimit-Remaining"]))
        assert 0 < int(r.headers["Retry-After"]) <= HOUR + 1
    assert remaining == list(range(9, -1, -1)), "both workers count in the same bucket"
    assert get_report(a, "203.0.113.9", headers).status_code == 429
    assert get_report(b, "203.0.113.9", headers).status_code == 429
    assert redis_backend.keys("limits:*"), "the counters must live in Redis"
