"""JSON logs on stdout, one line per request, every line tagged with the request id."""

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is echoed into logs and headers, so only a safe shape is accepted.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
# Paths polled by probes and scrapers: logged at DEBUG so they do not drown the rest.
QUIET_PATH_PREFIXES = ("/health/", "/metrics")
HANDLER_NAME = "json"

logger = logging.getLogger(__name__)


class RequestIdFilter(logging.Filter):
    """Add `request_id` to every record logged while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and "request_id" in g:
            record.request_id = g.request_id
        return True


def json_handler() -> logging.Handler:
    handler = logging.StreamHandler(sys.stdout)
    handler.set_name(HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter(
            ["asctime", "levelname", "name", "message"],
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    return handler


def configure_logging(app: Flask) -> None:
    """Send every logger's records through one JSON handler on the root logger.

    Safe to call once per app: the handler installed by an earlier call is replaced,
    and handlers installed by others (pytest's, gunicorn's) are left alone.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
    root.addHandler(json_handler())
    root.setLevel(app.config["LOG_LEVEL"])


def register_request_logging(app: Flask) -> None:
    """Give each request an id (X-Request-ID in and out) and log it when it is answered."""

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.request_id
        level = logging.DEBUG if request.path.startswith(QUIET_PATH_PREFIXES) else logging.INFO
        logger.log(
            level,
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": g.request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 2),
                "remote_addr": request.remote_addr,
            },
        )
        return response
