"""Cursor (keyset) pagination with opaque, signed cursors.

A cursor is the sort key and id of the last row served, signed with the app's secret key by
itsdangerous (base64 JSON plus an HMAC). The next page is ``WHERE (key, id) > (:key, :id)``:
the database seeks straight to it through an index, and rows inserted or deleted elsewhere do
not shift what the client sees next, unlike ``OFFSET n``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Select, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from ch02_demo.extensions import db
from ch02_demo.services.errors import InvalidQuery


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class CursorCodec:
    """Signs and checks cursors; a cursor is only valid for the sort it was issued for."""

    def __init__(self, secret_key: str, salt: str) -> None:
        # The salt separates cursor signatures from anything else signed with the same key.
        self._serializer = URLSafeSerializer(secret_key, salt=salt)

    def encode(self, sort: str, key: float, row_id: int) -> str:
        return self._serializer.dumps([sort, key, row_id])

    def decode(self, token: str, sort: str) -> tuple[float, int]:
        """``(key, id)`` from ``token``; ``InvalidQuery`` if forged, altered or for another sort."""
        try:
            payload = self._serializer.loads(token)
        except BadData:
            raise InvalidQuery(
                "invalid cursor", errors={"cursor": "not a cursor issued by this API"}
            ) from None
        # A valid signature proves we issued it, so a wrong shape here is a bug, not an attack;
        # check anyway so a bad cursor can never become a 500.
        if not (
            isinstance(payload, list)
            and len(payload) == 3
            and isinstance(payload[0], str)
            and _is_number(payload[1])
            and isinstance(payload[2], int)
        ):
            raise InvalidQuery("invalid cursor", errors={"cursor": "malformed cursor"})
        issued_for, key, row_id = payload
        if issued_for != sort:
            raise InvalidQuery(
                "cursor does not match sort",
                errors={"cursor": f"issued for sort={issued_for}, not sort={sort}"},
            )
        return key, row_id


@dataclass(frozen=True)
class KeysetPage:
    items: list[Any]
    last_position: tuple[Any, int] | None  # (key, id) of the last item when more rows follow


def keyset_page(
    stmt: Select[Any],
    key: InstrumentedAttribute[Any],
    row_id: InstrumentedAttribute[Any],
    *,
    descending: bool,
    after: tuple[Any, int] | None,
    limit: int,
) -> KeysetPage:
    """Up to ``limit`` rows of ``stmt`` after position ``after`` in (key, id) order."""
    position = tuple_(key, row_id)
    if after is not None:
        bound = tuple_(literal(after[0]), literal(after[1]))
        stmt = stmt.where(position < bound if descending else position > bound)
    order = (key.desc(), row_id.desc()) if descending else (key.asc(), row_id.asc())
    # One row more than asked for tells whether another page exists without a COUNT.
    rows = list(db.session.scalars(stmt.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        return KeysetPage(rows, None)
    last = rows[limit - 1]
    return KeysetPage(rows[:limit], (getattr(last, key.key), getattr(last, row_id.key)))
