"""Graded: ex03_login_throttle, failed logins counted with deduct_when, successes free."""

import pytest
from flask import Response
from flask_jwt_extended import decode_token

HINT = (
    "failed_login(response) is one comparison on response.status_code; login_key reads "
    "request.get_json(silent=True). Put limiter.limit(LOGIN_LIMIT, key_func=login_key, "
    "deduct_when=failed_login) in the resource's decorators, and headers_enabled=True on the "
    "Limiter."
)

RIGHT = {"username": "alice", "password": "alice-pw"}
WRONG = {"username": "alice", "password": "guess"}
WINDOW = 15 * 60


@pytest.fixture
def build(ex, exercise_app):
    def make(backend, module=None):
        module = module or ex
        return exercise_app(module.ns, backend=backend, limiter=module.limiter)

    return make


def login(client, body, address="203.0.113.7"):
    return client.post("/auth/login", json=body, environ_base={"REMOTE_ADDR": address})


@pytest.mark.points(1)
def test_failed_login_is_true_for_401_only(ex):
    assert ex.failed_login(Response(status=401)) is True
    for status in (200, 201, 400, 403, 404, 429, 500):
        assert not ex.failed_login(Response(status=status)), f"status {status}"


@pytest.mark.points(1)
def test_login_answers_200_401_400(ex, build, memory_backend, clock, problem):
    app = build(memory_backend)
    client = app.test_client()
    ok = login(client, {"username": "  Alice ", "password": "alice-pw"})
    assert ok.status_code == 200, ok.get_json()
    with app.app_context():
        claims = decode_token(ok.get_json()["access_token"])
    assert (claims["sub"], claims["role"], claims["fab"]) == ("alice", "engineer", "fab1")
    problem(login(client, WRONG), 401)
    problem(login(client, {"username": "nobody", "password": "x"}), 401)
    assert set(problem(login(client, {"username": "alice"}), 400)["errors"]) == {"password"}
    problem(login(client, ["alice", "alice-pw"]), 400)


@pytest.mark.points(3)
def test_five_failures_then_429_even_with_the_right_password(ex, build, memory_backend,
                                                             clock, problem):
    client = build(memory_backend).test_client()
    for i in range(5):
        r = login(client, WRONG)
        assert r.status_code == 401, f"failure {i + 1}: {r.status_code}"
        assert r.headers["X-RateLimit-Limit"] == "5"
        assert r.headers["X-RateLimit-Remaining"] == str(4 - i), f"after failure {i + 1}"
    refused = login(client, RIGHT)
    problem(refused, 429)
    assert WINDOW <= int(refused.headers["Retry-After"]) <= WINDOW + 1
    clock.advance(WINDOW - 1)
    assert login(client, RIGHT).status_code == 429, "the window is not over yet"
    clock.advance(1)
    assert login(client, RIGHT).status_code == 200, "a new window: the right password works"


@pytest.mark.points(2)
def test_successful_logins_and_bad_payloads_cost_nothing(ex, build, memory_backend, clock):
    client = build(memory_backend).test_client()
    for i in range(12):
        r = login(client, RIGHT)
        assert r.status_code == 200, f"successful login {i + 1} was refused"
        assert r.headers["X-RateLimit-Remaining"] == "5"
    for i in range(6):
        assert login(client, {"username": "alice", "password": ""}).status_code == 400, i
    for i in range(4):
        assert login(client, WRONG).status_code == 401, f"failure {i + 1}"
    assert login(client, RIGHT).status_code == 200
    r = login(client, WRONG)
    assert (r.status_code, r.headers["X-RateLimit-Remaining"]) == (401, "0")
    assert login(client, RIGHT).status_code == 429


@pytest.mark.points(1)
def test_buckets_are_per_normalised_username_and_address(ex, build, memory_backend, clock):
    client = build(memory_backend).test_client()
    for name in ("alice", "Alice", " ALICE ", "alice", "aLiCe"):
        assert login(client, {"username": name, "password": "nope"}).status_code == 401
    assert login(client, RIGHT).status_code == 429, "'Alice' and 'alice' share a bucket"
    assert login(client, RIGHT, address="198.51.100.4").status_code == 200
    assert login(client, {"username": "bob", "password": "bob-pw"}).status_code == 200
    with client.application.test_request_context(
            "/auth/login", method="POST", json={"username": " Bob "},
            environ_base={"REMOTE_ADDR": "192.0.2.1"}):
        assert ex.login_key() == "login:bob:192.0.2.1"


@pytest.mark.points(2)
def test_redis_counts_failures_across_workers(ex, build, redis_backend, second_worker):
    workers = [build(redis_backend).test_client(),
               build(redis_backend, module=second_worker()).test_client()]
    for i in range(6):
        assert login(workers[i % 2], RIGHT).status_code == 200
    for i in range(5):
        r = login(workers[i % 2], WRONG)
        assert (r.status_code, r.headers["X-RateLimit-Remaining"]) == (401, str(4 - i)), i
    assert login(workers[0], RIGHT).status_code == 429
    assert login(workers[1], RIGHT).status_code == 429
    assert any("login:alice:203.0.113.7" in key for key in redis_backend.keys("limits:*"))
