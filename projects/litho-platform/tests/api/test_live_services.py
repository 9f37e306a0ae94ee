"""The same code on the local PostgreSQL, Redis and RabbitMQ (skipped without them, failed
instead when REQUIRE_SERVICES=1): migrations, a prefixed Redis cache and limiter, and a real
Celery worker instead of eager mode."""

from __future__ import annotations

import io
import time
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from litho_platform import create_app
from litho_platform.extensions import cache, db

pytestmark = pytest.mark.services


@pytest.fixture
def postgres_database(postgres_url):
    """A throwaway database on the local server, so no other test's tables are touched."""
    name = f"litho_platform_{uuid.uuid4().hex[:12]}"
    admin_engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    with admin_engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin_engine.dispose()


def test_migrations_on_postgresql(postgres_database, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", postgres_database)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        upgrade()
        assert "analyses" in inspect(db.engine).get_table_names()
        client = app.test_client()
        response = client.post(
            "/api/v1/auth/register",
            json={
                "username": "alice",
                "email": "alice@fab.example",
                "password": "Reticle-Bossung-42",
            },
        )
        assert response.status_code == 201
        db.session.remove()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        db.engine.dispose()


def test_redis_cache_and_limits_stay_under_their_prefix(redis_url, make_app, sign_in, monkeypatch):
    monkeypatch.setenv("REDIS_URL", redis_url)
    store = redis.Redis.from_url(redis_url)
    foreign = f"someone-else:{uuid.uuid4().hex}"
    store.set(foreign, "keep me")
    try:
        app = make_app()
        client = app.test_client()
        ready = client.get("/health/ready").json
        assert ready["checks"]["cache"]["ok"] is True
        with app.app_context():
            cache.set("probe", "value")
            assert store.get("litho:probe") is not None
            cache.clear()
            assert store.get("litho:probe") is None
        assert store.get(foreign) == b"keep me"
        client.get("/api/v1/auth/me", headers=sign_in(app))
        assert any(store.scan_iter("LIMITS:LIMITER/litho/user:*"))
    finally:
        store.delete(foreign)
        for key in store.scan_iter("LIMITS:LIMITER/litho/*"):
            store.delete(key)


def test_analysis_runs_on_a_real_worker(amqp_url, make_app, sign_in, fem_bytes, monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", amqp_url)
    app = make_app()
    celery_app = app.extensions["celery"]
    assert celery_app.conf.task_always_eager is False
    client = app.test_client()
    headers = sign_in(app)
    dataset = client.post(
        "/api/v1/datasets",
        data={"file": (io.BytesIO(fem_bytes()), "fem.csv")},
        headers=headers,
        content_type="multipart/form-data",
    ).json
    queue = f"litho-test-{uuid.uuid4().hex[:8]}"
    celery_app.conf.task_default_queue = queue
    # Without heartbeats the worker's event loop wakes for the stop flag at once, instead of
    # at the next heartbeat check ten seconds later.
    celery_app.conf.broker_heartbeat = 0
    assert client.get("/health/ready").json["checks"]["broker"]["ok"] is True
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[queue]):
        response = client.post(
            "/api/v1/analyses",
            json={"dataset_id": dataset["id"], "target_cd": 45, "tolerance_pct": 10},
            headers=headers,
        )
        assert response.status_code == 202
        assert response.json["status"] in ("queued", "running", "succeeded")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            polled = client.get(response.headers["Location"], headers=headers).json
            if polled["status"] in ("succeeded", "failed"):
                break
            time.sleep(0.2)
    assert polled["status"] == "succeeded", polled
    assert polled["results"]["dose_to_size"] == pytest.approx(24.0, rel=1e-3)
