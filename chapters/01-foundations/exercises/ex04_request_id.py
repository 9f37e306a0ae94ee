"""Exercise 04: request IDs for the litho platform, from the edge to every log line and onwards.

The ingress proxy usually stamps ``X-Request-ID``; the service keeps it when it is safe, makes one
otherwise, returns it to the client (who quotes it in a support ticket), puts it on every log
record of the request and forwards it to the services it calls, so one search finds the whole
story of one request across services.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from flask import Flask

HEADER = "X-Request-ID"
MAX_LENGTH = 128
SAFE_ID = re.compile(r"[A-Za-z0-9._-]+")


def is_valid_request_id(value: str) -> bool:
    """True when ``value`` is 1 to ``MAX_LENGTH`` characters, each a letter (A-Z, a-z), a digit,
    ".", "_" or "-". Nothing else: no spaces, no newline (not even a trailing one), no non-ASCII.
    """
    raise NotImplementedError("check the length and the characters (use re.fullmatch)")


def new_request_id() -> str:
    """A fresh ID: 32 lowercase hex digits (``uuid.uuid4().hex``)."""
    raise NotImplementedError("return uuid.uuid4().hex")


def current_request_id() -> str | None:
    """``g.request_id`` inside a request, None outside one (or before ``init_request_id`` ran)."""
    raise NotImplementedError("read g.request_id inside a request context")


def init_request_id(app: Flask) -> None:
    """Give every request of ``app`` an ID.

    Before the request: ``g.request_id`` is the incoming ``X-Request-ID`` when
    ``is_valid_request_id`` accepts it, else ``new_request_id()``. After it: the response carries
    ``X-Request-ID: <g.request_id>``, error responses (404, 500) included.
    """
    raise NotImplementedError("register a before_request and an after_request function")


class RequestIdFilter(logging.Filter):
    """Sets ``record.request_id`` to ``current_request_id()`` on every record; never drops one.

    A record that already has a ``request_id`` attribute (passed with ``extra=``, e.g. by a worker
    thread logging for a request) keeps it. Meant for a handler: a logger's own filters do not see
    records propagated from child loggers.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        raise NotImplementedError("set record.request_id unless the record has one; keep it")


def outgoing_headers(headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """Headers for a call to another service: a copy of ``headers`` carrying the request's ID.

    Inside a request the copy has ``X-Request-ID: <current ID>``, replacing any ``X-Request-ID``
    in ``headers`` whatever its case. Outside a request the copy is unchanged (a background job
    may pass on an ID it was given). ``headers`` itself is never modified.
    """
    raise NotImplementedError("copy the headers and set X-Request-ID inside a request")
