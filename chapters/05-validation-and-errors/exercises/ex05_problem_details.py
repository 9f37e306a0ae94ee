"""Exercise 05: RFC 9457 problem details for a FEM check endpoint, every failure included.

``POST /fem-checks`` takes a FEM run payload (the demo's ``FemRunIn``), stores nothing, and
answers 200 ``{"valid": true, "points": <number of measurements>}`` or a problem:

=====  ========================================================================================
415    Content-Type is not JSON (``request.is_json`` false: ``text/plain``, none at all)
413    the body is larger than ``MAX_CONTENT_LENGTH`` (Werkzeug's ``RequestEntityTooLarge``)
400    malformed JSON (``detail`` names line and column), a ``NaN``/``Infinity``/``-Infinity``
       literal, an object with the same key twice (``detail`` names the key), or a document
       nested deeper than ``MAX_DEPTH`` (``[]`` is depth 1, ``{"a": []}`` depth 2), including
       one too deep for Python's decoder (``RecursionError``)
422    the document fails ``FemRunIn``: ``validation_problem(field_errors(exc))`` with the
       demo's ``ch05_demo.schemas.errors.field_errors``
=====  ========================================================================================

Every problem is built by ``problem`` and carries the request ID of
``ch05_demo.request_id.current_request_id()`` (the test app runs ``request_id.init_app``).
"""

from __future__ import annotations

# Imports marked F401 are unused until the bodies are written.
import json  # noqa: F401
import re
from http import HTTPStatus  # noqa: F401
from typing import Any

from flask import Response, current_app, request  # noqa: F401
from flask_restx import Namespace, Resource
from pydantic import ValidationError  # noqa: F401
from werkzeug.exceptions import RequestEntityTooLarge  # noqa: F401

from ch05_demo.request_id import current_request_id  # noqa: F401
from ch05_demo.schemas.errors import field_errors  # noqa: F401
from ch05_demo.schemas.fem import FemRunIn  # noqa: F401

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://litho.example/problems/"
MAX_ERRORS = 20
MAX_DEPTH = 8
STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "request_id"})
# RFC 9457 section 3.2: extension names start with a letter, use letters, digits and "_", and
# are at least three characters long, so that every format can represent them.
EXTENSION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,}")

ns = Namespace("fem-checks", description="Check a FEM payload without storing it",
               path="/fem-checks")


class BodyRejected(Exception):
    """The request body cannot be used: ``status`` (400, 413 or 415) and a ``detail``."""

    def __init__(self, status: int, detail: str) -> None:
        raise NotImplementedError(
            "keep status and detail"
        )


def problem(
    status: int, detail: str, /, *, type_: str = "about:blank", title: str | None = None,
    **extensions: Any,
) -> Response:
    """A problem-details response (RFC 9457); ``status`` and ``detail`` are positional-only.

    Body: ``type``, ``title``, ``status`` (the response's status code, an int), ``detail``,
    ``instance`` (``request.path``), ``request_id``, then the extension members. Media type
    ``application/problem+json``; the response's ``X-Request-ID`` is the body's ``request_id``.

    ``title``: for ``about:blank`` it defaults to the status phrase (``HTTPStatus``); for any
    other ``type_`` it is required (``ValueError`` without it). ``ValueError`` for an extension
    named like a standard member or not matching ``EXTENSION_NAME``.
    """
    raise NotImplementedError(
        "check title and extension names, build the body, set mimetype and X-Request-ID"
    )


def validation_problem(errors: list[dict[str, str]]) -> Response:
    """422, type ``TYPE_BASE + "validation-error"``, title ``"Your request is not valid"``.

    ``detail`` is ``"<n> invalid values"`` (n = ``len(errors)``); ``errors`` holds the first
    ``MAX_ERRORS`` entries as given. With more than ``MAX_ERRORS``, the extension members
    ``error_count`` (n) and ``errors_truncated`` (true) are added; otherwise neither is there.
    """
    raise NotImplementedError(
        "422 with the first MAX_ERRORS errors; error_count and errors_truncated only when cut"
    )


def _no_constant(name: str) -> Any:
    raise NotImplementedError(
        "raise BodyRejected(400, ...) naming the literal"
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    raise NotImplementedError(
        "build the dict from the pairs; a key seen twice is BodyRejected(400, ...)"
    )


def _depth(value: Any) -> int:
    raise NotImplementedError(
        "iterative walk: 0 for a scalar, 1 for [] or {}, one more per level"
    )


def read_json() -> Any:
    """The request's JSON document, or ``BodyRejected`` (415, 413, 400) as in the table above."""
    raise NotImplementedError(
        "415 unless request.is_json; 413 from RequestEntityTooLarge; 400 for the rest"
    )


@ns.route("")
class FemCheck(Resource):
    @ns.response(200, "The payload is a valid FEM run")
    @ns.response(400, "Malformed JSON, NaN literal, duplicate key, or nested too deep")
    @ns.response(413, "Body too large")
    @ns.response(415, "Not JSON")
    @ns.response(422, "Invalid values, one entry per field")
    def post(self):
        """Check a FEM run payload; nothing is stored."""
        raise NotImplementedError(
            "read_json, FemRunIn.model_validate, then 200, a problem or validation_problem"
        )
