"""One identifier per request: kept from ``X-Request-ID`` when it is plain, generated otherwise.

It is on ``g``, on every response (errors included) and in every problem body, so a client can
quote it and an operator can find the log lines of that very request.
"""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
# fullmatch, not match with "$": "$" also matches before a trailing newline.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def init_app(app: Flask) -> None:
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)


def current_request_id() -> str | None:
    """The request's ID; made on first use when a handler runs before ``before_request``."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        _assign_request_id()
    return g.request_id


def _assign_request_id() -> None:
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def _echo_request_id(response: Response) -> Response:
    response.headers[HEADER] = current_request_id()
    return response
