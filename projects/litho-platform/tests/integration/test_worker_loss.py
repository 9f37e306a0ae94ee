"""A real Celery worker on the Redis broker, killed with SIGKILL in the middle of an analysis:
nothing is lost and the analysis completes exactly once after a new worker starts.

Why it holds: the task is acknowledged only once it has finished (acks_late), so the killed
worker's message stays in the broker's unacked set; Redis hands it out again after the
visibility timeout (short here: 8 s, above the 6 s hard time limit, as config.py demands); the
new run claims the analysis because the dead run's lease (time limit + margin) has expired; a
run that finds the analysis finished would do nothing. Redis rather than RabbitMQ because it is
the broker the deployment files configure, and its redelivery path (visibility timeout, the
restore sweep) is the one that needs proving.

Also here: the soft time limit on a real worker fails the analysis with a clear message.
"""

from __future__ import annotations

import signal

import pytest
import redis

from litho_platform import create_app
from litho_platform.extensions import db
from litho_platform.models import Role
from litho_platform.services import users

pytestmark = pytest.mark.services

SOFT_LIMIT, HARD_LIMIT, VISIBILITY = 5, 6, 8


@pytest.fixture(scope="module")
def settings(helpers, database_url, redis_databases, tmp_path_factory):
    broker, results = redis_databases
    env = helpers.base_environment(
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker,
        CELERY_RESULT_BACKEND=results,
        INSTANCE_PATH=str(tmp_path_factory.mktemp("instance")),
        ANALYSIS_SOFT_TIME_LIMIT=str(SOFT_LIMIT),
        ANALYSIS_TIME_LIMIT=str(HARD_LIMIT),
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY),
        WORKER_METRICS_PORT="0",
        LOG_LEVEL="INFO",
    )
    helpers.migrate(env)
    return env


@pytest.fixture(scope="module")
def app(helpers, settings):
    """The web side, in this process: it publishes to the same broker the workers consume."""
    with helpers.environment({**settings, "APP_ENV": "testing"}):
        app = create_app()
    with app.app_context():
        users.register("crashtest", "crashtest@fab.example", helpers.PASSWORD, role=Role.ENGINEER)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def client(helpers, app):
    client = app.test_client()
    token = client.post("/api/v1/auth/login", json={
        "username": "crashtest", "password": helpers.PASSWORD,
    }).json["access_token"]
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture(scope="module")
def dataset_id(helpers, client):
    with (helpers.EXAMPLES / "fem_clean.csv").open("rb") as stream:
        response = client.post("/api/v1/datasets", data={"file": (stream, "fem_clean.csv")},
                               content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    return response.json["id"]


def start_worker(helpers, processes, settings, name: str, pause_at: str | None = None):
    celery = ["-A", "litho_platform.worker", "worker", "--pool", "prefork", "--concurrency",
              "1", "--loglevel", "INFO", "--without-mingle", "--without-gossip",
              "-n", f"{name}@%h"]
    if pause_at is None:
        command = [str(helpers.BIN / "celery"), *celery]
    else:
        script = helpers.PROJECT / "tests" / "integration" / "slow_worker.py"
        command = [str(helpers.BIN / "python"), str(script), pause_at, "60", *celery]
    worker = processes(name, command, settings)
    helpers.wait_for(
        lambda: any(line.get("message", "").endswith(" ready.") for line in worker.json_lines()),
        helpers.STARTUP_TIMEOUT_S, f"{name} to be ready", worker,
    )
    return worker


def analysis_lines(worker, analysis_id: int) -> list[dict]:
    return [line for line in worker.json_lines()
            if line.get("logger") == "litho_platform.analyses"
            and line.get("analysis_id") == analysis_id]


def start_analysis(client, dataset_id: int) -> int:
    response = client.post("/api/v1/analyses", json={
        "dataset_id": dataset_id, "target_cd": 45, "tolerance_pct": 10,
    })
    assert response.status_code == 202, response.json
    assert response.json["status"] == "queued"
    return response.json["id"]


def test_a_worker_killed_mid_analysis_loses_nothing_and_it_completes_once(
    helpers, processes, settings, client, dataset_id
):
    broker = redis.Redis.from_url(settings["CELERY_BROKER_URL"])
    doomed = start_worker(helpers, processes, settings, "doomed", pause_at="fit")
    analysis_id = start_analysis(client, dataset_id)
    path = f"/api/v1/analyses/{analysis_id}"
    running = helpers.wait_for(
        lambda: (document := client.get(path).json)["stage"] == "fit" and document,
        30, "the analysis to be running on the doomed worker", doomed,
    )
    assert (running["status"], running["attempts"]) == ("running", 1)

    doomed.signal_group(signal.SIGKILL)
    doomed.popen.wait(timeout=10)
    # Unacknowledged, so still the broker's: nothing was lost with the worker.
    assert broker.hlen("unacked") == 1
    assert client.get(path).json["status"] == "running"

    rescuer = start_worker(helpers, processes, settings, "rescuer")
    finished = helpers.wait_for(
        lambda: (document := client.get(path).json)["status"] in ("succeeded", "failed")
        and document,
        VISIBILITY + 30, "the redelivered analysis to finish", rescuer,
    )
    assert finished["status"] == "succeeded", finished
    helpers.assert_clean_example_truth(finished["results"])
    # Two runs started (the killed one and the rescue), one finished.
    assert finished["attempts"] == 2
    doomed_lines = analysis_lines(doomed, analysis_id)
    rescuer_lines = analysis_lines(rescuer, analysis_id)
    assert [(line["message"], line["attempt"]) for line in doomed_lines] == [
        ("analysis started", 1)
    ]
    assert [(line["message"], line["attempt"]) for line in rescuer_lines] == [
        ("analysis started", 2), ("analysis finished", 2),
    ]
    # Nothing is left to deliver again: the message was acknowledged once, by the rescuer.
    helpers.wait_for(lambda: broker.hlen("unacked") == 0, 10, "the acknowledgement")
    assert broker.llen("celery") == 0
    assert client.get(path).json["finished_at"] == finished["finished_at"]
    rescuer.stop()


def test_the_soft_time_limit_fails_the_analysis_on_a_real_worker(
    helpers, processes, settings, client, dataset_id
):
    start_worker(helpers, processes, settings, "sluggish", pause_at="fit")
    analysis_id = start_analysis(client, dataset_id)
    failed = helpers.wait_for(
        lambda: (document := client.get(f"/api/v1/analyses/{analysis_id}").json)["status"]
        in ("succeeded", "failed") and document,
        HARD_LIMIT + 20, "the time limit",
    )
    assert failed["status"] == "failed"
    assert failed["error"] == (
        f"The analysis exceeded its time limit of {SOFT_LIMIT} s and was stopped."
    )
