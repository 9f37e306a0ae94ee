"""Uploaded or generated FEM datasets: metadata in the database, the file in the instance folder."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from litho_platform.extensions import db
from litho_platform.models.base import UTCDateTime, utcnow
from litho_platform.models.user import User


class Dataset(db.Model):
    __tablename__ = "datasets"
    # Ids are never reused after a delete, so nothing cached under an old id can resurface.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # The sanitised file name offered on download; the file on disk is named by storage_key.
    # file_format is what was uploaded (csv or parquet); the stored table is always Parquet.
    filename: Mapped[str] = mapped_column(String(120))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    file_format: Mapped[str] = mapped_column(String(16))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    points: Mapped[int]
    source: Mapped[str] = mapped_column(String(16))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    owner: Mapped[User] = relationship()
