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

# Imports marked F401 are unused until the bodies are written.
from urllib.parse import quote, urlencode  # noqa: F401

from flask import request  # noqa: F401
from flask_caching import Cache
from flask_jwt_extended import get_jwt, get_jwt_identity, jwt_required  # noqa: F401
from flask_restx import Namespace, Resource

from ch06_demo.extensions import db  # noqa: F401
from ch06_demo.services.errors import ServiceError
from ch06_demo.services.wafers import list_page, parse_page  # noqa: F401

CACHE_TIMEOUT = 60

cache = Cache()


class Forbidden(ServiceError):
    status = 403


def fab_scope(claims: Mapping[str, Any]) -> str | None:
    """None (every fab) for ``role == "admin"``; else the ``fab`` claim, which must be a
    non-empty string (Forbidden, 403, otherwise: a token without a fab sees nothing)."""
    raise NotImplementedError(
        "None for admins; the fab claim if it is a non-empty str; else Forbidden"
    )


def list_cache_key(*args: Any, **kwargs: Any) -> str:
    """The cache key of this list request (see the module doc). Flask-Caching passes the
    view's arguments; they do not matter here."""
    raise NotImplementedError(
        "'wafers:' + the caller + the sorted, URL-encoded query string"
    )


ns = Namespace("pages", description="Wafer pages, cached per caller and query", path="/wafers")


@ns.route("")
class WaferPages(Resource):
    # restx applies these in order, each wrapping the one before (the last is outermost).
    # TODO: cache the response with cache.cached(..., make_cache_key=list_cache_key), and
    # keep the token check in front of the cache.
    method_decorators = [jwt_required()]

    def get(self):
        """A page of the caller's wafers: ``{items, total, page, per_page, pages}``."""
        raise NotImplementedError(
            "parse_page(request.args), then list_page(db.session, fab=fab_scope(get_jwt()), "
            "..., lot_id=..., status=...)"
        )
