"""Exercise 03: one JSON log line per request for the litho platform.

Log shippers (Fluent Bit, Vector, the Cloud Logging agent) parse one JSON object per line into
searchable fields: status >= 500, path, duration_ms > 1000, request_id = "...". The line is
written by python-json-logger's formatter, so every value is escaped correctly and tracebacks
become a field instead of twenty loose lines.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request
from pythonjsonlogger.json import JsonFormatter

LOGGER_NAME = "litho.request"
SENSITIVE_PARAMS = frozenset({"token", "access_token", "api_key", "password"})
REDACTED = "[REDACTED]"


def build_formatter() -> logging.Formatter:
    """A python-json-logger ``JsonFormatter`` writing one JSON object per record with:

    ``timestamp`` (ISO 8601, UTC, from the record's creation time), ``level`` (the level name,
    e.g. "INFO"), ``message`` (the formatted message), and every field passed with ``extra=``.
    """
    return JsonFormatter(
        "{levelname}{message}",
        style="{",
        rename_fields={"levelname": "level"},
        timestamp=True,
    )


def redacted_query() -> dict[str, list[str]]:
    """The current request's query parameters, each name mapped to the list of its values.

    The values of a parameter whose name, compared case-insensitively, is in ``SENSITIVE_PARAMS``
    are each replaced by ``REDACTED``. No query string gives {}.
    """
    return {
        name: [REDACTED] * len(values) if name.lower() in SENSITIVE_PARAMS else values
        for name, values in request.args.lists()
    }


def init_request_logging(app: Flask, handler: logging.Handler) -> logging.Logger:
    """Log every request of ``app`` as one record on the logger ``LOGGER_NAME``; return that logger.

    Set ``build_formatter()`` on ``handler``, add ``handler`` to the logger, set the logger's level
    to INFO and stop it propagating (the root logger must not write the line a second time).

    Each request, including one that ends in 404, in a handled 500, or in an exception that
    escapes to the caller because PROPAGATE_EXCEPTIONS is on, produces exactly one record:

    - message: ``"<METHOD> <path> <status>"``, e.g. ``"GET /api/v2/wafers 200"``
    - level: ERROR when status >= 500, else INFO
    - extra fields: ``method``; ``path`` (without the query string); ``query``
      (``redacted_query()``); ``status`` (int; 500 for an exception that escaped);
      ``duration_ms`` (float >= 0, from the start of the request to the log call);
      ``request_id`` (``g.request_id`` when something set it, else None); ``remote_addr``
      (``request.remote_addr``: a proxy's X-Forwarded-For is ProxyFix's business, not ours).

    Request headers are never logged: Authorization and Cookie carry credentials. Emit from a
    ``teardown_request`` function (after_request is skipped when an exception escapes) using the
    status an ``after_request`` function recorded; a request context pushed without dispatching
    a request (``app.test_request_context()``) logs nothing.
    """
    handler.setFormatter(build_formatter())
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False

    @app.before_request
    def start_clock() -> None:
        g.request_log_started = time.perf_counter()

    @app.after_request
    def remember_status(response: Response) -> Response:
        g.request_log_status = response.status_code
        return response

    @app.teardown_request
    def log_request(error: BaseException | None) -> None:
        if "request_log_started" not in g:
            return
        status = g.get("request_log_status", 500)
        logger.log(
            logging.ERROR if status >= 500 else logging.INFO,
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={
                "method": request.method,
                "path": request.path,
                "query": redacted_query(),
                "status": status,
                "duration_ms": round((time.perf_counter() - g.request_log_started) * 1000, 3),
                "request_id": g.get("request_id"),
                "remote_addr": request.remote_addr,
            },
        )

    return logger
