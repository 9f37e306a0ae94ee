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

import json
import re
from http import HTTPStatus
from typing import Any

from flask import Response, current_app, request
from flask_restx import Namespace, Resource
from pydantic import ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from ch05_demo.request_id import current_request_id
from ch05_demo.schemas.errors import field_errors
from ch05_demo.schemas.fem import FemRunIn

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
        super().__init__(detail)
        self.status = status
        self.detail = detail


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
    if title is None:
        if type_ != "about:blank":
            raise ValueError(f"a problem of type {type_} needs its own title")
        title = HTTPStatus(status).phrase
    for name in extensions:
        if name in STANDARD_MEMBERS or not EXTENSION_NAME.fullmatch(name):
            raise ValueError(f"{name!r} cannot be an extension member")
    body = {"type": type_, "title": title, "status": status, "detail": detail,
            "instance": request.path, "request_id": current_request_id(), **extensions}
    response = current_app.response_class(json.dumps(body, allow_nan=False), status=status)
    response.mimetype = PROBLEM_JSON
    response.headers["X-Request-ID"] = body["request_id"]
    return response


def validation_problem(errors: list[dict[str, str]]) -> Response:
    """422, type ``TYPE_BASE + "validation-error"``, title ``"Your request is not valid"``.

    ``detail`` is ``"<n> invalid values"`` (n = ``len(errors)``); ``errors`` holds the first
    ``MAX_ERRORS`` entries as given. With more than ``MAX_ERRORS``, the extension members
    ``error_count`` (n) and ``errors_truncated`` (true) are added; otherwise neither is there.
    """
    extensions: dict[str, Any] = {"errors": errors[:MAX_ERRORS]}
    if len(errors) > MAX_ERRORS:
        extensions |= {"error_count": len(errors), "errors_truncated": True}
    return problem(422, f"{len(errors)} invalid values", type_=TYPE_BASE + "validation-error",
                   title="Your request is not valid", **extensions)


def _no_constant(name: str) -> Any:
    raise BodyRejected(400, f"{name} is not a JSON value")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise BodyRejected(400, f"key {key[:40]!r} appears twice in one object")
        document[key] = value
    return document


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def read_json() -> Any:
    """The request's JSON document, or ``BodyRejected`` (415, 413, 400) as in the table above."""
    if not request.is_json:
        raise BodyRejected(415, "send the body as application/json")
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise BodyRejected(413, f"the body exceeds {request.max_content_length} bytes") from None
    try:
        document = json.loads(raw, parse_constant=_no_constant,
                              object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise BodyRejected(400, f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise BodyRejected(400, f"malformed JSON at line {exc.lineno}, column {exc.colno}"
                           ) from None
    except ValueError:
        raise BodyRejected(400, "the body is not a readable JSON document") from None
    if _depth(document) > MAX_DEPTH:
        raise BodyRejected(400, f"JSON nested deeper than {MAX_DEPTH} levels")
    return document


@ns.route("")
class FemCheck(Resource):
    @ns.response(200, "The payload is a valid FEM run")
    @ns.response(400, "Malformed JSON, NaN literal, duplicate key, or nested too deep")
    @ns.response(413, "Body too large")
    @ns.response(415, "Not JSON")
    @ns.response(422, "Invalid values, one entry per field")
    def post(self):
        """Check a FEM run payload; nothing is stored."""
        try:
            document = read_json()
        except BodyRejected as exc:
            return problem(exc.status, exc.detail)
        try:
            run = FemRunIn.model_validate(document)
        except ValidationError as exc:
            return validation_problem(field_errors(exc))
        return {"valid": True, "points": len(run.measurements)}
