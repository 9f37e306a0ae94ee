"""Request IDs: one identifier per request, on ``g``, on the response and on every log record.

An ID that arrives in ``X-Request-ID`` is kept so that one ID follows a request through the proxy,
this service and whatever it calls. It is kept only when it is short and plain: the header is
client input that ends up in log lines, in headers sent onwards and in the tools that display
them, so anything else (newlines that forge log lines, markup, megabytes) is replaced.
"""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
# fullmatch, not match with "$": "$" also matches before a trailing newline.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def init_app(app: Flask) -> None:
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)


def _assign_request_id() -> None:
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def _echo_request_id(response: Response) -> Response:
    response.headers[HEADER] = g.request_id
    return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record: the current request's ID, or None outside a request.

    Attach it to a handler, not a logger: a logger's filters only see records logged on that very
    logger, not those propagated up from its children.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True
