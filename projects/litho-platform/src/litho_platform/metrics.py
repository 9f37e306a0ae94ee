"""Prometheus metrics: request latency, analysis jobs and queue depth.

- ``litho_http_request_duration_seconds{endpoint,method,status}``: every request, labelled by
  the flask-restx endpoint name (``analyses_analysis_item``), never the raw path, so ids do not
  multiply the series.
- ``litho_analysis_duration_seconds{outcome}``: each analysis run, recorded by the process that
  ran it (the Celery worker; the web process on the embedded default). Its ``_count`` series
  counts outcomes: succeeded, failed, timed_out.
- ``litho_queue_depth{queue}`` and ``litho_broker_up``: read from the broker when /metrics is
  scraped (bounded by a timeout), so the figure is the broker's, not a process's guess.

Under gunicorn and Celery's prefork pool several processes record metrics. With
``PROMETHEUS_MULTIPROC_DIR`` set, prometheus_client keeps each process's values in files there
and the collector adds them up: /metrics of any gunicorn worker reports the whole server. The
web server exposes request and queue metrics at /metrics; the Celery worker exposes the job
metrics its pool processes record on ``WORKER_METRICS_PORT``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from celery import Celery
from flask import Flask, Response, current_app
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric

logger = logging.getLogger("litho_platform.metrics")

BROKER_TIMEOUT_S = 2.0

REQUEST_SECONDS = Histogram(
    "litho_http_request_duration_seconds",
    "HTTP request latency by endpoint, method and status.",
    ["endpoint", "method", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
ANALYSIS_SECONDS = Histogram(
    "litho_analysis_duration_seconds",
    "Analysis run time by outcome (succeeded, failed, timed_out).",
    ["outcome"],
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)


def observe_request(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(endpoint or "unmatched", method, str(status)).observe(seconds)


def observe_analysis(outcome: str, seconds: float) -> None:
    ANALYSIS_SECONDS.labels(outcome).observe(seconds)


class QueueDepthCollector:
    """Messages waiting in each of the Celery app's queues, read from the broker at scrape time.

    An unreachable broker gives ``litho_broker_up 0`` and no depth, not a failed scrape.
    """

    def __init__(self, celery_app: Celery) -> None:
        self.celery_app = celery_app

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "litho_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        up = GaugeMetricFamily("litho_broker_up", "1 if the broker answered this scrape.")
        try:
            with self.celery_app.connection_for_read() as connection:
                connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_S)
                channel = connection.default_channel
                for name, queue in self.celery_app.amqp.queues.items():
                    # A non-passive declare with Celery's own queue definition: it answers for an
                    # empty Redis queue too (whose key does not exist) and changes nothing.
                    declared = queue.bind(channel).queue_declare()
                    depth.add_metric([name], declared.message_count)
        except Exception as exc:  # any failure means the broker could not be read this time
            logger.warning("queue depth unavailable: %s: %s", type(exc).__name__, exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield depth


def multiprocess_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def _scrape() -> Response:
    config = current_app.config
    process_metrics = generate_latest(
        multiprocess_registry() if config["PROMETHEUS_MULTIPROC_DIR"] else REGISTRY
    )
    broker_metrics = b""
    if not config["CELERY"]["task_always_eager"]:
        registry = CollectorRegistry()
        registry.register(QueueDepthCollector(current_app.extensions["celery"]))
        broker_metrics = generate_latest(registry)
    return Response(process_metrics + broker_metrics, mimetype=CONTENT_TYPE_LATEST)


def register_metrics_endpoint(app: Flask) -> None:
    """GET /metrics in the Prometheus text format (kept off the public routes by the proxy)."""
    app.add_url_rule("/metrics", "metrics", _scrape, methods=["GET"])


def clear_multiprocess_directory(directory: str) -> None:
    """Empty a metrics directory before a server's processes start writing to it: files of a
    previous run's processes would otherwise be added into this run's counters."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def serve_worker_metrics(port: int) -> None:
    """Serve the multiprocess metrics of a Celery worker's pool on ``port`` (all interfaces)."""
    start_http_server(port, registry=multiprocess_registry())
