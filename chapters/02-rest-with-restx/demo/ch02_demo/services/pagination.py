"""Offset pagination: strict ``page``/``per_page`` parsing, page envelopes and RFC 8288 links."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, func, select
from werkzeug.datastructures import MultiDict

from ch02_demo.extensions import db
from ch02_demo.services.errors import InvalidQuery

PAGE_PARAMETERS = ("page", "per_page")


@dataclass(frozen=True)
class PageRequest:
    page: int
    per_page: int


def parse_page_request(
    args: MultiDict[str, str], *, max_per_page: int, default_per_page: int = 20
) -> PageRequest:
    """``page`` ≥ 1 (default 1) and 1 ≤ ``per_page`` ≤ ``max_per_page``; else ``InvalidQuery``.

    Out-of-range values are refused, not clamped: a client asking for 1000 rows and silently
    getting 100 computes the wrong number of pages.
    """
    errors = {}
    values = {}
    for name, default, upper in (("page", 1, None), ("per_page", default_per_page, max_per_page)):
        raw = args.get(name)
        if raw is None:
            values[name] = default
            continue
        try:
            value = int(raw)
        except ValueError:
            errors[name] = f"{raw!r} is not an integer"
            continue
        if value < 1 or (upper is not None and value > upper):
            errors[name] = f"must be between 1 and {upper}" if upper else "must be at least 1"
            continue
        values[name] = value
    if errors:
        raise InvalidQuery("invalid pagination parameters", errors=errors)
    return PageRequest(values["page"], values["per_page"])


def page_url(base_url: str, args: MultiDict[str, str], page: int, per_page: int) -> str:
    """``base_url`` with every other query parameter kept and ``page``/``per_page`` replaced."""
    kept = [(k, v) for k, v in args.items(multi=True) if k not in PAGE_PARAMETERS]
    return f"{base_url}?{urlencode([*kept, ('page', page), ('per_page', per_page)])}"


def page_links(
    base_url: str, args: MultiDict[str, str], page: int, per_page: int, total: int
) -> dict[str, str | None]:
    """self/first/prev/next/last URLs; prev and next are None where there is no such page."""
    last = max(1, math.ceil(total / per_page))

    def url(number: int) -> str:
        return page_url(base_url, args, number, per_page)

    return {
        "self": url(page),
        "first": url(1),
        "prev": url(page - 1) if page > 1 else None,
        "next": url(page + 1) if page < last else None,
        "last": url(last),
    }


def link_header(links: dict[str, str | None]) -> str:
    """The RFC 8288 ``Link`` header for ``links``; relations without a URL are left out."""
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url)


def paginate(
    stmt: Select[Any], request: PageRequest, base_url: str, args: MultiDict[str, str]
) -> dict[str, Any]:
    """One page of ``stmt`` (which must be ordered) as ``{items, total, page, per_page, links}``.

    Not ``db.paginate``: left to read the query string it answers bad input with 404 or clamps
    it, and it runs the OFFSET query even for a page past the end, where a huge page number
    overflows the database's integer. Counting first avoids both.
    """
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    offset = (request.page - 1) * request.per_page
    items = []
    if offset < total:
        items = list(db.session.scalars(stmt.limit(request.per_page).offset(offset)))
    return {
        "items": items,
        "total": total,
        "page": request.page,
        "per_page": request.per_page,
        "links": page_links(base_url, args, request.page, request.per_page, total),
    }
