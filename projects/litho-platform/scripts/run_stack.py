"""``make run-stack``: the platform in production shape on one machine.

Runs the migrations on DATABASE_URL (creating that PostgreSQL database if it does not exist),
then starts three process groups: gunicorn (2 workers unless WEB_CONCURRENCY says otherwise,
configured by deployment/gunicorn/gunicorn.conf.py, on 127.0.0.1:$PORT), a Celery worker and
Celery beat. It prints the URLs once the API is ready and stops all three on Ctrl-C or SIGTERM
(or as soon as one of them exits). Their logs go to this process's stdout and stderr.

Every variable the service reads may be set; these default to the local services:

    DATABASE_URL           postgresql+psycopg://postgres@127.0.0.1:5432/litho
    REDIS_URL              redis://127.0.0.1:6379/0   cache and rate-limit counters
    CELERY_BROKER_URL      redis://127.0.0.1:6379/1   the job queue
    CELERY_RESULT_BACKEND  redis://127.0.0.1:6379/2   chord bookkeeping of batches
    PORT                   8000                       the API (WORKER_METRICS_PORT 9808: jobs)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

REPO = Path(__file__).resolve().parents[3]
GUNICORN_CONFIG = REPO / "deployment" / "gunicorn" / "gunicorn.conf.py"
BIN = Path(sys.executable).parent

DEFAULTS = {
    "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/litho",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/1",
    "CELERY_RESULT_BACKEND": "redis://127.0.0.1:6379/2",
    "PORT": "8000",
    "WEB_CONCURRENCY": "2",
    "WORKER_METRICS_PORT": "9808",
    "CELERY_CONCURRENCY": "2",
}
READY_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30


def log(message: str) -> None:
    print(f"run-stack: {message}", file=sys.stderr, flush=True)


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named by ``url`` if it is missing (other URLs: nothing)."""
    target = make_url(url)
    if not target.drivername.startswith("postgresql"):
        return
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
                log(f"created database {target.database}")
    finally:
        server.dispose()


def start(name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
    # A session of its own: a signal meant for the whole group (its workers, its pool) reaches
    # all of it, and a Ctrl-C in this terminal reaches only this script, which stops it in order.
    process = subprocess.Popen(command, env=env, cwd=REPO, start_new_session=True)
    log(f"started {name} (pid {process.pid})")
    return process


def stop(processes: dict[str, subprocess.Popen]) -> None:
    """SIGTERM to each group (gunicorn and Celery then shut down warmly), SIGKILL to any group
    still alive after STOP_TIMEOUT_S."""
    for process in processes.values():
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for name, process in processes.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log(f"{name} did not stop within {STOP_TIMEOUT_S} s: killing it")
        # Whatever of the group outlived its leader goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_until_ready(base: str, processes: dict[str, subprocess.Popen]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/health/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the API was not ready within {READY_TIMEOUT_S} s")


class Stop(Exception):  # noqa: N818 (a request, not an error)
    """SIGINT or SIGTERM arrived."""


def _raise_stop(signum: int, frame: object) -> None:
    raise Stop


def main() -> int:
    env = {**os.environ}
    for name, value in DEFAULTS.items():
        env[name] = env.get(name) or value
    port = env["PORT"]
    env.setdefault("GUNICORN_BIND", f"127.0.0.1:{port}")
    runtime = Path(tempfile.mkdtemp(prefix="litho-stack-"))
    # gunicorn empties its metrics directory when it starts and so does the worker: one each.
    web_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(runtime / "web-metrics")}
    worker_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(runtime / "worker-metrics")}
    beat_env = {name: value for name, value in env.items() if name != "PROMETHEUS_MULTIPROC_DIR"}
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    processes: dict[str, subprocess.Popen] = {}
    try:
        try:
            ensure_database(env["DATABASE_URL"])
        except OperationalError as exc:
            log(f"cannot reach the database of DATABASE_URL: {exc.orig}")
            return 1
        migrate = subprocess.run(
            [str(BIN / "flask"), "--app", "litho_platform", "db", "upgrade"], env=env, cwd=REPO
        )
        if migrate.returncode != 0:
            log("the migrations failed")
            return 1
        celery = [str(BIN / "celery"), "-A", "litho_platform.worker"]
        processes["gunicorn"] = start(
            "gunicorn",
            [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONFIG), "litho_platform:create_app()"],
            web_env,
        )
        processes["worker"] = start(
            "celery worker",
            [*celery, "worker", "--loglevel", env.get("LOG_LEVEL", "INFO"),
             "--concurrency", env["CELERY_CONCURRENCY"]],
            worker_env,
        )
        processes["beat"] = start(
            "celery beat",
            [*celery, "beat", "--loglevel", env.get("LOG_LEVEL", "INFO"),
             "--schedule", str(runtime / "celerybeat-schedule")],
            beat_env,
        )
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(base, processes)
        print(f"Litho platform (production stack) on {base}", flush=True)
        print(f"  Swagger UI   {base}/swagger", flush=True)
        print(f"  OpenAPI spec {base}/swagger.json", flush=True)
        print(f"  Health       {base}/health/live  {base}/health/ready", flush=True)
        print(f"  Metrics      {base}/metrics  (jobs: http://127.0.0.1:"
              f"{env['WORKER_METRICS_PORT']}/metrics)", flush=True)
        print("  Ctrl-C stops gunicorn, the worker and beat", flush=True)
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    log(f"{name} exited with status {process.returncode}; stopping the rest")
                    return 1
            time.sleep(0.5)
    except Stop:
        log("stopping")
        return 0
    except RuntimeError as exc:
        log(str(exc))
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop(processes)
        shutil.rmtree(runtime, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
