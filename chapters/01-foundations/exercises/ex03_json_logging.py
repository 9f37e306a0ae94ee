"""Exercise 03: one JSON log line per request for the litho platform.

Log shippers (Fluent Bit, Vector, the Cloud Logging agent) parse one JSON object per line into
searchable fields: status >= 500, path, duration_ms > 1000, request_id = "...". The line is
written by python-json-logger's formatter, so every value is escaped correctly and tracebacks
become a field instead of twenty loose lines.
"""

from __future__ import annotations

import logging

from flask import Flask

LOGGER_NAME = "litho.request"
SENSITIVE_PARAMS = frozenset({"token", "access_token", "api_key", "password"})
REDACTED = "[REDACTED]"


def build_formatter() -> logging.Formatter:
    """A python-json-logger ``JsonFormatter`` writing one JSON object per record with:

    ``timestamp`` (ISO 8601, UTC, from the record's creation time), ``level`` (the level name,
    e.g. "INFO"), ``message`` (the formatted message), and every field passed with ``extra=``.
    """
    raise NotImplementedError("configure pythonjsonlogger.json.JsonFormatter")


def redacted_query() -> dict[str, list[str]]:
    """The current request's query parameters, each name mapped to the list of its values.

    The values of a parameter whose name, compared case-insensitively, is in ``SENSITIVE_PARAMS``
    are each replaced by ``REDACTED``. No query string gives {}.
    """
    raise NotImplementedError("build the name -> values dict from request.args, redacting secrets")


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
    raise NotImplementedError("attach the handler, then log each request from teardown_request")
