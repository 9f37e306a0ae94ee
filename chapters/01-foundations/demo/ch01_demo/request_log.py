"""JSON logs: every record is one JSON object per line, and every request writes one record.

python-json-logger is a ``logging.Formatter``, so the same format covers the access line, every
``app.logger`` call and tracebacks (``exc_info`` becomes a string field). A format string such as
``'{"path": "%(path)s"}'`` breaks on the first value that holds a quote or a newline; a serializer
cannot.
"""

from __future__ import annotations

import logging
import sys
import time

from flask import Flask, Response, g, request
from pythonjsonlogger.json import JsonFormatter

from ch01_demo.request_id import RequestIdFilter

ROOT_LOGGER = "ch01_demo"  # app.logger ("ch01_demo.app") and the access log live below it
access_log = logging.getLogger("ch01_demo.request")
_HANDLER_NAME = "ch01_demo-json"


def json_formatter() -> JsonFormatter:
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,  # ISO 8601 in UTC, from the record's creation time
    )


def configure_logging(app: Flask) -> None:
    """Send the demo's logs as JSON lines to stdout, where a twelve-factor app writes its events.

    Logging is process-wide: building a second app replaces the handler instead of adding one,
    so each record is written once however many apps a test session creates.
    """
    logger = logging.getLogger(ROOT_LOGGER)
    for old in [h for h in logger.handlers if h.get_name() == _HANDLER_NAME]:
        logger.removeHandler(old)
    handler = logging.StreamHandler(sys.stdout)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)
    logger.setLevel(app.config["LOG_LEVEL"])
    # Our handler writes the line; propagating to the root logger would write it twice.
    logger.propagate = False


def init_app(app: Flask) -> None:
    app.before_request(_start_clock)
    app.after_request(_remember_status)
    app.teardown_request(_log_request)


def _start_clock() -> None:
    g.request_started = time.perf_counter()


def _remember_status(response: Response) -> Response:
    g.response_status = response.status_code
    return response


def _log_request(error: BaseException | None) -> None:
    if "request_started" not in g:
        return  # a request context pushed without dispatching a request (test_request_context)
    # Teardown runs even when an exception escaped every handler (after_request does not), so
    # such a request is logged too, as the 500 the client received.
    status = g.get("response_status", 500)
    access_log.info(
        "%s %s %s",
        request.method,
        request.path,
        status,
        extra={
            "method": request.method,
            "path": request.path,
            "status": status,
            "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 3),
            "remote_addr": request.remote_addr,
        },
    )
