"""Request IDs and structured logs: one JSON log line per request, correlated by X-Request-ID.

The line is the app's own (``litho_platform.request``) unless REQUEST_LOG is ``server``: then
the server's access log is the request log, and the app, instead of writing a second line about
the same request, leaves what only it knows in the WSGI environ (USER_ID_ENVIRON) beside the
X-Request-ID response header. deployment/gunicorn/gunicorn.conf.py does so for gunicorn.

The request id lives in a context variable. The web process sets it for each request; a Celery
task started from a request carries it in its message headers and the worker sets it again
while the task runs. ``RequestIdFilter`` copies it onto every log record, so the web request's
lines and the worker's lines of the job it started share one ``request_id``.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar

from flask import Flask, Response, current_app, g, request
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

from litho_platform import metrics

REQUEST_ID_HEADER = "X-Request-ID"
USER_ID_ENVIRON = "litho.user_id"
# A caller's id is echoed into logs and headers, so only short, plain tokens are accepted;
# anything else is replaced by a fresh id rather than refused.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

current_request_id: ContextVar[str | None] = ContextVar("litho_request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (when one is current) to every record passing through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


json_handler = logging.StreamHandler(sys.stderr)
json_handler.setFormatter(
    JsonFormatter(
        # process: under gunicorn or Celery several processes write to one stream.
        "{asctime}{levelname}{name}{process}{message}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )
)
json_handler.addFilter(RequestIdFilter())

request_logger = logging.getLogger("litho_platform.request")


def valid_request_id(value: str | None) -> str | None:
    """``value`` if it is acceptable as a request id, else None."""
    return value if value and _VALID_REQUEST_ID.match(value) else None


def configure_logging(app: Flask) -> None:
    """Send the app's log records to stderr as JSON, one object per line, at LOG_LEVEL."""
    logger = logging.getLogger("litho_platform")
    logger.removeHandler(default_handler)
    logger.setLevel(app.config["LOG_LEVEL"])
    if json_handler not in logger.handlers:
        logger.addHandler(json_handler)
    # The handler above writes them; a root handler (a Celery worker's) must not write them again.
    logger.propagate = False


def configure_process_logging(level: str) -> None:
    """JSON logs for every logger of a process that is not a web server (the Celery worker and
    beat): the root logger gets the same handler, so Celery's own records match the app's."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(json_handler)
    root.setLevel(level)


def _assign_request_id() -> None:
    g.request_id = valid_request_id(request.headers.get(REQUEST_ID_HEADER)) or uuid.uuid4().hex
    current_request_id.set(g.request_id)
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    started = g.get("request_started")
    duration = time.perf_counter() - started if started is not None else None
    if duration is not None:
        metrics.observe_request(request.endpoint, request.method, response.status_code, duration)
    if current_app.config["REQUEST_LOG"] == "server":
        request.environ[USER_ID_ENVIRON] = g.get("user_id")
        return response
    request_logger.info(
        "request",
        extra={
            "request_id": g.get("request_id"),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(duration * 1000, 2) if duration is not None else None,
            "user_id": g.get("user_id"),
            "remote_addr": request.remote_addr,
            "response_bytes": response.calculate_content_length(),
        },
    )
    return response


def _forget_request_id(error: BaseException | None) -> None:
    # The worker thread or process serves the next request next: nothing may carry over.
    current_request_id.set(None)


def register_request_hooks(app: Flask) -> None:
    app.before_request(_assign_request_id)
    app.after_request(_log_request)
    app.teardown_request(_forget_request_id)
