"""Offset pagination: one page of a query plus the total, the shape every list endpoint returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from litho_platform.extensions import db

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20


@dataclass(frozen=True)
class Page:
    """``items`` of page ``page`` (1-based) of ``per_page``; a page past the end has no items."""

    items: list[Any]
    total: int
    page: int
    per_page: int


def paginate(stmt: Select, page: int, per_page: int) -> Page:
    """Run ``stmt`` for one page; bounds (page >= 1, 1 <= per_page <= MAX_PER_PAGE) are the
    caller's to validate, so bad input is a 400 rather than silently clamped."""
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)
    return Page(items=list(result.items), total=result.total or 0, page=page, per_page=per_page)
