"""Tests of the chapter 07 demo (not graded): jobs submitted, watched and read, eagerly and on
real workers; idempotency keys; bad input answered with one problem shape and nothing stored;
configuration; the beat-scheduled purge; the worker command the demo prints."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ch07_demo import create_app
from ch07_demo.config import ConfigError, Settings
from ch07_demo.extensions import db
from ch07_demo.models import Job
from ch07_demo.services.archive import ArchiveUnavailable, CorruptWaferFile, fem_measurements

PROBLEM = "application/problem+json"
DEMO_DIR = Path(__file__).resolve().parents[1] / "demo"
WAFERS = ["L24-0117-W01", "L24-0121-W14"]
JOB = {"wafer_ids": WAFERS, "target_cd_nm": 45.0, "tolerance_pct": 10.0}


@pytest.fixture
def app(archive):
    app = create_app(Settings(database_url="sqlite://"))
    app.extensions["metrology_archive"] = archive
    yield app
    app.extensions["celery"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def stored_jobs(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Job))


def in_spec(wafer_id, target=45.0, tol=10.0):
    return sum(abs(m.cd_nm - target) <= target * tol / 100 for m in fem_measurements(wafer_id))


def test_swagger_ui_and_spec_are_served(client):
    assert client.get("/swagger").status_code == 200
    spec = client.get("/swagger.json")
    assert spec.status_code == 200
    assert {"/jobs/", "/jobs/{job_id}", "/celery/"} <= set(spec.get_json()["paths"])


def test_a_job_runs_eagerly_and_its_result_is_read_back(client, archive):
    response = client.post("/jobs/", json=JOB)
    assert response.status_code == 202
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/jobs/{body['id']}")
    assert body["state"] == "SUCCESS"
    assert body["progress"] == {"done": 2, "total": 2, "percent": 100.0}
    assert [w["in_spec"] for w in body["result"]["wafers"]] == [in_spec(w) for w in WAFERS]
    assert body["result"]["points"] == 126
    assert archive.calls == WAFERS

    again = client.get(response.headers["Location"]).get_json()
    assert again == body
    assert [job["id"] for job in client.get("/jobs/").get_json()] == [body["id"]]


def test_the_same_idempotency_key_returns_the_same_job_without_running_it_again(client,
                                                                                 archive):
    headers = {"Idempotency-Key": "fem-2024-05-17.a"}
    first = client.post("/jobs/", json=JOB, headers=headers)
    second = client.post("/jobs/", json=JOB, headers=headers)
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.get_json()["id"] == first.get_json()["id"]
    assert archive.calls == WAFERS, "the job ran once"

    other = client.post("/jobs/", json={**JOB, "tolerance_pct": 5.0}, headers=headers)
    assert other.status_code == 409
    assert other.mimetype == PROBLEM
    assert len(client.get("/jobs/").get_json()) == 1


def test_a_failing_job_reports_why_without_a_traceback(client, archive):
    archive.always_fail(WAFERS[1], CorruptWaferFile("row 12: CD is not a number"))
    body = client.post("/jobs/", json=JOB).get_json()
    assert body["state"] == "FAILURE"
    assert body["error"] == {"type": "CorruptWaferFile", "message": "row 12: CD is not a number"}
    assert "Traceback" not in str(body)


def test_a_transient_archive_error_is_retried(client, archive):
    archive.fail_next(WAFERS[0], ArchiveUnavailable("503"))
    body = client.post("/jobs/", json=JOB).get_json()
    assert body["state"] == "SUCCESS"
    assert archive.calls_of(WAFERS[0]) == 2


@pytest.mark.parametrize(("payload", "headers"), [
    ({**JOB, "wafer_ids": []}, {}),
    ({**JOB, "wafer_ids": ["L24-0117-W01", "L24-0117-W01"]}, {}),
    ({**JOB, "wafer_ids": ["wafer one"]}, {}),
    ({**JOB, "wafer_ids": ["L24-0999-W01"]}, {}),            # well-formed, not in the archive
    ({**JOB, "wafer_ids": ["L24-0117-W26"]}, {}),            # slot 26 does not exist
    ({**JOB, "target_cd_nm": 0}, {}),
    ({**JOB, "target_cd_nm": "45"}, {}),
    ({**JOB, "tolerance_pct": 75}, {}),
    ({**JOB, "step_ms": -1}, {}),
    ({**JOB, "priority": "high"}, {}),
    ({"wafer_ids": WAFERS}, {}),
    (JOB, {"Idempotency-Key": "has spaces"}),
    (JOB, {"Idempotency-Key": "k" * 65}),
])
def test_bad_input_is_a_400_problem_and_stores_nothing(client, app, archive, payload, headers):
    response = client.post("/jobs/", json=payload, headers=headers)
    assert response.status_code == 400, f"POST {payload} {headers} -> {response.status_code}"
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert (body["status"], body["instance"]) == (400, "/jobs/")
    assert body["detail"]
    assert stored_jobs(app) == 0
    assert archive.calls == [], "nothing was run"


def test_a_body_that_is_not_json_is_a_400_problem(client, app):
    response = client.post("/jobs/", data="wafers=all", content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert stored_jobs(app) == 0


def test_unknown_jobs_and_pages_are_404_problems(client):
    for path in ("/jobs/3f1e0c3c-0000-4000-8000-000000000000", "/no-such-page"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == PROBLEM
        assert response.get_json()["instance"] == path


def test_celery_info_eager_and_with_a_broker(client):
    info = client.get("/celery/").get_json()
    assert (info["mode"], info["worker_command"], info["acks_late"]) == ("eager", None, False)

    app = create_app(Settings(database_url="sqlite://",
                              celery_broker_url="redis://:secret@broker.internal:6379/1",
                              visibility_timeout_s=900))
    info = app.test_client().get("/celery/").get_json()
    app.extensions["celery"].close()
    assert info["mode"] == "worker"
    assert info["worker_command"] == "celery -A ch07_demo.worker worker -l info"
    assert "secret" not in info["broker"]
    assert (info["acks_late"], info["visibility_timeout_s"]) == (True, 900)
    assert info["beat_schedule"] == {
        "purge-finished-jobs": {"task": "ch07.purge_finished_jobs", "every_s": 3600.0}
    }


def test_settings_read_the_environment():
    settings = Settings.from_env({"CELERY_BROKER_URL": "redis://b:6379/1",
                                  "CELERY_VISIBILITY_TIMEOUT": "120",
                                  "ARCHIVE_FLAKINESS": "0.25"})
    config = settings.celery_config()
    assert config["broker_url"] == config["result_backend"] == "redis://b:6379/1"
    assert config["broker_transport_options"] == {"visibility_timeout": 120}
    assert (config["task_acks_late"], config["worker_prefetch_multiplier"]) == (True, 1)
    assert settings.archive_flakiness == 0.25
    assert Settings.from_env({}).celery_config()["task_always_eager"] is True
    for bad in ({"CELERY_VISIBILITY_TIMEOUT": "0"}, {"CELERY_VISIBILITY_TIMEOUT": "1h"},
                {"ARCHIVE_FLAKINESS": "2"}, {"JOB_RETENTION_HOURS": "x"}):
        with pytest.raises(ConfigError):
            Settings.from_env(bad)


def test_the_purge_deletes_old_jobs_only(client, app):
    client.post("/jobs/", json=JOB)
    client.post("/jobs/", json={**JOB, "wafer_ids": WAFERS[:1]})
    purge = app.extensions["celery"].tasks["ch07.purge_finished_jobs"]
    now = datetime.now(UTC)
    assert purge.apply(kwargs={"now": now.isoformat()}).get() == 0
    assert purge.apply(kwargs={"now": (now + timedelta(hours=25)).isoformat()}).get() == 2
    assert stored_jobs(app) == 0


def test_main_prints_the_worker_command_when_a_broker_is_set(monkeypatch, capsys):
    from flask import Flask

    import ch07_demo.__main__ as demo_main

    monkeypatch.setattr(Flask, "run", lambda self, **kw: None)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    demo_main.main()
    assert "eager" in capsys.readouterr().out
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/1")
    demo_main.main()
    out = capsys.readouterr().out
    assert "celery -A ch07_demo.worker worker -l info" in out
    assert "Swagger UI: http://127.0.0.1:5000/swagger" in out


@pytest.mark.services
def test_a_job_on_a_worker_goes_through_its_states(tmp_path, redis_celery, archive,
                                                   worker_for, wait):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
                              celery_broker_url=redis_celery["broker_url"]))
    app.extensions["metrology_archive"] = archive
    celery_app = app.extensions["celery"]
    celery_app.conf.update({k: v for k, v in redis_celery.items() if k != "broker_url"})
    gate = archive.gate(WAFERS[1])
    client = app.test_client()
    with worker_for(celery_app):
        response = client.post("/jobs/", json=JOB)
        assert response.status_code == 202
        assert response.get_json()["state"] in ("PENDING", "STARTED", "PROGRESS")
        location = response.headers["Location"]
        body = wait(lambda: (b := client.get(location).get_json())["state"] == "PROGRESS" and b,
                    "PROGRESS after the first wafer")
        assert body["progress"] == {"done": 1, "total": 2, "percent": 50.0}
        gate.set()
        body = wait(lambda: (b := client.get(location).get_json())["state"] == "SUCCESS" and b,
                    "SUCCESS")
    assert body["result"]["points"] == 126
    celery_app.close()


@pytest.mark.services
def test_the_printed_worker_command_runs_a_worker(tmp_path, redis_url, redis_client, key_prefix,
                                                  wait):
    """``celery -A ch07_demo.worker worker`` from the demo folder, as the demo prints it."""
    database = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    queue = f"{key_prefix}jobs"
    env = {**os.environ, "CELERY_BROKER_URL": redis_url, "DATABASE_URL": database}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "ch07_demo.worker", "worker", "-l", "warning",
         "--pool", "solo", "-Q", queue, "--without-mingle", "--without-gossip"],
        cwd=DEMO_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    app = create_app(Settings(database_url=database, celery_broker_url=redis_url))
    app.extensions["celery"].conf.task_default_queue = queue
    client = app.test_client()
    location = ""
    try:
        location = client.post("/jobs/", json=JOB).headers["Location"]
        body = wait(lambda: (b := client.get(location).get_json())["state"] == "SUCCESS" and b,
                    "the worker process to finish the job", timeout=30)
        assert body["result"]["points"] == 126
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        app.extensions["celery"].close()
        # This worker has no key prefix: remove its queue, binding and result by name.
        redis_client.delete(queue, f"_kombu.binding.{queue}",
                            f"celery-task-meta-{location.rsplit('/', 1)[-1]}")
