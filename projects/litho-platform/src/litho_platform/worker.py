"""The Celery application of the worker and beat processes:

    celery -A litho_platform.worker worker
    celery -A litho_platform.worker beat

It is built by the app factory from the same environment as the web service (``celery`` is the
name Celery looks for). The signal handlers below shape the worker process itself: JSON logs,
database connections that are never shared across a fork, and the job metrics endpoint.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import setup_logging, worker_init, worker_process_init, worker_ready

from litho_platform import create_app, metrics, observability
from litho_platform.extensions import db

flask_app = create_app()
celery = flask_app.extensions["celery"]

logger = logging.getLogger("litho_platform.worker")


@setup_logging.connect
def _json_logs(**_: Any) -> None:
    # Connecting here replaces Celery's own logging set-up: Celery's records and the app's then
    # share one JSON format and the request id filter.
    observability.configure_process_logging(flask_app.config["LOG_LEVEL"])


@worker_init.connect
def _fresh_metrics(**_: Any) -> None:
    directory = flask_app.config["PROMETHEUS_MULTIPROC_DIR"]
    if directory:
        metrics.clear_multiprocess_directory(directory)


@worker_process_init.connect
def _own_connections(**_: Any) -> None:
    # The pool process was forked from a parent that may hold pooled database connections (the
    # app factory opens one); two processes on one socket corrupt both sessions. Forget them
    # without closing them: they remain the parent's.
    with flask_app.app_context():
        db.engine.dispose(close=False)


@worker_ready.connect
def _serve_metrics(**_: Any) -> None:
    port = flask_app.config["WORKER_METRICS_PORT"]
    if not port:
        return
    if not flask_app.config["PROMETHEUS_MULTIPROC_DIR"]:
        logger.warning("job metrics are not served: set PROMETHEUS_MULTIPROC_DIR for the worker")
        return
    metrics.serve_worker_metrics(port)
    logger.info("job metrics served", extra={"port": port, "path": "/metrics"})
