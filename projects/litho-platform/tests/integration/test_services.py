"""The same code on each local service: Alembic up to head and down to base on PostgreSQL,
Redis keys that stay under the service's prefixes, and an analysis on a worker that consumes
from RabbitMQ (the broker the deployment files do not use, which the code supports too)."""

from __future__ import annotations

import io
import time
import uuid

import pytest
import redis
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from celery.contrib.testing.worker import start_worker
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from litho import generate_with_truth
from litho_platform import create_app
from litho_platform.extensions import cache, db
from litho_platform.models import Role
from litho_platform.services import users

pytestmark = pytest.mark.services


def test_migrations_go_up_to_the_models_and_down_to_nothing(helpers, database_url, tmp_path):
    with helpers.environment({"DATABASE_URL": database_url, "APP_ENV": "testing"}):
        app = create_app({"INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert tables == {"alembic_version", "users", "revoked_tokens", "datasets", "analyses",
                          "analysis_batches"}
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        users.register("alice", "alice@fab.example", helpers.PASSWORD)
        db.session.remove()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        db.engine.dispose()


def test_redis_keys_stay_under_the_services_prefixes(helpers, redis_databases, tmp_path):
    cache_url, _ = redis_databases
    store = redis.Redis.from_url(cache_url)
    foreign = f"someone-else:{uuid.uuid4().hex}"
    store.set(foreign, "keep me")
    with helpers.environment({"REDIS_URL": cache_url, "APP_ENV": "testing"}):
        app = create_app({"INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        db.create_all()
        users.register("bob", "bob@fab.example", helpers.PASSWORD)
    client = app.test_client()
    assert client.get("/health/ready").json["checks"]["cache"]["ok"] is True
    with app.app_context():
        cache.set("probe", "value")
        assert store.get("litho:probe") is not None
        cache.clear()
        assert store.get("litho:probe") is None
    assert store.get(foreign) == b"keep me"
    token = client.post("/api/v1/auth/login", json={
        "username": "bob", "password": helpers.PASSWORD,
    }).json["access_token"]
    response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    # One round trip counted the request and told the headers about its window.
    assert int(response.headers["X-RateLimit-Remaining"]) == int(
        response.headers["X-RateLimit-Limit"]
    ) - 1
    counters = list(store.scan_iter("ratelimit:litho:api:*/60:user:*"))
    assert len(counters) == 1
    assert store.get("auth-epoch:litho") is not None
    # Clearing the cache leaves the limits and the auth epoch alone.
    with app.app_context():
        cache.clear()
    assert store.get(counters[0]) is not None
    assert store.get("auth-epoch:litho") is not None


def test_an_analysis_runs_on_a_worker_fed_by_rabbitmq(helpers, amqp_server, redis_databases,
                                                      tmp_path):
    _, results_url = redis_databases
    settings = {"CELERY_BROKER_URL": amqp_server, "CELERY_RESULT_BACKEND": results_url,
                "APP_ENV": "testing"}
    with helpers.environment(settings):
        app = create_app({"INSTANCE_PATH": str(tmp_path)})
    celery_app = app.extensions["celery"]
    assert celery_app.conf.task_always_eager is False
    with app.app_context():
        db.create_all()
        users.register("carol", "carol@fab.example", helpers.PASSWORD, role=Role.ENGINEER)
    client = app.test_client()
    token = client.post("/api/v1/auth/login", json={
        "username": "carol", "password": helpers.PASSWORD,
    }).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    frame, _ = generate_with_truth()
    dataset = client.post(
        "/api/v1/datasets",
        data={"file": (io.BytesIO(frame.to_csv(index=False).encode()), "fem.csv")},
        headers=headers,
        content_type="multipart/form-data",
    ).json
    queue = f"litho-test-{uuid.uuid4().hex[:8]}"
    celery_app.conf.task_default_queue = queue
    # Without heartbeats the worker's event loop sees the stop flag at once, not at the next
    # heartbeat check seconds later.
    celery_app.conf.broker_heartbeat = 0
    assert client.get("/health/ready").json["checks"]["broker"]["ok"] is True
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[queue]):
        response = client.post(
            "/api/v1/analyses",
            json={"dataset_id": dataset["id"], "target_cd": 45, "tolerance_pct": 10},
            headers=headers,
        )
        assert response.status_code == 202
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            polled = client.get(response.headers["Location"], headers=headers).json
            if polled["status"] in ("succeeded", "failed"):
                break
            time.sleep(0.2)
    assert polled["status"] == "succeeded", polled
    assert polled["results"]["dose_to_size"] == pytest.approx(24.0, rel=1e-3)
