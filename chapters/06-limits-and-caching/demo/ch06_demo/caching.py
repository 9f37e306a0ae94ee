"""Response caching and conditional requests: cache keys, invalidation, ETags.

The cache is an optimisation, never a dependency: when the cache backend fails (Redis down),
reads go to the database and a warning is logged, instead of the request failing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from flask import request
from werkzeug.http import parse_etags

from ch06_demo.extensions import cache
from ch06_demo.identity import request_claims

log = logging.getLogger(__name__)

LIST_GENERATION_KEY = "wafers:generation"


def wafer_key(wafer_id: str) -> str:
    return f"wafer:{wafer_id}"


def cached(key: str | Callable[[], str], compute: Callable[[], Any]) -> tuple[Any, bool]:
    """``(value, hit)``: the cached value of ``key``, or ``compute()`` stored under it.

    ``key`` may be a callable, for keys that themselves read the cache (``list_cache_key``).
    Exceptions of ``compute`` (a 404, a 400) propagate and store nothing: only successful
    representations are cached.
    """
    try:
        key = key() if callable(key) else key
        value = cache.get(key)
    except Exception:  # the backend, not the data: serve uncached
        log.warning("cache unavailable, reading %s from the database", key, exc_info=True)
        return compute(), False
    if value is not None:
        return value, True
    value = compute()
    try:
        cache.set(key, value)
    except Exception:
        log.warning("cache unavailable, %s not stored", key, exc_info=True)
    return value, False


def forget(*keys: str) -> None:
    try:
        cache.delete_many(*keys)
    except Exception:
        log.warning("cache unavailable, could not delete %s", keys, exc_info=True)


def list_generation() -> str:
    """A token every list key contains; a write replaces it, so every cached page goes stale
    at once without finding and deleting each (page, filter, caller) combination."""
    generation = cache.get(LIST_GENERATION_KEY)
    if generation is None:
        generation = secrets.token_hex(8)
        # add(): two requests racing to create the first generation agree on one.
        if not cache.add(LIST_GENERATION_KEY, generation, timeout=0):
            generation = cache.get(LIST_GENERATION_KEY) or generation
    return generation


def list_cache_key() -> str:
    """Cache key of a wafer list request: the caller, the whole query string, the generation.

    The pitfall this avoids: ``@cache.cached()`` keys on ``request.path`` alone, so page 2 is
    served page 1 and one fab's list is served to another. The query string is sorted (order
    does not change the answer) and URL-encoded (``lot_id=L1%26page%3D2`` is not
    ``lot_id=L1&page=2``); the caller is the token's verified subject.
    """
    caller = request_claims().get("sub") or "anonymous"
    query = urlencode(sorted(request.args.items(multi=True)))
    return f"wafers:list:{list_generation()}:{caller}:{query}"


def invalidate_wafer(wafer_id: str) -> None:
    """After a write: drop the wafer's representation and start a new list generation."""
    forget(wafer_key(wafer_id))
    try:
        cache.set(LIST_GENERATION_KEY, secrets.token_hex(8), timeout=0)
    except Exception:
        log.warning("cache unavailable, list generation not renewed", exc_info=True)


# --- ETags (RFC 9110, section 8.8.3 and 13.1) -----------------------------------------------

def strong_etag(representation: Mapping[str, Any]) -> str:
    """A strong ETag of a JSON representation: SHA-256 of its canonical form, quoted.

    Canonical: sorted keys, no insignificant whitespace, so equal representations have equal
    tags whatever order their keys were built in, and any change of a value changes the tag.
    """
    canonical = json.dumps(representation, sort_keys=True, separators=(",", ":"))
    return f'"{hashlib.sha256(canonical.encode()).hexdigest()}"'


def if_none_match(header: str | None, etag: str) -> bool:
    """Does ``If-None-Match`` match ``etag``? Weak comparison: ``W/"x"`` matches ``"x"``."""
    if not header:
        return False
    tags = parse_etags(header)
    return tags.star_tag or tags.contains_weak(etag.removeprefix("W/").strip('"'))


def if_match(header: str | None, etag: str) -> bool:
    """Does ``If-Match`` allow a write? Absent: yes. Strong comparison: a weak tag never matches."""
    if header is None:
        return True
    tags = parse_etags(header)
    return tags.star_tag or tags.contains(etag.strip('"'))
