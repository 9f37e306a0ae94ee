"""A stored upload: the row that says a file in the upload folder exists and what it holds."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import DateTime, String, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column

from ch08_demo.extensions import db

# The only names the server gives stored files: 32 lowercase hex digits (a uuid4) and ".csv".
STORED_NAME = re.compile(r"[0-9a-f]{32}\.csv")


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zones: ``DateTime(timezone=True)`` stores the wall time and hands back a
    naive value, and comparing naive with aware raises. This stores UTC and marks it UTC again.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone-aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Dataset(db.Model):
    """One validated FEM CSV, stored as ``<upload folder>/<stored_name>``."""

    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int]
    # Indexed: retention asks for "older than" on every run.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
