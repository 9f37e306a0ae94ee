"""One table: a wafer of a FEM lot, with the process-window results measured on it."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ch06_demo.extensions import db

STATUSES = ("measured", "hold", "released", "scrapped")


class Wafer(db.Model):
    """A wafer and its FEM results. ``version`` grows by one with every accepted write."""

    __tablename__ = "wafers"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    lot_id: Mapped[str] = mapped_column(String(16), index=True)
    fab: Mapped[str] = mapped_column(String(16), index=True)
    slot: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="measured")
    mean_cd_nm: Mapped[float]
    best_focus_um: Mapped[float]
    dose_to_size_mj_cm2: Mapped[float]
    version: Mapped[int] = mapped_column(default=1)
