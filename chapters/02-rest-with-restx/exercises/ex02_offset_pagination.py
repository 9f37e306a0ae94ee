"""Exercise 02: offset pagination with links, for the wafer list.

``GET /wafers`` lists the demo's ``Wafer`` rows (``ch02_demo.models``), ordered by ``id``, one
page at a time. Errors go through ``ns.abort(status, detail, **extensions)``; the app renders
them as problem details.

Query parameters:

- ``page``: integer ≥ 1, default 1.
- ``per_page``: integer from 1 to ``MAX_PER_PAGE``, default ``DEFAULT_PER_PAGE``.
- ``lot_id``: optional; only the wafers of that lot.
- anything else is not interpreted, but is carried unchanged into every link.

A ``page`` or ``per_page`` that is not an integer or is out of range is a 400 problem whose
``errors`` maps each bad parameter to a message (both, when both are bad). Nothing is clamped.

The 200 body is ``{"items": [...], "total": n, "page": p, "per_page": pp, "links": {...}}``:
``items`` are ``{id, lot_id, slot, kind}``; ``total`` counts the matching wafers on all pages;
the last page is ``max(1, ceil(total / per_page))`` and a page past it has no items.
``links`` has ``self``, ``first``, ``prev``, ``next`` and ``last``: absolute URLs of this
endpoint (``request.base_url``) keeping every query parameter of the request, with ``page`` and
``per_page`` set for that page. ``prev`` is null on page 1, ``next`` is null from the last
page on. The same links, minus the null ones, go in an RFC 8288 ``Link`` header:
``<url>; rel="next", <url>; rel="last"`` (comma-separated).
"""

from __future__ import annotations

# Imports marked F401 are unused until the bodies are written.
import math  # noqa: F401
from urllib.parse import urlencode  # noqa: F401

from flask import request  # noqa: F401
from flask_restx import Namespace, Resource, fields
from sqlalchemy import func, select  # noqa: F401
from werkzeug.datastructures import MultiDict

from ch02_demo.extensions import db  # noqa: F401
from ch02_demo.models import Wafer  # noqa: F401

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20

ns = Namespace("wafers", description="Wafers, a page at a time", path="/wafers")

wafer_model = ns.model("Wafer", {
    "id": fields.String,
    "lot_id": fields.String,
    "slot": fields.Integer,
    "kind": fields.String,
})
links_model = ns.model("PageLinks", {
    "self": fields.String,
    "first": fields.String,
    "prev": fields.String,
    "next": fields.String,
    "last": fields.String,
})
wafer_page = ns.model("WaferPage", {
    "items": fields.List(fields.Nested(wafer_model)),
    "total": fields.Integer,
    "page": fields.Integer,
    "per_page": fields.Integer,
    "links": fields.Nested(links_model),
})


def parse_page_args(args: MultiDict[str, str]) -> tuple[int, int]:
    """``(page, per_page)`` from the query string, or abort with a 400 problem (see above)."""
    raise NotImplementedError(
        "parse both with defaults, collect an error per bad parameter, "
        "ns.abort(400, ..., errors=...) if any"
    )


def page_links(
    base_url: str, args: MultiDict[str, str], page: int, per_page: int, total: int
) -> dict[str, str | None]:
    """The five links of a page; ``prev``/``next`` are None where that page does not exist."""
    raise NotImplementedError(
        "keep args.items(multi=True) except page/per_page, add them back, urlencode"
    )


def link_header(links: dict[str, str | None]) -> str:
    """RFC 8288 ``Link`` header value for the non-null links, in the order given."""
    raise NotImplementedError('one <url>; rel="name" per non-null link, joined with ", "')


@ns.route("")
class WaferList(Resource):
    @ns.doc(params={
        "page": {"type": "integer", "default": 1},
        "per_page": {"type": "integer", "default": DEFAULT_PER_PAGE},
        "lot_id": "Only wafers of this lot",
    })
    @ns.marshal_with(wafer_page)
    def get(self):
        """List wafers by id, a page at a time."""
        raise NotImplementedError(
            "parse the page, COUNT the matching wafers, fetch one page ordered by id, "
            "return (body, 200, {'Link': ...})"
        )
