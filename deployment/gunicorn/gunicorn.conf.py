"""Gunicorn settings for the litho platform, every one read from the environment.

    gunicorn -c deployment/gunicorn/gunicorn.conf.py "litho_platform:create_app()"

Gunicorn executes this file and takes the module-level names it knows as settings (it ignores
the others silently, so helpers here start with an underscore and the tests check the rest).
A malformed variable stops gunicorn with a message naming it. docs/deployment.md lists every
variable with its default.
"""

from __future__ import annotations

import os
from pathlib import Path

from gunicorn.glogging import Logger
from prometheus_client import multiprocess
from pythonjsonlogger.json import JsonFormatter

_LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


def _integer(name: str, default: int, minimum: int = 1, maximum: int | None = None) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def _usable_cores() -> int:
    # The CPUs this process may run on (a cpuset), not every core of the host.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _default_workers() -> int:
    # 2·cores+1 is gunicorn's rule of thumb; the cap keeps a large host from starting dozens of
    # workers that each hold pandas and matplotlib in memory.
    return min(2 * _usable_cores() + 1, _integer("GUNICORN_MAX_WORKERS", 8))


def _log_level() -> str:
    level = (os.environ.get("LOG_LEVEL") or "info").strip().lower()
    if level not in _LOG_LEVELS:
        raise ValueError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, got {level!r}")
    return level


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_integer('PORT', 8000, 1, 65535)}"
workers = _integer("WEB_CONCURRENCY", _default_workers())
threads = _integer("GUNICORN_THREADS", 1)
# gthread is what lets a worker hold keep-alive connections and overlap I/O waits; with one
# thread the plain sync worker is faster, since parsing and plotting hold the GIL anyway.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS") or ("gthread" if threads > 1 else "sync")
timeout = _integer("GUNICORN_TIMEOUT", 60)
graceful_timeout = _integer("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _integer("GUNICORN_KEEPALIVE", 5)
# Recycling workers bounds the memory that pandas and matplotlib accumulate; the jitter keeps
# the workers from all restarting at once.
max_requests = _integer("GUNICORN_MAX_REQUESTS", 1000, minimum=0)
max_requests_jitter = _integer("GUNICORN_MAX_REQUESTS_JITTER", 100, minimum=0)
# The workers' heartbeat files live on tmpfs: on an overlay or network disk a slow write can
# make the arbiter think a healthy worker hung and kill it.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or (
    "/dev/shm" if os.path.isdir("/dev/shm") else None
)
# create_app opens a database connection (the admin bootstrap); workers forked from a preloaded
# master would share that socket.
preload_app = False
# The default control socket lives under $HOME, which every gunicorn of a user shares and which
# is read-only in the container: opt in with a path.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET")
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket

loglevel = _log_level()
errorlog = "-"
_access_log = os.environ.get("GUNICORN_ACCESSLOG") or "-"
accesslog = None if _access_log == "off" else _access_log
# With an access log, its line is each request's log line: the app (REQUEST_LOG=server) writes
# no second one and leaves the user id in the environ for JsonLogger.access. An explicit
# REQUEST_LOG wins; raw_env reaches the workers, where the app reads it.
raw_env = ["REQUEST_LOG=server"] if accesslog and not os.environ.get("REQUEST_LOG") else []

_FORMATTER = JsonFormatter(
    # process: the workers write to one stream.
    "{asctime}{levelname}{name}{process}{message}",
    style="{",
    rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
)


class JsonLogger(Logger):
    """Gunicorn's error and access logs as one JSON object per line, like the app's own logs.

    Each access line is its request's log line (the app writes none of its own, see raw_env):
    it carries the request id the app answered with (X-Request-ID) and the user id the app left
    in the WSGI environ, so it joins the app's other lines and the Celery worker's task lines
    on the request id.
    """

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(_FORMATTER)

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        self.access_log.info(
            "access",
            extra={
                "request_id": atoms.get("{x-request-id}o") or atoms.get("{x-request-id}i"),
                "method": atoms["m"],
                "path": atoms["U"],
                "query": atoms["q"] or None,
                "status": int(atoms["s"]),
                "duration_ms": round(atoms["D"] / 1000, 2),
                "response_bytes": atoms["B"],
                "user_id": environ.get("litho.user_id"),
                "remote_addr": atoms["h"],
                "forwarded_for": atoms.get("{x-forwarded-for}i"),
                "user_agent": atoms["a"],
            },
        )


logger_class = JsonLogger


def on_starting(server):
    """Empty PROMETHEUS_MULTIPROC_DIR before the workers start: files left by a previous run's
    processes would otherwise be added into this run's counters."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    """Drop a dead worker's live gauges, so /metrics reports only processes that exist."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
