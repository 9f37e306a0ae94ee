"""The API when a dependency goes away, without stopping the real services: the app reaches
PostgreSQL and Redis through relays the tests cut and restore.

Redis gone: the API keeps answering (cache misses; the rate limits fall back to per-process
counters, so a client is still limited), and readiness stays up, reporting ``degraded``.
Database gone: readiness fails (503) while liveness stays up; both recover with the service."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.services

VIEWER_BUDGET = 5


@pytest.fixture(scope="module")
def relays(helpers, database_url, redis_databases):
    (redis_url,) = redis_databases
    database = make_url(database_url)
    redis_parts = urlsplit(redis_url)
    postgres = helpers.TcpProxy(database.host or "127.0.0.1", database.port or 5432)
    cache = helpers.TcpProxy(redis_parts.hostname or "127.0.0.1", redis_parts.port or 6379)
    postgres.start()
    cache.start()
    yield postgres, cache
    postgres.stop()
    cache.stop()


@pytest.fixture(scope="module")
def server(helpers, processes, database_url, redis_databases, relays, tmp_path_factory):
    postgres, cache = relays
    (redis_url,) = redis_databases
    port = helpers.free_port()
    env = helpers.base_environment(
        DATABASE_URL=make_url(database_url).set(host="127.0.0.1", port=postgres.port)
        .render_as_string(hide_password=False),
        REDIS_URL=f"redis://127.0.0.1:{cache.port}{urlsplit(redis_url).path}",
        INSTANCE_PATH=str(tmp_path_factory.mktemp("instance")),
        RATE_LIMIT_VIEWER=f"{VIEWER_BUDGET}/minute",
        LITHO_ADMIN_USERNAME="itadmin",
        LITHO_ADMIN_PASSWORD=helpers.PASSWORD,
    )
    helpers.migrate(env)
    # One worker: the per-process fallback counters are then exactly the client's budget.
    process = helpers.start_gunicorn(processes, "gunicorn-degraded", env, port, workers=1)
    return process, f"http://127.0.0.1:{port}"


def readiness(helpers, base: str) -> tuple[int, dict]:
    status, _, body = helpers.Api(base).call("GET", "/health/ready")
    return status, json.loads(body)


def test_without_redis_the_api_answers_and_still_limits(helpers, server, relays):
    process, server = server
    _, cache = relays
    admin = helpers.Api(server)
    admin.token = admin.json("POST", "/api/v1/auth/login",
                             {"username": "itadmin", "password": helpers.PASSWORD})["access_token"]
    engineer = helpers.Api(server)
    engineer.sign_up("degradedengineer")
    dataset = engineer.upload(helpers.EXAMPLES / "fem_clean.csv")
    viewer = helpers.Api(server)
    viewer.sign_up("degradedviewer")
    admin.json("PATCH", f"/api/v1/users/{viewer.json('GET', '/api/v1/auth/me')['id']}",
               {"role": "viewer"})
    assert readiness(helpers, server)[1]["status"] == "ok"

    cache.stop()
    # Work that needs the cache: analyse, read results and a plot (misses), log in again.
    analysis = engineer.json(
        "POST", "/api/v1/analyses",
        {"dataset_id": dataset["id"], "target_cd": 45, "tolerance_pct": 10}, expect=202,
    )
    assert analysis["status"] == "succeeded"
    for _ in range(2):
        read = engineer.json("GET", f"/api/v1/analyses/{analysis['id']}")
        helpers.assert_clean_example_truth(read["results"])
    status, _, image = engineer.call("GET", f"/api/v1/analyses/{analysis['id']}/plots/el-dof.svg")
    assert status == 200
    assert b"<svg" in image
    viewer.token = viewer.json("POST", "/api/v1/auth/login", {
        "username": "degradedviewer", "password": helpers.PASSWORD,
    })["access_token"]
    statuses = [viewer.call("GET", "/api/v1/auth/me")[0] for _ in range(VIEWER_BUDGET + 2)]
    assert statuses == [200] * VIEWER_BUDGET + [429] * 2
    status, ready = readiness(helpers, server)
    assert status == 200
    assert ready["status"] == "degraded"
    assert ready["checks"]["cache"]["ok"] is False
    assert ready["checks"]["database"]["ok"] is True
    # The limits above were counted in memory, not skipped; the cache said why it missed.
    loggers = {line.get("logger"): line["message"] for line in process.json_lines()}
    assert "falling back to in-memory storage" in loggers["litho_platform.rate_limits"]
    assert loggers["litho_platform.cache"].startswith("cache unavailable")

    cache.start()
    helpers.wait_for(lambda: readiness(helpers, server)[1]["status"] == "ok", 20,
                     "the cache to be back")


def test_without_the_database_ready_fails_and_live_does_not(helpers, server, relays):
    _, server = server
    postgres, _ = relays
    api = helpers.Api(server)
    assert readiness(helpers, server)[0] == 200
    postgres.stop()
    status, ready = readiness(helpers, server)
    assert status == 503
    assert ready["code"] == "not_ready"
    assert ready["checks"]["database"]["ok"] is False
    assert api.call("GET", "/health/live")[0] == 200
    postgres.start()
    helpers.wait_for(lambda: readiness(helpers, server)[0] == 200, 20, "the database to be back")
