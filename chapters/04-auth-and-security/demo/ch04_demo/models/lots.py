"""Lots, each owned by the user who registered it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ch04_demo.extensions import db
from ch04_demo.models.accounts import utcnow


class Lot(db.Model):
    """A lot of wafers to expose as a focus-exposure matrix, with its CD target."""

    __tablename__ = "lots"
    __table_args__ = (
        UniqueConstraint("owner_id", "name"),
        CheckConstraint("wafer_count BETWEEN 1 AND 25", name="ck_lots_wafer_count"),
        CheckConstraint("target_cd_nm > 0", name="ck_lots_target_cd_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    wafer_count: Mapped[int]
    target_cd_nm: Mapped[float]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
