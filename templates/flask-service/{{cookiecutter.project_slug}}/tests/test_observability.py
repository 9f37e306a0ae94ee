"""Request ids, JSON request logs, Prometheus metrics and the gunicorn settings."""

import json
import logging
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from {{ cookiecutter.project_slug }} import logs

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_request_id_is_created_and_returned(client: FlaskClient) -> None:
    first = client.get("/health/live").headers["X-Request-ID"]
    second = client.get("/health/live").headers["X-Request-ID"]

    assert len(first) == 32
    assert first != second


def test_incoming_request_id_is_kept(client: FlaskClient) -> None:
    response = client.get("/health/live", headers={"X-Request-ID": "edge-42.a_b"})

    assert response.headers["X-Request-ID"] == "edge-42.a_b"


def test_unsafe_request_id_is_replaced(client: FlaskClient) -> None:
    response = client.get("/health/live", headers={"X-Request-ID": "<script>alert(1)</script>"})

    assert response.headers["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(response.headers["X-Request-ID"]) == 32


def test_each_request_is_logged_with_its_id(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=logs.__name__):
        client.get("/{{ cookiecutter.resource_plural }}", headers={"X-Request-ID": "trace-1"})

    [record] = [r for r in caplog.records if r.name == logs.__name__]
    assert (record.request_id, record.method, record.status) == ("trace-1", "GET", 200)
    assert record.path == "/{{ cookiecutter.resource_plural }}"
    assert record.duration_ms >= 0


def test_log_lines_are_json() -> None:
    record = logging.LogRecord("app", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    record.request_id = "trace-2"

    line = json.loads(logs.json_handler().format(record))

    assert line["message"] == "hello world"
    assert (line["level"], line["logger"], line["request_id"]) == ("INFO", "app", "trace-2")
    assert "time" in line


def test_metrics_count_requests_by_route(client: FlaskClient) -> None:
    route = "/{{ cookiecutter.resource_plural }}/<int:{{ cookiecutter.resource_name }}_id>"
    labels = {"method": "GET", "route": route, "status": "404"}
    before = REGISTRY.get_sample_value("http_requests_total", labels) or 0

    client.get("/{{ cookiecutter.resource_plural }}/12345")

    assert REGISTRY.get_sample_value("http_requests_total", labels) == before + 1
    exposition = client.get("/metrics").get_data(as_text=True)
    assert f'route="{route}",status="404"' in exposition
    assert "http_request_duration_seconds_bucket" in exposition


def test_metrics_add_up_worker_processes(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # prometheus-client picks multiprocess mode at import, so the "gunicorn worker" is a
    # process of its own: it serves one request, writes its counters and exits.
    worker_environment = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "APP_ENV": "testing",
        "DATABASE_URL": "sqlite://",
    }
    serve_one_request = (
        "from {{ cookiecutter.project_slug }}.app import create_app\n"
        "assert create_app().test_client().get('/health/live').status_code == 200\n"
    )
    subprocess.run(
        [sys.executable, "-c", serve_one_request],
        cwd=PROJECT_ROOT,
        env=worker_environment,
        check=True,
    )
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    scraped = client.get("/metrics").get_data(as_text=True)

    assert 'http_requests_total{method="GET",route="/health/live",status="200"} 1.0' in scraped


def test_gunicorn_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9000")
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"stale")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))

    settings = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    settings["on_starting"](None)

    assert (settings["workers"], settings["bind"]) == (3, "127.0.0.1:9000")
    assert list(metrics_dir.iterdir()) == []
