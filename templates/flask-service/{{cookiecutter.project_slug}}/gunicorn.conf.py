"""Gunicorn settings, read from the environment; gunicorn loads this file from its cwd.

Variable                   Meaning                                  Default
GUNICORN_BIND              address to listen on                     0.0.0.0:{{ cookiecutter.port }}
GUNICORN_WORKERS           worker processes                         2 x CPUs + 1
GUNICORN_THREADS           threads per worker                       1
GUNICORN_TIMEOUT           seconds before a stuck worker is killed  30
GUNICORN_GRACEFUL_TIMEOUT  seconds to finish requests on shutdown   25
GUNICORN_KEEPALIVE         seconds an idle connection stays open    5
LOG_LEVEL                  gunicorn's own log level                 INFO
PROMETHEUS_MULTIPROC_DIR   directory of the workers' metrics files  unset (the image sets it)
"""

import multiprocessing
import os
import shutil
from pathlib import Path

from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker
from prometheus_client import multiprocess

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:{{ cookiecutter.port }}")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Shorter than Kubernetes' default 30 s termination grace period, so requests in flight
# finish before the pod is killed.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The app logs every request as JSON already.
accesslog = None
# Worker heartbeats on a RAM disk: on a container's overlay filesystem they can stall.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None


def on_starting(server: Arbiter) -> None:
    """Start from an empty metrics directory: a previous run's files would be added in."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True)


def child_exit(server: Arbiter, worker: Worker) -> None:
    """Drop a dead worker's live gauges from the aggregated metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
