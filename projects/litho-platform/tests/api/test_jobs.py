"""Analysis jobs on the embedded default (Celery eager): runs that can be redelivered safely,
retries of transient failures only, time limits, batches and their overlap, retention, the
request id on published tasks. The same code against a real worker: tests/integration."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from billiard.einfo import ExceptionInfo
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from sqlalchemy import event, update
from sqlalchemy.exc import OperationalError

from litho import AnalysisOptions, Spec, analyze_groups, read_fem
from litho_platform.config import RETENTION_TASK
from litho_platform.errors import ServiceUnavailableError
from litho_platform.extensions import cache, db
from litho_platform.models import Analysis, AnalysisBatch, Dataset
from litho_platform.models.base import utcnow
from litho_platform.observability import current_request_id
from litho_platform.services import analyses, results_cache
from litho_platform.tasks import REQUEST_ID_HEADER, _send_request_id

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def start(client, user, dataset_id, **parameters):
    body = {"dataset_id": dataset_id, "target_cd": 45, "tolerance_pct": 10, **parameters}
    return client.post("/api/v1/analyses", json=body, headers=user.headers)


@pytest.fixture
def clean_dataset(upload, engineer, fem_bytes) -> int:
    return upload(engineer, fem_bytes(), "truth.csv").json["id"]


def test_a_redelivered_task_for_a_finished_analysis_does_nothing(app, client, engineer,
                                                                  clean_dataset):
    finished = start(client, engineer, clean_dataset).json
    assert (finished["status"], finished["attempts"]) == ("succeeded", 1)
    celery_app = app.extensions["celery"]
    celery_app.tasks[analyses.RUN_ANALYSIS_TASK].delay(finished["id"])
    again = client.get(f"/api/v1/analyses/{finished['id']}", headers=engineer.headers).json
    assert again["attempts"] == 1
    assert again["finished_at"] == finished["finished_at"]


def _lose_the_worker(app, analysis_id: int, seconds_ago: float) -> None:
    """Leave the analysis as a run that died would: running, started some time ago."""
    with app.app_context():
        db.session.execute(
            update(Analysis)
            .where(Analysis.id == analysis_id)
            .values(
                status="running",
                results=None,
                finished_at=None,
                started_at=utcnow() - timedelta(seconds=seconds_ago),
            )
        )
        db.session.commit()


def test_a_run_whose_lease_expired_is_taken_over_and_finished_once(app, client, engineer,
                                                                    clean_dataset):
    analysis_id = start(client, engineer, clean_dataset).json["id"]
    lease = app.config["ANALYSIS_TIME_LIMIT"] + analyses.LEASE_MARGIN_S
    _lose_the_worker(app, analysis_id, seconds_ago=lease + 1)
    app.extensions["celery"].tasks[analyses.RUN_ANALYSIS_TASK].delay(analysis_id)
    taken_over = client.get(f"/api/v1/analyses/{analysis_id}", headers=engineer.headers).json
    assert (taken_over["status"], taken_over["attempts"]) == ("succeeded", 2)
    assert taken_over["results"]["dose_to_size"] == pytest.approx(24.0, rel=1e-6)


def test_a_live_run_is_waited_for_not_run_twice(app, client, engineer, clean_dataset):
    analysis_id = start(client, engineer, clean_dataset).json["id"]
    _lose_the_worker(app, analysis_id, seconds_ago=1)
    with app.app_context(), pytest.raises(analyses.AnalysisBusy) as busy:
        analyses.run(analysis_id)
    lease = app.config["ANALYSIS_TIME_LIMIT"] + analyses.LEASE_MARGIN_S
    assert lease - 2 <= busy.value.retry_after <= lease
    with app.app_context():
        assert db.session.get(Analysis, analysis_id).attempts == 1


def test_transient_failures_are_retried_until_they_pass(app, client, engineer, clean_dataset,
                                                        monkeypatch):
    real_load = analyses.load_fem
    failures = iter([OperationalError("SELECT", {}, ConnectionError("database restarting"))] * 2)

    def flaky(dataset):
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real_load(dataset)

    monkeypatch.setattr(analyses, "load_fem", flaky)
    analysis = start(client, engineer, clean_dataset).json
    assert analysis["status"] == "succeeded"
    assert analysis["attempts"] == 3


def test_retries_back_off_with_jitter_and_stop(app):
    task = app.extensions["celery"].tasks[analyses.RUN_ANALYSIS_TASK]
    assert set(task.autoretry_for) == set(analyses.TRANSIENT_ERRORS)
    assert task.retry_backoff == 1
    assert task.retry_jitter is True
    assert task.retry_backoff_max == 60
    assert task.max_retries == 6


def thin_csv() -> bytes:
    """Valid FEM data with three foci: too few for a focus-degree-4 model."""
    frame = pd.read_csv(EXAMPLES / "fem_clean.csv")
    return frame[frame["Focus"].isin(sorted(frame["Focus"].unique())[:3])].to_csv(
        index=False
    ).encode()


def test_a_permanent_failure_is_not_retried(client, engineer, upload, monkeypatch):
    dataset = upload(engineer, thin_csv(), "thin.csv").json
    runs = []
    real_run = analyses.run
    monkeypatch.setattr(analyses, "run", lambda analysis_id: runs.append(real_run(analysis_id)))
    response = start(client, engineer, dataset["id"], focus_degree=4)
    assert response.json["status"] == "failed", response.json
    assert response.json["attempts"] == 1
    assert len(runs) == 1


def test_the_soft_time_limit_fails_the_analysis_with_a_clear_message(
    app, client, engineer, clean_dataset, monkeypatch
):
    def too_slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(analyses, "analyze", too_slow)
    analysis = start(client, engineer, clean_dataset).json
    limit = app.config["ANALYSIS_SOFT_TIME_LIMIT"]
    assert analysis["status"] == "failed"
    assert analysis["error"] == (
        f"The analysis exceeded its time limit of {limit} s and was stopped."
    )


def test_the_hard_time_limit_fails_the_analysis_from_the_worker_process(app, client, engineer,
                                                                        clean_dataset):
    analysis_id = start(client, engineer, clean_dataset).json["id"]
    _lose_the_worker(app, analysis_id, seconds_ago=1)
    task = app.extensions["celery"].tasks[analyses.RUN_ANALYSIS_TASK]
    try:
        raise TimeLimitExceeded(app.config["ANALYSIS_TIME_LIMIT"])
    except TimeLimitExceeded as exc:
        # What the worker's main process calls once it has killed the pool process.
        task.on_failure(exc, "task-id", (analysis_id,), {}, ExceptionInfo())
    failed = client.get(f"/api/v1/analyses/{analysis_id}", headers=engineer.headers).json
    assert failed["status"] == "failed"
    assert failed["error"] == (
        f"The analysis exceeded its hard time limit of {app.config['ANALYSIS_TIME_LIMIT']} s."
    )


def test_an_unreachable_broker_is_a_503_and_fails_the_analysis(make_app, sign_in, fem_bytes,
                                                               problem):
    app = make_app()
    celery_app = app.extensions["celery"]
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    client = app.test_client()
    headers = sign_in(app)
    dataset = client.post(
        "/api/v1/datasets",
        data={"file": (io.BytesIO(fem_bytes()), "fem.csv")},
        headers=headers,
        content_type="multipart/form-data",
    ).json
    response = client.post(
        "/api/v1/analyses",
        json={"dataset_id": dataset["id"], "target_cd": 45, "tolerance_pct": 10},
        headers=headers,
    )
    problem(response, 503, "queue_unavailable")
    assert int(response.headers["Retry-After"]) == ServiceUnavailableError.RETRY_AFTER_S
    history = client.get("/api/v1/analyses", headers=headers).json["items"]
    assert [item["status"] for item in history] == ["failed"]
    assert "could not be queued" in history[0]["error"]


def test_published_tasks_carry_the_request_id():
    headers: dict[str, str] = {}
    token = current_request_id.set("req-42")
    try:
        _send_request_id(headers=headers)
    finally:
        current_request_id.reset(token)
    assert headers == {REQUEST_ID_HEADER: "req-42"}
    outside_a_request: dict[str, str] = {}
    _send_request_id(headers=outside_a_request)
    assert outside_a_request == {}


def field_files() -> list[tuple[str, bytes]]:
    """fem_fields.csv split into one file per field: three wafers' worth of datasets."""
    frame = pd.read_csv(EXAMPLES / "fem_fields.csv")
    return [
        (f"field{field}.csv", part.drop(columns=["Field"]).to_csv(index=False).encode())
        for field, part in frame.groupby("Field")
    ]


@pytest.fixture
def field_datasets(upload, engineer) -> list[int]:
    return [upload(engineer, content, name).json["id"] for name, content in field_files()]


def test_a_batch_overlaps_its_datasets_windows_like_the_engine(client, engineer,
                                                               field_datasets):
    response = client.post(
        "/api/v1/analyses/batch",
        json={"dataset_ids": field_datasets, "target_cd": 45, "tolerance_pct": 10},
        headers=engineer.headers,
    )
    assert response.status_code == 202, response.json
    batch = client.get(response.headers["Location"], headers=engineer.headers).json
    assert batch["status"] == "succeeded"
    assert [member["dataset_id"] for member in batch["analyses"]] == field_datasets
    assert {member["status"] for member in batch["analyses"]} == {"succeeded"}
    aggregate = batch["aggregate"]
    assert aggregate["dataset_ids"] == field_datasets
    assert aggregate["model"]["kind"] == "overlap"
    assert aggregate["model"]["groups"] == 3
    # The engine's own overlap of the fields of the original file.
    engine = analyze_groups(
        read_fem(EXAMPLES / "fem_fields.csv"), "Field", Spec(45, 10), AnalysisOptions()
    )["overlap"]
    for ours, theirs in zip(aggregate["process_window"], engine["process_window"], strict=True):
        assert ours["dof"] == pytest.approx(theirs["dof"], rel=1e-9)
        assert ours["center_focus"] == pytest.approx(theirs["center_focus"], abs=1e-9)
    # examples/README.md: the common window's DOF is 0.384 µm at 5 % EL and 0.297 µm at 10 %.
    window = {row["el_pct"]: row["dof"] for row in aggregate["process_window"]}
    assert window[5.0] == pytest.approx(0.384, abs=0.01)
    assert window[10.0] == pytest.approx(0.297, abs=0.01)


def test_a_batch_reports_members_that_failed(client, engineer, field_datasets, upload):
    failing = upload(engineer, thin_csv(), "thin.csv").json["id"]
    batch = client.post(
        "/api/v1/analyses/batch",
        json={"dataset_ids": [*field_datasets[:2], failing], "target_cd": 45,
              "tolerance_pct": 10, "focus_degree": 4},
        headers=engineer.headers,
    ).json
    statuses = {member["dataset_id"]: member["status"] for member in batch["analyses"]}
    assert statuses[failing] == "failed"
    assert batch["status"] == "succeeded"
    assert batch["aggregate"]["dataset_ids"] == field_datasets[:2]
    failed_member = next(m for m in batch["analyses"] if m["dataset_id"] == failing)
    assert any(str(failed_member["id"]) in note for note in batch["aggregate"]["warnings"])


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"dataset_ids": [1, 1]}, 422),
        ({"dataset_ids": [1]}, 400),
        ({"dataset_ids": [1, 999]}, 404),
        ({"dataset_ids": [1, 2], "tolerance_pct": 0}, 422),
    ],
)
def test_bad_batches_are_refused_and_store_nothing(app, client, engineer, field_datasets,
                                                   problem, body, status):
    request = {"target_cd": 45, "tolerance_pct": 10, **body}
    problem(client.post("/api/v1/analyses/batch", json=request, headers=engineer.headers), status)
    with app.app_context():
        assert db.session.query(AnalysisBatch).count() == 0


def test_batches_are_private_and_writers_only(client, engineer, other_engineer, viewer,
                                              field_datasets, problem):
    body = {"dataset_ids": field_datasets[:2], "target_cd": 45, "tolerance_pct": 10}
    location = client.post(
        "/api/v1/analyses/batch", json=body, headers=engineer.headers
    ).headers["Location"]
    problem(client.get(location, headers=other_engineer.headers), 404)
    problem(client.post("/api/v1/analyses/batch", json=body, headers=viewer.headers), 403)


def test_retention_deletes_old_datasets_with_their_analyses_files_and_cache(
    app, client, engineer, upload, fem_bytes, files_in_store
):
    old, recent = (upload(engineer, fem_bytes(), f"{name}.csv").json["id"] for name in "ab")
    old_analysis = start(client, engineer, old).json["id"]
    client.get(f"/api/v1/analyses/{old_analysis}", headers=engineer.headers)
    with app.app_context():
        assert cache.get(results_cache.view_key(old_analysis)) is not None
        db.session.execute(
            update(Dataset)
            .where(Dataset.id == old)
            .values(created_at=utcnow() - timedelta(days=app.config["RETENTION_DAYS"] + 1))
        )
        db.session.commit()
    deleted = app.extensions["celery"].tasks[RETENTION_TASK].delay().get()
    assert deleted == 1
    with app.app_context():
        assert [d.id for d in db.session.query(Dataset)] == [recent]
        assert db.session.get(Analysis, old_analysis) is None
        assert cache.get(results_cache.view_key(old_analysis)) is None
    assert len(files_in_store()) == 1


def test_beat_schedules_retention_hourly_unless_it_is_off(make_app, monkeypatch):
    schedule = make_app().extensions["celery"].conf.beat_schedule
    (entry,) = schedule.values()
    assert entry["task"] == RETENTION_TASK
    assert entry["schedule"].minute == {17}
    assert len(entry["schedule"].hour) == 24
    monkeypatch.setenv("RETENTION_DAYS", "0")
    kept = make_app()
    assert kept.extensions["celery"].conf.beat_schedule == {}
    assert kept.extensions["celery"].tasks[RETENTION_TASK].delay().get() == 0


def test_a_finished_analysis_is_served_without_touching_the_database(app, client, engineer,
                                                                     clean_dataset):
    analysis_id = start(client, engineer, clean_dataset).json["id"]
    first = client.get(f"/api/v1/analyses/{analysis_id}", headers=engineer.headers)
    statements = []

    def record(connection, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        again = client.get(f"/api/v1/analyses/{analysis_id}", headers=engineer.headers)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert again.get_data() == first.get_data()
    assert again.json["results"]["dose_to_size"] == pytest.approx(24.0, rel=1e-6)
    # The token check only: one statement for the user and the blocklist together.
    assert len(statements) == 1
    assert "FROM users" in statements[0]
    assert "revoked_tokens" in statements[0]


def test_metrics_count_requests_by_endpoint_not_path(client, engineer, clean_dataset):
    analysis_id = start(client, engineer, clean_dataset).json["id"]
    for _ in range(3):
        client.get(f"/api/v1/analyses/{analysis_id}", headers=engineer.headers)
    text = client.get("/metrics").get_data(as_text=True)
    assert (
        'litho_http_request_duration_seconds_count{endpoint="analyses_analysis_item",'
        'method="GET",status="200"}'
    ) in text
    assert f"/api/v1/analyses/{analysis_id}" not in text
    assert 'litho_analysis_duration_seconds_count{outcome="succeeded"}' in text
