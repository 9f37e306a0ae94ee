"""Graded tests of ex02_progress: progress reported per wafer, every state mapped to clear JSON.

The states a task stores are recorded by wrapping the result backend (eagerly), or observed
through the status API while a real worker holds the task at a wafer (the test archive's gates).
"""

from __future__ import annotations

import json

import pytest

from ch07_demo.services.archive import ArchiveTimeout, WaferNotFound, fem_measurements

HINT = (
    "Call self.update_state(state='PROGRESS', meta={'done': i, 'total': n, 'wafer_id': w}) "
    "after each wafer (bind=True gives you self); job_status reads result.state and "
    "result.info, and never result.traceback."
)

WAFERS = ["L24-0117-W01", "L24-0117-W02", "L24-0118-W07"]
TARGET, TOL = 45.0, 8.0


def expected_counts(wafer_id):
    cds = [m.cd_nm for m in fem_measurements(wafer_id)]
    return len(cds), sum(abs(cd - TARGET) <= TARGET * TOL / 100 for cd in cds)


def recorded_states(celery_app):
    """Every (state, meta) the backend is asked to store from now on."""
    backend = celery_app.backend
    original = backend.store_result
    states = []

    def store_result(task_id, result, state, *args, **kwargs):
        states.append((state, result))
        return original(task_id, result, state, *args, **kwargs)

    backend.store_result = store_result
    return states


@pytest.mark.points(3)
def test_the_task_reports_progress_after_each_wafer(ex, make_app):
    app = make_app()
    celery_app = app.extensions["celery"]
    states = recorded_states(celery_app)
    task = celery_app.tasks["ch07.ex02.measure_wafers"]
    result = task.apply_async(args=(WAFERS, TARGET, TOL))

    progress = [meta for state, meta in states if state == "PROGRESS"]
    assert progress == [
        {"done": 1, "total": 3, "wafer_id": WAFERS[0]},
        {"done": 2, "total": 3, "wafer_id": WAFERS[1]},
        {"done": 3, "total": 3, "wafer_id": WAFERS[2]},
    ], f"PROGRESS states stored for {WAFERS}: {progress}"
    assert [s for s, _ in states if s in ("PROGRESS", "SUCCESS")][-1] == "SUCCESS"
    assert result.state == "SUCCESS", result.result


@pytest.mark.points(2)
def test_the_result_summarises_every_wafer_in_order(ex, make_app, archive):
    app = make_app()
    task = app.extensions["celery"].tasks["ch07.ex02.measure_wafers"]
    body = task.apply_async(args=(WAFERS, TARGET, TOL)).get(timeout=5)
    assert archive.calls == WAFERS, "each wafer is read once, in order"
    assert [w["wafer_id"] for w in body["wafers"]] == WAFERS
    counts = [expected_counts(w) for w in WAFERS]
    assert [(w["points"], w["in_spec"]) for w in body["wafers"]] == counts
    points, passing = sum(c[0] for c in counts), sum(c[1] for c in counts)
    assert (body["points"], body["in_spec"]) == (points, passing)
    assert body["in_spec_fraction"] == round(passing / points, 4)


@pytest.mark.points(3)
def test_job_status_maps_every_state_to_one_document(ex, make_app):
    celery_app = make_app().extensions["celery"]
    backend = celery_app.backend

    def status(task_id):
        return ex.job_status(celery_app.AsyncResult(task_id))

    empty = {"progress": None, "result": None, "error": None}
    assert status("never-sent") == {"id": "never-sent", "state": "PENDING", "ready": False,
                                    **empty}
    backend.store_result("t-started", {"pid": 7, "hostname": "worker@fab"}, "STARTED")
    assert status("t-started") == {"id": "t-started", "state": "STARTED", "ready": False,
                                   **empty}
    backend.store_result("t-progress", {"done": 2, "total": 3, "wafer_id": "W2"}, "PROGRESS")
    assert status("t-progress") == {
        "id": "t-progress", "state": "PROGRESS", "ready": False,
        "progress": {"done": 2, "total": 3, "percent": 66.7, "wafer_id": "W2"},
        "result": None, "error": None,
    }
    backend.store_result("t-zero", {"done": 0, "total": 0}, "PROGRESS")
    assert status("t-zero")["progress"] == {"done": 0, "total": 0, "percent": 0.0}
    backend.mark_as_retry("t-retry", ArchiveTimeout("archive did not answer in 30 s"))
    assert status("t-retry") == {
        "id": "t-retry", "state": "RETRY", "ready": False, "progress": None, "result": None,
        "error": {"type": "ArchiveTimeout", "message": "archive did not answer in 30 s"},
    }
    backend.mark_as_done("t-done", {"points": 63})
    assert status("t-done") == {"id": "t-done", "state": "SUCCESS", "ready": True,
                                "progress": None, "result": {"points": 63}, "error": None}


@pytest.mark.points(2)
def test_a_failure_says_why_without_a_traceback(ex, make_app):
    celery_app = make_app().extensions["celery"]
    celery_app.backend.mark_as_failure(
        "t-failed", WaferNotFound("no wafer L24-0999-W01 in the archive"),
        traceback='Traceback (most recent call last):\n  File "tasks.py", line 3',
    )
    body = ex.job_status(celery_app.AsyncResult("t-failed"))
    assert body == {
        "id": "t-failed", "state": "FAILURE", "ready": True, "progress": None, "result": None,
        "error": {"type": "WaferNotFound", "message": "no wafer L24-0999-W01 in the archive"},
    }
    assert "Traceback" not in json.dumps(body)


@pytest.mark.points(3)
def test_submit_and_read_a_job_over_http(ex, make_app, archive):
    app = make_app()
    app.register_blueprint(ex.create_jobs_blueprint(app.extensions["celery"]))
    client = app.test_client()
    payload = {"wafer_ids": WAFERS[:2], "target_cd_nm": TARGET, "tolerance_pct": TOL}
    response = client.post("/measure-jobs", json=payload)
    assert response.status_code == 202, f"POST {payload} -> {response.status_code}"
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/measure-jobs/{body['id']}")
    # Eager: the job ran inside the request.
    assert (body["state"], body["ready"], body["error"]) == ("SUCCESS", True, None)
    assert [w["wafer_id"] for w in body["result"]["wafers"]] == WAFERS[:2]

    again = client.get(response.headers["Location"])
    assert again.status_code == 200
    assert again.get_json() == body
    missing = client.get("/measure-jobs/5d0c6a1e-0000-4000-8000-000000000000")
    assert missing.status_code == 404, "Celery says PENDING for any id: the API must know better"
    assert missing.get_json()["error"]

    archive.always_fail("L24-0117-W09", WaferNotFound("no wafer L24-0117-W09 in the archive"))
    failed = client.post("/measure-jobs", json={**payload, "wafer_ids": ["L24-0117-W09"]})
    assert failed.status_code == 202
    assert failed.get_json()["error"] == {
        "type": "WaferNotFound", "message": "no wafer L24-0117-W09 in the archive"
    }


BAD_SUBMISSIONS = [
    None,
    [],
    {"wafer_ids": [], "target_cd_nm": 45.0, "tolerance_pct": 10.0},
    {"wafer_ids": "L24-0117-W01", "target_cd_nm": 45.0, "tolerance_pct": 10.0},
    {"wafer_ids": ["L24-0117-W01", ""], "target_cd_nm": 45.0, "tolerance_pct": 10.0},
    {"wafer_ids": ["L24-0117-W01", "L24-0117-W01"], "target_cd_nm": 45.0, "tolerance_pct": 10.0},
    {"wafer_ids": [f"L24-0117-W{n:02d}" for n in range(51)], "target_cd_nm": 45.0,
     "tolerance_pct": 10.0},
    {"wafer_ids": ["L24-0117-W01"], "target_cd_nm": 0, "tolerance_pct": 10.0},
    {"wafer_ids": ["L24-0117-W01"], "target_cd_nm": "45", "tolerance_pct": 10.0},
    {"wafer_ids": ["L24-0117-W01"], "target_cd_nm": True, "tolerance_pct": 10.0},
    {"wafer_ids": ["L24-0117-W01"], "target_cd_nm": 45.0, "tolerance_pct": 0},
    {"wafer_ids": ["L24-0117-W01"], "target_cd_nm": 45.0, "tolerance_pct": 50.5},
    {"wafer_ids": ["L24-0117-W01"], "target_cd_nm": 45.0},
    {"wafer_ids": ["L24-0117-W01"], "target_cd_nm": 45.0, "tolerance_pct": 10.0, "lot": "x"},
]


@pytest.mark.points(3)
def test_a_bad_submission_is_a_400_and_sends_nothing(ex, make_app, archive):
    app = make_app()
    app.register_blueprint(ex.create_jobs_blueprint(app.extensions["celery"]))
    client = app.test_client()
    for payload in BAD_SUBMISSIONS:
        response = client.post("/measure-jobs", json=payload)
        assert response.status_code == 400, f"POST {payload!r} -> {response.status_code}"
        error = response.get_json().get("error")
        assert isinstance(error, str), f"POST {payload!r} -> {response.get_json()}"
        assert error, f"POST {payload!r}: say what is wrong"
        assert archive.calls == [], f"POST {payload!r} ran the job anyway"
        assert not app.extensions.get("ch07_ex02_jobs"), f"POST {payload!r} recorded a job"


@pytest.mark.points(1)
def test_the_largest_valid_submission_is_accepted(ex, make_app):
    app = make_app()
    app.register_blueprint(ex.create_jobs_blueprint(app.extensions["celery"]))
    payload = {"wafer_ids": [f"L24-0117-W{n:02d}" for n in range(1, 51)], "target_cd_nm": 45,
               "tolerance_pct": 50}
    response = app.test_client().post("/measure-jobs", json=payload)
    assert response.status_code == 202, f"50 wafers, tolerance 50 -> {response.status_code}"


@pytest.mark.points(3)
@pytest.mark.services
def test_a_client_watches_a_real_worker_progress(ex, make_app, archive, redis_celery,
                                                   worker_for, wait):
    app = make_app(celery=redis_celery)
    app.register_blueprint(ex.create_jobs_blueprint(app.extensions["celery"]))
    client = app.test_client()
    first, second = archive.gate(WAFERS[0]), archive.gate(WAFERS[1])

    with worker_for(app.extensions["celery"]):
        response = client.post("/measure-jobs", json={
            "wafer_ids": WAFERS[:2], "target_cd_nm": TARGET, "tolerance_pct": TOL,
        })
        assert response.status_code == 202
        location = response.headers["Location"]

        def state():
            return client.get(location).get_json()

        wait(lambda: state()["state"] == "STARTED", "STARTED while the first wafer is read")
        first.set()
        body = wait(lambda: (s := state())["state"] == "PROGRESS" and s, "PROGRESS 1 of 2")
        assert body["progress"] == {"done": 1, "total": 2, "percent": 50.0,
                                    "wafer_id": WAFERS[0]}
        assert body["ready"] is False
        second.set()
        body = wait(lambda: (s := state())["ready"] and s, "the job to finish")
    assert body["state"] == "SUCCESS", body
    assert [w["wafer_id"] for w in body["result"]["wafers"]] == WAFERS[:2]
