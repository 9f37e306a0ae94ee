{%- set r = cookiecutter.resource_name -%}
{%- set rs = cookiecutter.resource_plural -%}
"""The example Celery task: eagerly in the embedded default, and on a real worker.

The worker runs in a thread of the test process (celery.contrib.testing) and takes the
task from Redis; that test skips without Redis, or fails when REQUIRE_SERVICES=1.
"""

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import redis
from celery.contrib.testing.worker import start_worker
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.services import {{ rs }}
from {{ cookiecutter.project_slug }}.tasks.{{ rs }} import process_{{ r }}

URL = "/{{ rs }}"


def test_processing_runs_eagerly_without_a_broker(
    app: Flask, client: FlaskClient, write_headers: dict[str, str]
) -> None:
    assert app.extensions["celery"].conf.task_always_eager
    {{ r }}_id = client.post(URL, json={"name": "FEM"}, headers=write_headers).json["id"]
    assert client.get(f"{URL}/{{ '{' }}{{ r }}_id{{ '}' }}").json["processed_at"] is None

    response = client.post(f"{URL}/{{ '{' }}{{ r }}_id{{ '}' }}/process", headers=write_headers)

    assert response.status_code == 202
    assert response.json["task_id"]
    assert client.get(f"{URL}/{{ '{' }}{{ r }}_id{{ '}' }}").json["processed_at"] is not None


def test_processing_a_missing_{{ r }}_is_404(
    client: FlaskClient, write_headers: dict[str, str]
) -> None:
    assert client.post(f"{URL}/999/process", headers=write_headers).status_code == 404


def test_task_runs_on_a_worker_through_redis(
    make_app: Callable[..., Flask], redis_url: str, tmp_path: Path
) -> None:
    # A file database: the worker thread must see the rows the test writes.
    database_url = os.environ.get("DATABASE_URL", f"sqlite:///{tmp_path / 'worker.db'}")
    app = make_app(
        database_url=database_url,
        celery_broker_url=redis_url,
        celery_result_backend=redis_url,
    )
    celery_app = app.extensions["celery"]
    assert not celery_app.conf.task_always_eager
    # A queue of its own, so no other worker on a shared Redis takes the task.
    queue = f"test-{uuid.uuid4().hex}"
    celery_app.conf.task_default_queue = queue
    with app.app_context():
        {{ r }}_id = {{ rs }}.create_{{ r }}(db.session, "FEM").id

    try:
        with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=10):
            queued = process_{{ r }}.delay({{ r }}_id)
            result = queued.get(timeout=10)
            queued.forget()
    finally:
        # The broker keeps the queue's binding; drop it so a test run leaves nothing behind.
        with redis.Redis.from_url(redis_url) as store:
            store.delete(f"_kombu.binding.{queue}")

    assert result["id"] == {{ r }}_id
    with app.app_context():
        assert {{ rs }}.get_{{ r }}(db.session, {{ r }}_id).processed_at is not None
