"""Exercise 06: ETags, conditional GET with 304, and If-Match on writes (RFC 9110).

``strong_etag(representation)``: a strong entity tag for a JSON representation: the SHA-256
hex digest of its canonical JSON (``json.dumps(representation, sort_keys=True,
separators=(",", ":"))``, UTF-8), in double quotes: ``"3f1a..."`` (66 characters, no ``W/``).
Equal representations have equal tags whatever the order of their keys; any change of a
value changes the tag.

``none_match(header, etag)``: does an ``If-None-Match`` header value match ``etag``? Per RFC
9110 section 13.1.2 it uses the *weak* comparison: two tags match when their opaque parts are
equal, whether either is ``W/``-prefixed. The header is ``*`` (matches any current
representation) or a comma-separated list of tags (``"a", W/"b"``); None or empty never
matches. A tag matches only as a whole: ``"abc"`` does not match ``"abcd"``.

``match(header, etag)``: does an ``If-Match`` header allow a write? No header (None): yes.
``*``: yes. Otherwise the *strong* comparison (section 13.1.1): only a listed tag that is not
weak and equals ``etag`` (an empty header lists none).

Endpoints (the demo's services do the data work):

- ``GET /wafers/<wafer_id>``: 200 with the representation as body and headers ``ETag:
  strong_etag(body)`` and ``Cache-Control: no-cache`` (clients may store it but must
  revalidate). When ``If-None-Match`` matches: 304 with an empty body and the same ``ETag``
  and ``Cache-Control`` headers. An unknown wafer is a 404 problem, whatever the header says.
- ``PUT /wafers/<wafer_id>``: when ``If-Match`` does not allow the write, a 412 problem and
  nothing is stored; else ``update_wafer`` (400/404 problems from the service) and 200 with
  the new representation and its ``ETag``. Every accepted write changes the representation
  (its ``version`` grows), hence the tag.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from flask import Response, request
from flask_restx import Namespace, Resource
from werkzeug.http import parse_etags

from ch06_demo.extensions import db
from ch06_demo.services.errors import PreconditionFailed
from ch06_demo.services.wafers import get_wafer, representation, update_wafer


def strong_etag(body: Mapping[str, Any]) -> str:
    """``'"' + sha256(canonical JSON).hexdigest() + '"'`` (see the module doc)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return f'"{hashlib.sha256(canonical.encode("utf-8")).hexdigest()}"'


def _opaque(etag: str) -> str:
    return etag.removeprefix("W/").strip('"')


def none_match(header: str | None, etag: str) -> bool:
    """If-None-Match, weak comparison; ``*`` matches; None or empty does not."""
    if not header:
        return False
    tags = parse_etags(header)
    return tags.star_tag or tags.contains_weak(_opaque(etag))


def match(header: str | None, etag: str) -> bool:
    """If-Match, strong comparison; no header or ``*`` allows the write."""
    if header is None:
        return True
    tags = parse_etags(header)
    return tags.star_tag or tags.contains(_opaque(etag))


ns = Namespace("conditional", description="Wafers with ETags", path="/wafers")


@ns.route("/<string:wafer_id>")
class WaferItem(Resource):
    def get(self, wafer_id: str):
        body = representation(get_wafer(db.session, wafer_id))
        headers = {"ETag": strong_etag(body), "Cache-Control": "no-cache"}
        if none_match(request.headers.get("If-None-Match"), headers["ETag"]):
            return Response(status=304, headers=headers)
        return body, 200, headers

    def put(self, wafer_id: str):
        current = representation(get_wafer(db.session, wafer_id))
        if not match(request.headers.get("If-Match"), strong_etag(current)):
            raise PreconditionFailed(f"wafer {wafer_id} changed since that ETag")
        body = representation(update_wafer(db.session, wafer_id, request.get_json(silent=True)))
        return body, 200, {"ETag": strong_etag(body)}
