"""Request IDs and structured logs: one JSON log line per request, correlated by X-Request-ID."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, request
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is echoed into logs and headers, so only short, plain tokens are accepted;
# anything else is replaced by a fresh id rather than refused.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

json_handler = logging.StreamHandler(sys.stderr)
json_handler.setFormatter(
    JsonFormatter(
        "{asctime}{levelname}{name}{message}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )
)

request_logger = logging.getLogger("litho_platform.request")


def configure_logging(app: Flask) -> None:
    """Send the app's log records to stderr as JSON, one object per line, at LOG_LEVEL."""
    logger = logging.getLogger("litho_platform")
    logger.removeHandler(default_handler)
    if json_handler not in logger.handlers:
        logger.addHandler(json_handler)
    logger.setLevel(app.config["LOG_LEVEL"])


def _assign_request_id() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    started = g.get("request_started")
    duration_ms = (time.perf_counter() - started) * 1000 if started is not None else None
    request_logger.info(
        "request",
        extra={
            "request_id": g.get("request_id"),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(duration_ms, 2) if duration_ms is not None else None,
            "user_id": g.get("user_id"),
            "remote_addr": request.remote_addr,
            "response_bytes": response.calculate_content_length(),
        },
    )
    return response


def register_request_hooks(app: Flask) -> None:
    app.before_request(_assign_request_id)
    app.after_request(_log_request)
