"""Graded tests of ex02_health: liveness, readiness, per-check timeouts."""

from __future__ import annotations

import threading

import pytest
from flask import Flask, current_app
from flask_restx import Api
from sqlalchemy import create_engine

HINT = (
    "Readiness.run: submit every check to a ThreadPoolExecutor, wrap each call in "
    "app.app_context(), wait for each future with what is left of its timeout, and shut the "
    "executor down with wait=False so a hung check cannot hang the probe."
)


def make_client(ex, readiness):
    app = Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    readiness.init_app(app)
    api = Api(app, doc=False)
    api.add_namespace(ex.ns, path="/health")
    return app.test_client()


def passing():
    return None


def broken():
    raise ConnectionError("redis://:hunter2@cache.internal:6379 refused")


@pytest.mark.points(1)
def test_liveness_runs_no_check(ex):
    calls = []
    readiness = ex.Readiness()
    readiness.add_check("database", lambda: calls.append("database"))
    response = make_client(ex, readiness).get("/health/live")
    assert response.status_code == 200
    assert response.get_json() == {"status": "pass"}
    assert response.headers["Cache-Control"] == "no-store"
    assert calls == []


@pytest.mark.points(2)
def test_ready_when_every_check_passes(ex):
    readiness = ex.Readiness()
    readiness.add_check("database", passing)
    readiness.add_check("cache", passing)
    response = make_client(ex, readiness).get("/health/ready")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "pass"
    assert list(body["checks"]) == ["database", "cache"]
    for result in body["checks"].values():
        assert set(result) == {"status", "duration_ms"}
        assert result["status"] == "pass"
        assert isinstance(result["duration_ms"], float | int)
        assert result["duration_ms"] >= 0
    with pytest.raises(ValueError):
        readiness.add_check("cache", passing)


@pytest.mark.points(2)
def test_failing_check_makes_503_and_is_named_without_its_message(ex):
    readiness = ex.Readiness()
    readiness.add_check("database", passing)
    readiness.add_check("cache", broken)
    response = make_client(ex, readiness).get("/health/ready")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "fail"
    assert body["checks"]["database"]["status"] == "pass"
    assert body["checks"]["cache"]["status"] == "fail"
    assert body["checks"]["cache"]["error"] == "ConnectionError"
    assert "hunter2" not in response.get_data(as_text=True)


@pytest.mark.points(2)
@pytest.mark.timeout(10)
def test_hanging_check_times_out_instead_of_hanging_the_probe(ex):
    release = threading.Event()
    readiness = ex.Readiness(default_timeout_s=30)
    readiness.add_check("database", passing)
    # Blocks until the test ends: only its own 50 ms timeout lets the probe answer.
    readiness.add_check("broker", release.wait, timeout_s=0.05)
    try:
        response = make_client(ex, readiness).get("/health/ready")
    finally:
        release.set()
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["broker"]["status"] == "timeout"
    assert body["checks"]["database"]["status"] == "pass"


@pytest.mark.points(2)
def test_checks_run_in_the_app_context_and_database_check_pings(ex, tmp_path):
    def configured():
        assert current_app.config["LITHO_CACHE_URL"] == "memory://"

    readiness = ex.Readiness()
    readiness.add_check("config", configured)
    readiness.add_check("database", ex.database_check(create_engine("sqlite://")))
    missing = tmp_path / "no-such-dir" / "litho.db"
    readiness.add_check("replica", ex.database_check(create_engine(f"sqlite:///{missing}")))
    client = make_client(ex, readiness)
    client.application.config["LITHO_CACHE_URL"] = "memory://"
    body = client.get("/health/ready").get_json()
    assert body["checks"]["config"]["status"] == "pass"
    assert body["checks"]["database"]["status"] == "pass"
    assert body["checks"]["replica"] == {
        "status": "fail",
        "error": "OperationalError",
        "duration_ms": body["checks"]["replica"]["duration_ms"],
    }
