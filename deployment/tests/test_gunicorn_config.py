"""deployment/gunicorn/gunicorn.conf.py: every setting from the environment, checked by loading
the file the way gunicorn does under different environments, and by one real boot."""

from __future__ import annotations

import json
import os
import runpy
import signal
import socket
import subprocess
import time
import types
import urllib.request
from pathlib import Path

import pytest
from gunicorn.config import Config

CONFIG = Path(__file__).resolve().parents[1] / "gunicorn" / "gunicorn.conf.py"


@pytest.fixture
def load_config(monkeypatch, checks):
    """Execute the config file with exactly the given variables set (among those it reads)."""

    def load(**env: str) -> dict:
        for name in checks.gunicorn_env_names():
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(CONFIG))

    return load


def settings_of(namespace: dict) -> dict:
    """What gunicorn takes from an executed config file: its public, lowercase names that are
    not modules or __future__ features."""
    return {
        name: value
        for name, value in namespace.items()
        if not name.startswith("_")
        and name.islower()
        and not isinstance(value, types.ModuleType)
        and type(value).__module__ != "__future__"
    }


def unknown_settings(namespace: dict) -> set[str]:
    """Names gunicorn would silently ignore: a misspelt setting does nothing, without a word."""
    return set(settings_of(namespace)) - set(Config().settings)


def test_defaults(load_config):
    config = load_config()
    cores = len(os.sched_getaffinity(0))
    assert config["bind"] == "0.0.0.0:8000"
    assert config["workers"] == min(2 * cores + 1, 8)
    assert (config["threads"], config["worker_class"]) == (1, "sync")
    assert (config["timeout"], config["graceful_timeout"], config["keepalive"]) == (60, 30, 5)
    assert (config["max_requests"], config["max_requests_jitter"]) == (1000, 100)
    assert config["worker_tmp_dir"] == ("/dev/shm" if Path("/dev/shm").is_dir() else None)
    assert config["accesslog"] == "-"
    assert config["raw_env"] == ["REQUEST_LOG=server"]
    assert config["loglevel"] == "info"
    assert config["preload_app"] is False
    assert config["control_socket_disable"] is True
    assert config["logger_class"].__name__ == "JsonLogger"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PORT": "9000"}, {"bind": "0.0.0.0:9000"}),
        ({"GUNICORN_BIND": "127.0.0.1:5001", "PORT": "9000"}, {"bind": "127.0.0.1:5001"}),
        ({"WEB_CONCURRENCY": "3"}, {"workers": 3}),
        ({"GUNICORN_MAX_WORKERS": "1"}, {"workers": 1}),
        ({"GUNICORN_THREADS": "4"}, {"threads": 4, "worker_class": "gthread"}),
        ({"GUNICORN_WORKER_CLASS": "gthread"}, {"worker_class": "gthread"}),
        ({"GUNICORN_TIMEOUT": "120", "GUNICORN_GRACEFUL_TIMEOUT": "20"},
         {"timeout": 120, "graceful_timeout": 20}),
        ({"GUNICORN_KEEPALIVE": "75"}, {"keepalive": 75}),
        ({"GUNICORN_MAX_REQUESTS": "0", "GUNICORN_MAX_REQUESTS_JITTER": "0"},
         {"max_requests": 0, "max_requests_jitter": 0}),
        ({"GUNICORN_WORKER_TMP_DIR": "/tmp"}, {"worker_tmp_dir": "/tmp"}),
        ({"GUNICORN_ACCESSLOG": "off"}, {"accesslog": None, "raw_env": []}),
        ({"REQUEST_LOG": "app"}, {"accesslog": "-", "raw_env": []}),
        ({"GUNICORN_ACCESSLOG": "/var/log/litho/access.log"},
         {"accesslog": "/var/log/litho/access.log"}),
        ({"LOG_LEVEL": "WARNING"}, {"loglevel": "warning"}),
        ({"GUNICORN_CONTROL_SOCKET": "/run/litho/gunicorn.ctl"},
         {"control_socket": "/run/litho/gunicorn.ctl", "control_socket_disable": False}),
    ],
)
def test_each_setting_follows_its_variable(load_config, env, expected):
    config = load_config(**env)
    assert {name: config[name] for name in expected} == expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WEB_CONCURRENCY": "two"}, "WEB_CONCURRENCY must be an integer"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY must be at least 1"),
        ({"PORT": "70000"}, "PORT must be from 1 to 65535"),
        ({"GUNICORN_TIMEOUT": "-5"}, "GUNICORN_TIMEOUT must be at least 1"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
    ],
)
def test_a_malformed_variable_stops_gunicorn_with_its_name(load_config, env, message):
    with pytest.raises(ValueError, match=message):
        load_config(**env)


@pytest.mark.parametrize(
    "env",
    [{}, {"GUNICORN_THREADS": "4", "GUNICORN_ACCESSLOG": "off"}, {"GUNICORN_CONTROL_SOCKET": "x"}],
)
def test_gunicorn_knows_and_accepts_every_setting(load_config, env):
    namespace = load_config(**env)
    assert unknown_settings(namespace) == set()
    config = Config()
    for name, value in settings_of(namespace).items():
        config.set(name, value)  # gunicorn's own validators; they raise on a bad value
    assert config.worker_class_str == namespace["worker_class"]


def test_a_misspelt_setting_is_caught(load_config):
    namespace = {**load_config(), "worker_timeout": 30}
    assert unknown_settings(namespace) == {"worker_timeout"}


def test_starting_empties_the_metrics_directory(load_config, monkeypatch, tmp_path):
    metrics = tmp_path / "prometheus"
    metrics.mkdir()
    (metrics / "counter_41.db").write_bytes(b"stale")
    (metrics / "histogram_41.db").write_bytes(b"stale")
    config = load_config(PROMETHEUS_MULTIPROC_DIR=str(metrics))
    config["on_starting"](None)
    assert list(metrics.iterdir()) == []


def test_starting_creates_a_missing_metrics_directory(load_config, tmp_path):
    metrics = tmp_path / "not-yet" / "prometheus"
    load_config(PROMETHEUS_MULTIPROC_DIR=str(metrics))["on_starting"](None)
    assert metrics.is_dir()


def test_a_dead_worker_leaves_no_live_gauge(load_config, tmp_path):
    metrics = tmp_path / "prometheus"
    metrics.mkdir()
    for name in ("gauge_liveall_41.db", "gauge_livesum_41.db", "gauge_liveall_42.db",
                 "counter_41.db"):
        (metrics / name).write_bytes(b"")
    config = load_config(PROMETHEUS_MULTIPROC_DIR=str(metrics))
    config["child_exit"](None, types.SimpleNamespace(pid=41))
    # The dead worker's counters stay: they are still part of the totals.
    assert sorted(path.name for path in metrics.iterdir()) == [
        "counter_41.db", "gauge_liveall_42.db",
    ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Answers as the platform does under this config: the request id in a header, the user id in
# the environ (REQUEST_LOG=server, which it reports back).
PROBE_APP = '''
import os

def app(environ, start_response):
    request_id = environ.get("HTTP_X_REQUEST_ID", "")
    environ["litho.user_id"] = 7
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Request-ID", request_id),
                              ("X-Request-Log", os.environ.get("REQUEST_LOG", ""))])
    return [b"ok"]
'''


def test_gunicorn_serves_logs_json_and_stops_gracefully(checks, validators, tmp_path):
    (tmp_path / "probe_app.py").write_text(PROBE_APP)
    port = _free_port()
    env = {name: value for name, value in os.environ.items()
           if name not in checks.gunicorn_env_names()}
    # A short graceful timeout bounds the stop: now and then (in full-suite runs on a busy
    # machine) one sync worker does not act on a SIGTERM sent milliseconds after the server
    # started, and the master kills it when the graceful timeout runs out, as in production.
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2",
               GUNICORN_GRACEFUL_TIMEOUT="5",
               PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"))
    server = subprocess.Popen(
        [validators.executable("gunicorn"), "-c", str(CONFIG), "--chdir", str(tmp_path),
         "probe_app:app"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/analyses?page=2", headers={"X-Request-ID": "rid-7"}
                )
                with urllib.request.urlopen(request, timeout=2) as response:
                    assert response.read() == b"ok"
                    assert response.headers["X-Request-Log"] == "server"
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start within 15 s"
                time.sleep(0.1)
        server.send_signal(signal.SIGTERM)
        stdout, stderr = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0, stderr
    access = [json.loads(line) for line in stdout.splitlines()]
    assert access == [access[0]]
    assert access[0] | {"time": None, "duration_ms": None} == {
        "time": None, "level": "INFO", "logger": "gunicorn.access",
        "process": access[0]["process"], "message": "access",
        "request_id": "rid-7", "method": "GET", "path": "/analyses", "query": "page=2",
        "status": 200, "duration_ms": None, "response_bytes": 2, "user_id": 7,
        "remote_addr": "127.0.0.1", "forwarded_for": None, "user_agent": access[0]["user_agent"],
    }
    assert access[0]["process"] != server.pid
    errors = [json.loads(line) for line in stderr.splitlines()]
    messages = [record["message"] for record in errors]
    assert sum(message.startswith("Booting worker") for message in messages) == 2
    assert "Shutting down: Master" in messages
    assert (tmp_path / "prometheus").is_dir()
