"""``make run-stack`` for real: the script starts gunicorn, a Celery worker and beat on the
local PostgreSQL and Redis, and the README's path works against it, with the analysis run by
the worker. The web request's id reaches the worker's log lines; both servers expose metrics;
SIGTERM to the script stops every process it started."""

from __future__ import annotations

import os
import re
import signal
import urllib.request

import pandas as pd
import pytest

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def stack(helpers, processes, database_url, redis_databases, tmp_path_factory):
    cache_db, broker_db, results_db = redis_databases
    port, metrics_port = helpers.free_port(), helpers.free_port()
    env = helpers.base_environment(
        DATABASE_URL=database_url,
        REDIS_URL=cache_db,
        CELERY_BROKER_URL=broker_db,
        CELERY_RESULT_BACKEND=results_db,
        PORT=str(port),
        WORKER_METRICS_PORT=str(metrics_port),
        INSTANCE_PATH=str(tmp_path_factory.mktemp("instance")),
        LOG_LEVEL="INFO",
    )
    script = helpers.PROJECT / "scripts" / "run_stack.py"
    process = processes("run-stack", [str(helpers.BIN / "python"), str(script)], env)
    base = f"http://127.0.0.1:{port}"
    helpers.wait_for(
        lambda: f"production stack) on {base}" in process.stdout.read_text(),
        helpers.STARTUP_TIMEOUT_S + 30, "run-stack to print its URLs", process,
    )
    return process, base, metrics_port


@pytest.fixture(scope="module")
def api(helpers, stack):
    client = helpers.Api(stack[1])
    client.sign_up("stackuser")
    return client


def test_the_readme_path_runs_on_the_worker(helpers, api, stack):
    dataset = api.upload(helpers.EXAMPLES / "fem_clean.csv")
    status, headers, content = api.call(
        "POST", "/api/v1/analyses",
        {"dataset_id": dataset["id"], "target_cd": 45, "tolerance_pct": 10},
        headers={"X-Request-ID": "stack-readme-path"},
    )
    assert status == 202, content
    # The worker, not the request, runs it: the 202 comes back before it has finished.
    assert '"status": "succeeded"' not in content.decode()
    analysis = api.poll(headers["Location"])
    assert analysis["status"] == "succeeded", analysis
    assert analysis["attempts"] == 1
    helpers.assert_clean_example_truth(analysis["results"])
    for kind, fmt, mimetype in (("bossung", "png", "image/png"),
                                ("process-window", "svg", "image/svg+xml")):
        status, plot_headers, image = api.call(
            "GET", f"/api/v1/analyses/{analysis['id']}/plots/{kind}.{fmt}"
        )
        assert status == 200
        assert plot_headers["Content-Type"].startswith(mimetype)
        assert len(image) > 1000
    status, report_headers, report = api.call("GET", f"/api/v1/analyses/{analysis['id']}/report")
    assert status == 200
    assert report_headers["Content-Type"].startswith("text/html")
    assert b"<svg" in report or b"data:image/svg+xml" in report


def test_the_request_id_reaches_the_workers_log_lines(helpers, api, stack):
    process = stack[0]
    worker_lines = helpers.wait_for(
        lambda: [
            line for line in process.json_lines()
            if line.get("request_id") == "stack-readme-path"
            and line["logger"] in ("litho_platform.analyses", "celery.app.trace")
        ],
        10, "the worker's lines for the request", process,
    )
    messages = {line["message"] for line in worker_lines}
    assert {"analysis started", "analysis finished"} <= messages
    assert any(re.match(r"Task litho_platform\.run_analysis\[.+\] succeeded", message)
               for message in messages)
    # Under gunicorn its access line is the request's one line, with the caller the app found.
    web_lines = [line for line in process.json_lines()
                 if line.get("request_id") == "stack-readme-path"
                 and line["logger"] in ("gunicorn.access", "litho_platform.request")]
    assert [(line["logger"], line["method"]) for line in web_lines] == [("gunicorn.access", "POST")]
    assert web_lines[0]["user_id"] == api.json("GET", "/api/v1/auth/me")["id"]
    assert {line["process"] for line in worker_lines}.isdisjoint({web_lines[0]["process"]})


def test_a_batch_runs_as_a_chord_on_the_worker(helpers, api, tmp_path):
    frame = pd.read_csv(helpers.EXAMPLES / "fem_fields.csv")
    dataset_ids = []
    for field, part in frame.groupby("Field"):
        path = tmp_path / f"wafer{field}.csv"
        part.drop(columns=["Field"]).to_csv(path, index=False)
        dataset_ids.append(api.upload(path)["id"])
    status, headers, content = api.call(
        "POST", "/api/v1/analyses/batch",
        {"dataset_ids": dataset_ids, "target_cd": 45, "tolerance_pct": 10},
    )
    assert status == 202, content
    batch = api.poll(headers["Location"])
    assert batch["status"] == "succeeded", batch
    assert {member["status"] for member in batch["analyses"]} == {"succeeded"}
    # examples/README.md: the fields' common window, 0.384 µm at 5 % EL and 0.297 µm at 10 %.
    window = {row["el_pct"]: row["dof"] for row in batch["aggregate"]["process_window"]}
    assert window[5.0] == pytest.approx(0.384, abs=0.01)
    assert window[10.0] == pytest.approx(0.297, abs=0.01)


def test_metrics_of_the_web_servers_and_of_the_worker(stack):
    _, base, metrics_port = stack
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        web = response.read().decode()
    assert re.search(
        r'litho_http_request_duration_seconds_count\{endpoint="analyses_analysis_item",'
        r'method="GET",status="200"\} [1-9]', web
    )
    assert "litho_broker_up 1.0" in web
    assert re.search(r'litho_queue_depth\{queue="celery"\} \d', web)
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as page:
        worker = page.read().decode()
    # One plain analysis and the batch's three.
    succeeded = re.search(r'litho_analysis_duration_seconds_count\{outcome="succeeded"\} (\S+)',
                          worker)
    assert succeeded is not None
    assert float(succeeded[1]) >= 4


def test_sigterm_stops_every_process_it_started(helpers, stack):
    process = stack[0]
    children = [int(pid) for pid in re.findall(r"started .+ \(pid (\d+)\)", process.output())]
    assert len(children) == 3
    assert any(line.get("message") == "beat: Starting..." for line in process.json_lines())
    process.popen.send_signal(signal.SIGTERM)
    assert process.popen.wait(timeout=60) == 0
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
