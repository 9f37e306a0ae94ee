"""Prometheus metrics at /metrics: request counts and latencies per route.

Under gunicorn each worker is a process with its own counters. When
PROMETHEUS_MULTIPROC_DIR is set (the image sets it), prometheus-client keeps the
values in files there and /metrics adds up every worker's, whichever worker answers.
"""

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from .extensions import limiter

REQUESTS = Counter(
    "http_requests",
    "HTTP requests answered, by method, route and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer HTTP requests, by method and route.",
    ["method", "route"],
)


def route_label() -> str:
    # The URL rule, not the path: /items/<int:item_id> is one series, not one per id.
    return request.url_rule.rule if request.url_rule else "<unmatched>"


def register_metrics(app: Flask) -> None:
    """Measure every request and serve the metrics at /metrics (exempt from rate limits)."""

    @app.before_request
    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def record(response: Response) -> Response:
        route = route_label()
        LATENCY.labels(request.method, route).observe(time.perf_counter() - g.metrics_started)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        return response

    app.add_url_rule("/metrics", "metrics", limiter.exempt(metrics_view))


def metrics_view() -> Response:
    """The Prometheus text exposition of this process, or of every worker in multiprocess mode."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
