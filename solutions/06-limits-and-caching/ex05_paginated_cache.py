"""Exercise 05: the paginated-cache pitfall, fixed.

``GET /wafers?page=&per_page=&lot_id=&status=`` lists the wafers the caller may see, a page at
a time (the demo's ``parse_page`` and ``list_page``): a token is required (401 problem
without a valid one); ``fab_scope(claims)`` says which fab (admins: every fab, ``None``).

The response is cached with Flask-Caching's ``@cache.cached(make_cache_key=list_cache_key,
...)``. Its default key is ``"view/" + request.path``: the same for ``?page=1`` and
``?page=2``, and for every caller. ``list_cache_key()`` must give:

- the same key for the same caller and the same query parameters in any order
  (``?page=2&per_page=3`` and ``?per_page=3&page=2``), repeated parameters included;
- different keys when any parameter value differs, when a parameter is repeated with other
  values, and when the caller differs (the verified token subject);
- no collisions by construction: ``?lot_id=L1%26page%3D2`` (one parameter whose value
  contains ``&`` and ``=``) is not ``?lot_id=L1&page=2``.

It starts with ``"wafers:"`` and is only called after the token was verified (the resource
checks the token before the cache is consulted, so a cached page is never served to a
request without a valid token). Errors (a 400 for ``page=0``) are not cached: use
``response_filter`` (Flask-Caching 2.5 caches a raised HTTP exception too, and gives the filter
its response).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from flask import request
from flask_caching import Cache
from flask_jwt_extended import get_jwt, get_jwt_identity, jwt_required
from flask_restx import Namespace, Resource

from ch06_demo.extensions import db
from ch06_demo.services.errors import ServiceError
from ch06_demo.services.wafers import list_page, parse_page

CACHE_TIMEOUT = 60

cache = Cache()


class Forbidden(ServiceError):
    status = 403


def fab_scope(claims: Mapping[str, Any]) -> str | None:
    """None (every fab) for ``role == "admin"``; else the ``fab`` claim, which must be a
    non-empty string (Forbidden, 403, otherwise: a token without a fab sees nothing)."""
    if claims.get("role") == "admin":
        return None
    fab = claims.get("fab")
    if not isinstance(fab, str) or not fab:
        raise Forbidden("the token carries no fab")
    return fab


def list_cache_key(*args: Any, **kwargs: Any) -> str:
    """The cache key of this list request (see the module doc). Flask-Caching passes the
    view's arguments; they do not matter here."""
    query = urlencode(sorted(request.args.items(multi=True)))
    return f"wafers:{quote(get_jwt_identity(), safe='')}:{query}"


ns = Namespace("pages", description="Wafer pages, cached per caller and query", path="/wafers")


@ns.route("")
class WaferPages(Resource):
    # restx applies these in order, each wrapping the one before: jwt_required() ends up
    # outermost, so the token is checked before the cache is consulted.
    method_decorators = [
        cache.cached(timeout=CACHE_TIMEOUT, make_cache_key=list_cache_key),
        jwt_required(),
    ]

    def get(self):
        """A page of the caller's wafers: ``{items, total, page, per_page, pages}``."""
        page, per_page = parse_page(request.args)
        return list_page(db.session, fab=fab_scope(get_jwt()), page=page, per_page=per_page,
                         lot_id=request.args.get("lot_id"), status=request.args.get("status"))
