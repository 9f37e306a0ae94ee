"""Graded: ex02_limit_keys, per-user keys from the JWT identity, by address behind ProxyFix."""

import pytest

HINT = (
    "rate_limit_key: verify_jwt_in_request(optional=True) inside try/except (Flask-JWT-Extended "
    "and PyJWT errors), then 'user:' + get_jwt_identity() or 'ip:' + request.remote_addr. "
    "trust_proxy: werkzeug.middleware.proxy_fix.ProxyFix with x_for=hops and every other x_* 0."
)

PROXY = "10.0.0.2"


def bearer(access_token):
    return {"Authorization": f"Bearer {access_token}"}


@pytest.fixture
def build(ex, exercise_app):
    def make(backend, module=None, proxy_hops=None):
        module = module or ex
        app = exercise_app(module.ns, backend=backend, limiter=module.limiter)
        if proxy_hops == 1:
            assert module.trust_proxy(app) is app, "trust_proxy returns the app"
        elif proxy_hops is not None:
            assert module.trust_proxy(app, proxy_hops) is app, "trust_proxy returns the app"
        return app

    return make


def whoami(client, address, headers=None):
    return client.get("/whoami", headers=headers or {}, environ_base={"REMOTE_ADDR": address})


def exhaust(client, address, headers=None, n=5):
    for i in range(n):
        r = whoami(client, address, headers)
        assert r.status_code == 200, f"request {i + 1} from {address} {headers}: {r.status_code}"
    return r


@pytest.mark.points(2)
def test_key_is_the_verified_identity_or_the_address(ex, exercise_app, memory_backend, token):
    app = exercise_app(ex.ns, backend=memory_backend, limiter=ex.limiter)
    cases = [
        (bearer(token(app, "alice", role="engineer", fab="fab1")), "user:alice"),
        (bearer(token(app, "42", role="viewer", fab="fab2")), "user:42"),
        ({}, "ip:203.0.113.7"),
        (bearer(token(app, "mallory", role="admin", forged=True)), "ip:203.0.113.7"),
        (bearer(token(app, "alice", role="engineer", expired=True)), "ip:203.0.113.7"),
        ({"Authorization": "Bearer garbage"}, "ip:203.0.113.7"),
        ({"Authorization": "Basic YWxpY2U6cHc="}, "ip:203.0.113.7"),
        (bearer(token(app, "", role="viewer", fab="fab1")), "ip:203.0.113.7"),
    ]
    for headers, expected in cases:
        with app.test_request_context("/whoami", headers=headers,
                                      environ_base={"REMOTE_ADDR": "203.0.113.7"}):
            assert ex.rate_limit_key() == expected, f"headers {headers}"


@pytest.mark.points(2)
def test_one_bucket_per_user_across_addresses_and_per_address_without_token(
        ex, build, memory_backend, token, problem):
    app = build(memory_backend)
    client = app.test_client()
    alice = bearer(token(app, "alice", role="engineer", fab="fab1"))
    for i in range(5):
        r = whoami(client, f"198.51.100.{i + 1}", alice)
        assert r.status_code == 200, f"alice's request {i + 1} from a new address"
        assert r.headers["X-RateLimit-Remaining"] == str(4 - i)
    problem(whoami(client, "198.51.100.99", alice), 429)
    # Another user on alice's address, and anonymous clients, have buckets of their own.
    bob = bearer(token(app, "bob", role="viewer", fab="fab2"))
    assert exhaust(client, "198.51.100.1", bob).get_json()["key"] == "user:bob"
    problem(whoami(client, "198.51.100.1", bob), 429)
    exhaust(client, "198.51.100.1")
    problem(whoami(client, "198.51.100.1"), 429)
    assert whoami(client, "198.51.100.2").status_code == 200


@pytest.mark.points(1)
def test_a_user_named_like_an_address_is_not_that_address(ex, build, memory_backend, token):
    app = build(memory_backend)
    client = app.test_client()
    exhaust(client, "203.0.113.7")
    assert whoami(client, "203.0.113.7").status_code == 429
    named = bearer(token(app, "203.0.113.7", role="viewer", fab="fab1"))
    r = whoami(client, "203.0.113.7", named)
    assert r.status_code == 200, "user 203.0.113.7 must not share the address's bucket"
    assert r.get_json()["key"] == "user:203.0.113.7"


@pytest.mark.points(2)
def test_behind_one_proxy_the_client_address_is_the_key(ex, build, memory_backend):
    client = build(memory_backend, proxy_hops=1).test_client()
    r = whoami(client, PROXY, {"X-Forwarded-For": "203.0.113.7"})
    assert r.get_json()["key"] == "ip:203.0.113.7"
    assert r.get_json()["remote_addr"] == "203.0.113.7"
    # Two clients behind the same proxy: two buckets, not one.
    for _i in range(4):
        whoami(client, PROXY, {"X-Forwarded-For": "203.0.113.7"})
    assert whoami(client, PROXY, {"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    other = whoami(client, PROXY, {"X-Forwarded-For": "203.0.113.8"})
    assert other.status_code == 200, "another client behind the proxy has its own bucket"
    # Without the header, the request came from the proxy itself.
    assert whoami(client, PROXY).get_json()["key"] == f"ip:{PROXY}"
    # Two proxies (a load balancer, then nginx): the second value from the right.
    two_hops = build(memory_backend, proxy_hops=2).test_client()
    r = whoami(two_hops, PROXY, {"X-Forwarded-For": "192.0.2.1, 198.51.100.1, 10.0.0.9"})
    assert r.get_json()["key"] == "ip:198.51.100.1"


@pytest.mark.points(2)
def test_a_spoofed_extra_hop_does_not_buy_a_fresh_bucket(ex, build, memory_backend):
    client = build(memory_backend, proxy_hops=1).test_client()
    exhaust(client, PROXY, {"X-Forwarded-For": "203.0.113.7"})
    for spoofed in ("198.51.100.1, 203.0.113.7", "1.1.1.1, 198.51.100.1,203.0.113.7"):
        r = whoami(client, PROXY, {"X-Forwarded-For": spoofed})
        assert r.status_code == 429, f"X-Forwarded-For: {spoofed} is still 203.0.113.7"
    r = whoami(client, PROXY, {"X-Forwarded-For": "203.0.113.7, 198.51.100.50"})
    assert r.status_code == 200
    assert r.get_json()["key"] == "ip:198.51.100.50"
    # Only X-Forwarded-For is trusted.
    forwarded = whoami(client, PROXY, {"X-Forwarded-For": "198.51.100.60",
                                       "X-Forwarded-Proto": "https",
                                       "X-Forwarded-Host": "evil.example",
                                       "X-Forwarded-Port": "8443"}).get_json()
    assert (forwarded["scheme"], forwarded["host"]) == ("http", "localhost")


@pytest.mark.points(2)
def test_redis_keeps_one_user_bucket_for_every_worker(ex, build, redis_backend, token,
                                                      second_worker):
    worker_a = build(redis_backend, proxy_hops=1)
    worker_b = build(redis_backend, module=second_worker(), proxy_hops=1)
    alice = bearer(token(worker_a, "alice", role="engineer", fab="fab1"))
    for i in range(5):
        client = (worker_a if i % 2 else worker_b).test_client()
        r = whoami(client, PROXY, {**alice, "X-Forwarded-For": f"198.51.100.{i}"})
        assert r.status_code == 200, f"request {i + 1}"
        assert r.headers["X-RateLimit-Remaining"] == str(4 - i)
    assert whoami(worker_a.test_client(), PROXY, alice).status_code == 429
    assert whoami(worker_b.test_client(), PROXY, alice).status_code == 429
    assert any("user:alice" in key for key in redis_backend.keys("limits:*"))
