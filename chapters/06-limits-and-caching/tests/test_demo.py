"""The chapter 06 demo: what the README promises, checked (not graded)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cachelib.redis import RedisCache as CachelibRedisCache
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import FixedWindowRateLimiter

from ch06_demo import create_app
from ch06_demo.extensions import cache, db
from ch06_demo.models import Wafer

DEMO_DIR = Path(__file__).resolve().parents[1] / "demo"
UPDATE = {"status": "hold", "mean_cd_nm": 45.9, "best_focus_um": 0.03,
          "dose_to_size_mj_cm2": 24.2}


def login(client, username, password=None):
    r = client.post("/auth/login", json={"username": username,
                                         "password": password or f"{username}-pw"})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['access_token']}"}


def closed_port() -> int:
    """A port nothing listens on: bound, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_swagger_ui_and_spec_are_served(demo_client):
    assert demo_client.get("/swagger").status_code == 200
    spec = demo_client.get("/swagger.json").get_json()
    assert spec["swagger"] == "2.0"
    assert {"/auth/login", "/wafers", "/wafers/{wafer_id}", "/wafers/{wafer_id}/report",
            "/system"} <= set(spec["paths"])


def test_lists_are_cached_per_caller_and_fresh_after_a_put(demo_client):
    alice, bob = login(demo_client, "alice"), login(demo_client, "bob")
    first = demo_client.get("/wafers?per_page=3", headers=alice)
    assert (first.headers["X-Cache"], first.get_json()["total"]) == ("miss", 8)
    assert demo_client.get("/wafers?per_page=3", headers=alice).headers["X-Cache"] == "hit"
    other = demo_client.get("/wafers?per_page=3", headers=bob)
    assert (other.headers["X-Cache"], other.get_json()["total"]) == ("miss", 4)
    assert {w["fab"] for w in other.get_json()["items"]} == {"fab2"}
    assert demo_client.get("/wafers?page=2&per_page=3", headers=alice).headers["X-Cache"] == "miss"

    assert demo_client.put("/wafers/W01", json=UPDATE, headers=alice).status_code == 200
    after = demo_client.get("/wafers?per_page=3", headers=alice)
    assert after.headers["X-Cache"] == "miss"
    assert after.get_json()["items"][0]["status"] == "hold"
    item = demo_client.get("/wafers/W01", headers=alice).get_json()
    assert (item["status"], item["version"]) == ("hold", 2)


def test_etag_304_and_if_match(demo_client, problem):
    alice = login(demo_client, "alice")
    first = demo_client.get("/wafers/W02", headers=alice)
    etag = first.headers["ETag"]
    not_modified = demo_client.get("/wafers/W02", headers={**alice, "If-None-Match": etag})
    assert (not_modified.status_code, not_modified.data) == (304, b"")
    assert not_modified.headers["ETag"] == etag
    problem(demo_client.put("/wafers/W02", json=UPDATE,
                            headers={**alice, "If-Match": '"stale"'}), 412)
    put = demo_client.put("/wafers/W02", json=UPDATE, headers={**alice, "If-Match": etag})
    assert put.status_code == 200
    assert demo_client.get("/wafers/W02", headers={**alice, "If-None-Match": etag}
                           ).status_code == 200
    assert put.headers["ETag"] != etag


def test_bad_input_is_a_4xx_problem_and_stores_nothing(demo_app, demo_client, problem):
    alice, bob = login(demo_client, "alice"), login(demo_client, "bob")
    bad = problem(demo_client.put("/wafers/W01", json={**UPDATE, "mean_cd_nm": "wide",
                                                       "colour": "red"}, headers=alice), 400)
    assert set(bad["errors"]) == {"mean_cd_nm", "colour"}
    problem(demo_client.put("/wafers/W01", data="not json", headers=alice), 400)
    problem(demo_client.put("/wafers/W01", json={**UPDATE, "best_focus_um": 5},
                            headers=alice), 400)
    problem(demo_client.put("/wafers/W09", json=UPDATE, headers=login(demo_client, "bob")), 403)
    problem(demo_client.put("/wafers/W09", json=UPDATE, headers=alice), 404)  # fab2's wafer
    problem(demo_client.get("/wafers?page=0", headers=bob), 400)
    problem(demo_client.post("/auth/login", json={"username": "alice"}), 400)
    problem(demo_client.get("/wafers"), 401)
    problem(demo_client.get("/wafers", headers={"Authorization": "Bearer x.y.z"}), 401)
    with demo_app.app_context():
        assert {w.version for w in db.session.query(Wafer)} == {1}, "nothing was written"


def test_anonymous_tier_and_429_headers(demo_client, clock, problem):
    for i in range(20):
        r = demo_client.get("/wafers")
        assert r.status_code == 401, i
        assert r.headers["X-RateLimit-Remaining"] == str(19 - i)
    refused = problem(demo_client.get("/wafers"), 429)
    assert "20 per 1 minute" in refused["detail"]
    clock.advance(60)
    assert demo_client.get("/wafers").status_code == 401


def test_failed_logins_are_limited_and_successes_are_not(demo_client, clock, problem):
    for _ in range(8):
        login(demo_client, "dan")
    for _ in range(5):
        problem(demo_client.post("/auth/login", json={"username": "dan", "password": "x"}), 401)
    problem(demo_client.post("/auth/login", json={"username": "dan", "password": "dan-pw"}), 429)


def test_trusted_proxy_hops_decide_the_client_address(demo_config):
    client = create_app({**demo_config, "TRUSTED_PROXY_HOPS": 1}).test_client()
    r = client.get("/system", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"},
                   environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert r.get_json()["caller"]["key"] == "ip:203.0.113.7"


def test_memory_counters_are_per_process_and_redis_counters_are_shared(redis_backend):
    """Two workers, each with its own storage object, as two gunicorn processes have."""
    limit = parse("3 per hour")

    def allowed(limiters):
        return sum(limiters[i % 2].hit(limit, "ip:203.0.113.7", "wafers") for i in range(10))

    memory = [FixedWindowRateLimiter(MemoryStorage()) for _ in range(2)]
    assert allowed(memory) == 6, "memory://: each worker allows 3, so the client gets 6"
    shared = [FixedWindowRateLimiter(RedisStorage(redis_backend.redis_url,
                                                  key_prefix=f"{redis_backend.prefix}:limits"))
              for _ in range(2)]
    assert allowed(shared) == 3, "Redis: one counter for every worker"


def test_one_limiter_for_two_apps_uses_the_last_apps_storage(redis_backend):
    """Why tests that build many apps need a fresh Limiter: init_app replaces the storage."""
    limiter = Limiter(key_func=get_remote_address, headers_enabled=True)

    def build(config):
        app = Flask(f"app{len(config)}")
        app.config.update(config)
        app.add_url_rule("/", "index", limiter.limit("2 per hour")(lambda: "ok"))
        limiter.init_app(app)
        return app

    first = build({"RATELIMIT_STORAGE_URI": "memory://"})
    build({"RATELIMIT_STORAGE_URI": redis_backend.redis_url,
           "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"{redis_backend.prefix}:limits"},
           "RATELIMIT_HEADERS_ENABLED": False})
    response = first.test_client().get("/")
    assert redis_backend.keys("limits:*"), "the first app now counts in the second's Redis"
    assert "X-RateLimit-Limit" in response.headers, "headers_enabled kept the first value"


def test_cache_clear_deletes_this_apps_prefix_only(redis_backend, demo_config):
    app = create_app({**demo_config, **redis_backend.config()})
    foreign = f"{redis_backend.prefix}:someone-elses-key"
    client = redis_backend.client()
    client.set(foreign, "keep me")
    with app.app_context():
        cache.set("wafer:W01", {"id": "W01"})
        assert redis_backend.keys("cache:*")
        cache.clear()
        assert not redis_backend.keys("cache:*")
    assert client.get(foreign) == b"keep me"


def test_an_empty_cache_prefix_turns_clear_into_flushdb():
    """Not run against the shared server: a recording client shows what would be sent."""

    class Recorder:
        def __init__(self):
            self.calls = []

        def flushdb(self):
            self.calls.append("FLUSHDB")
            return True

        def keys(self, pattern):
            self.calls.append(f"KEYS {pattern}")
            return []

    for prefix, expected in (("", ["FLUSHDB"]), ("ch06:cache:", ["KEYS ch06:cache:*"])):
        recorder = Recorder()
        CachelibRedisCache(host=recorder, key_prefix=prefix).clear()
        assert recorder.calls == expected, prefix


def test_two_demo_workers_on_redis_never_serve_a_stale_list(redis_backend, demo_config,
                                                            tmp_path):
    config = {**demo_config, **redis_backend.config(),
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.db'}",
              "RATELIMIT_STORAGE_URI": "memory://"}
    worker_a = create_app(config).test_client()
    worker_b = create_app(config).test_client()
    alice = login(worker_a, "alice")
    assert worker_a.get("/wafers", headers=alice).headers["X-Cache"] == "miss"
    assert worker_b.get("/wafers", headers=alice).headers["X-Cache"] == "hit"
    assert worker_b.put("/wafers/W03", json=UPDATE, headers=alice).status_code == 200
    fresh = worker_a.get("/wafers", headers=alice)
    assert fresh.headers["X-Cache"] == "miss"
    assert [w["status"] for w in fresh.get_json()["items"] if w["id"] == "W03"] == ["hold"]


def _request(url, *, method="GET", body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"null")


@pytest.fixture
def demo_with_redis_down():
    """The demo in its own process, REDIS_URL pointing at a closed port."""
    env = {**os.environ, "PORT": str(closed_port()), "JWT_SECRET_KEY": "x" * 40,
           "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0", "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    port = int(env["PORT"])
    proc = subprocess.Popen([sys.executable, "-m", "ch06_demo"], cwd=DEMO_DIR, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")[-2000:]
            try:
                urllib.request.urlopen(f"{base}/swagger.json", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the demo did not start"
                time.sleep(0.2)  # polling for the server to be up, not waiting for an effect
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_redis_down_falls_back_to_memory_and_keeps_limiting(demo_with_redis_down):
    base = demo_with_redis_down
    status, _, body = _request(f"{base}/auth/login", method="POST",
                               body={"username": "alice", "password": "alice-pw"})
    assert status == 200, body
    alice = {"Authorization": f"Bearer {body['access_token']}"}
    status, headers, page = _request(f"{base}/wafers", headers=alice)
    assert (status, page["total"], headers["X-Cache"]) == (200, 8, "miss")
    assert headers["X-RateLimit-Limit"] == "120"
    _, _, system = _request(f"{base}/system", headers=alice)
    assert system["ratelimit_storage"] == "RedisStorage"
    assert system["ratelimit_storage_reachable"] is False
    assert system["ratelimit_fallback_active"] is True
    statuses = [_request(f"{base}/wafers")[0] for _ in range(21)]
    assert statuses == [401] * 20 + [429], "the anonymous tier still applies, in memory"
