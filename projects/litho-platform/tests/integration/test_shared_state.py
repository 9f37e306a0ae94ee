"""Two gunicorn workers on PostgreSQL and Redis share what must be shared: a rate limit admits
exactly its budget across both, a result one worker cached is served by the other, and
/metrics adds both workers' requests up. Which worker served a request is read from the app's
own JSON log line (its ``process`` and ``request_id``)."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.services

VIEWER_BUDGET = 20


@pytest.fixture(scope="module")
def server(helpers, processes, database_url, redis_databases, tmp_path_factory):
    (cache_db,) = redis_databases
    port = helpers.free_port()
    env = helpers.base_environment(
        DATABASE_URL=database_url,
        REDIS_URL=cache_db,
        INSTANCE_PATH=str(tmp_path_factory.mktemp("instance")),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path_factory.mktemp("metrics")),
        RATE_LIMIT_VIEWER=f"{VIEWER_BUDGET}/minute",
        RATE_LIMIT_ENGINEER="100000/minute",
        LITHO_ADMIN_USERNAME="itadmin",
        LITHO_ADMIN_PASSWORD=helpers.PASSWORD,
        LOG_LEVEL="INFO",
    )
    helpers.migrate(env)
    process = helpers.start_gunicorn(processes, "gunicorn-shared", env, port, workers=2)
    return process, f"http://127.0.0.1:{port}"


def served_by(helpers, process, request_ids) -> dict[str, int]:
    """request id -> pid of the worker that answered it, read from gunicorn's access log, the
    request log under gunicorn (waiting for every line to be written)."""

    def lookup() -> dict[str, int] | None:
        found = {
            line["request_id"]: line["process"]
            for line in process.json_lines()
            if line.get("logger") == "gunicorn.access"
            and line.get("request_id") in request_ids
        }
        return found if len(found) == len(set(request_ids)) else None

    return helpers.wait_for(lookup, 10, "the request log lines", process)


def send_concurrently(api, path: str, count: int, threads: int = 8) -> dict[str, tuple]:
    """``count`` GETs of ``path`` from ``threads`` threads; request id -> (status, body)."""
    request_ids = [f"it-{uuid.uuid4().hex[:12]}" for _ in range(count)]

    def get(request_id: str) -> tuple[str, tuple]:
        status, _, body = api.call("GET", path, headers={"X-Request-ID": request_id})
        return request_id, (status, body)

    with ThreadPoolExecutor(threads) as pool:
        return dict(pool.map(get, request_ids))


def statuses_of(answers: dict[str, tuple]) -> list[int]:
    return sorted(status for status, _ in answers.values())


def test_a_rate_limit_admits_exactly_its_budget_across_both_workers(helpers, server):
    process, base = server
    admin = helpers.Api(base)
    admin.token = admin.json("POST", "/api/v1/auth/login",
                             {"username": "itadmin", "password": helpers.PASSWORD})["access_token"]
    viewer = helpers.Api(base)
    viewer.sign_up("limitedviewer")
    me = viewer.json("GET", "/api/v1/auth/me")
    admin.json("PATCH", f"/api/v1/users/{me['id']}", {"role": "viewer"})
    viewer.token = viewer.json("POST", "/api/v1/auth/login", {
        "username": "limitedviewer", "password": helpers.PASSWORD,
    })["access_token"]
    extra = 10
    answers = send_concurrently(viewer, "/api/v1/auth/me", VIEWER_BUDGET + extra)
    assert statuses_of(answers) == [200] * VIEWER_BUDGET + [429] * extra
    workers = served_by(helpers, process, answers)
    assert len(set(workers.values())) == 2, "both workers must have counted requests"


def test_a_result_cached_by_one_worker_is_served_by_the_other(helpers, server, database_url):
    process, base = server
    api = helpers.Api(base)
    api.sign_up("cacheuser")
    dataset = api.upload(helpers.EXAMPLES / "fem_clean.csv")
    analysis = api.json("POST", "/api/v1/analyses",
                        {"dataset_id": dataset["id"], "target_cd": 45, "tolerance_pct": 10},
                        expect=202)
    assert analysis["status"] == "succeeded"
    path = f"/api/v1/analyses/{analysis['id']}"
    status, _, original = api.call("GET", path, headers={"X-Request-ID": "cache-first"})
    assert status == 200
    writer_pid = served_by(helpers, process, {"cache-first"})["cache-first"]
    # From here on the database holds other results: only the cache still has the real ones.
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE analyses SET results = '{\"tampered\": true}'"))
    engine.dispose()
    for _ in range(20):
        answers = send_concurrently(api, path, 4, threads=4)
        assert statuses_of(answers) == [200] * 4
        pids = served_by(helpers, process, answers)
        others = [answers[rid][1] for rid, pid in pids.items() if pid != writer_pid]
        if others:
            break
    else:
        pytest.fail("the other worker never answered")
    served = json.loads(others[0])["results"]
    assert served == json.loads(original)["results"]
    assert served["dose_to_size"] == pytest.approx(24.0, abs=0.1)


def count_of(base: str, endpoint: str) -> float:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        text_format = response.read().decode()
    match = re.search(
        rf'litho_http_request_duration_seconds_count\{{endpoint="{endpoint}",method="GET",'
        rf'status="200"\}} (\S+)', text_format
    )
    return float(match[1]) if match else 0.0


def test_metrics_add_up_both_workers_requests(helpers, server):
    process, base = server
    before = count_of(base, "health_live")
    answers = send_concurrently(helpers.Api(base), "/health/live", 60)
    assert statuses_of(answers) == [200] * 60
    assert count_of(base, "health_live") - before == 60
    assert len(set(served_by(helpers, process, answers).values())) == 2
