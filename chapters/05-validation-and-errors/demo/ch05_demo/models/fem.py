"""A FEM run and its points (units: dose mJ/cm², focus µm, CD nm)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ch05_demo.extensions import db


class FemRun(db.Model):
    """One focus-exposure matrix measured on one wafer."""

    __tablename__ = "fem_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    wafer_id: Mapped[str] = mapped_column(String(8))
    lot_id: Mapped[str] = mapped_column(String(12))
    feature: Mapped[str] = mapped_column(String(8))
    source_file: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    focus_grid: Mapped[str] = mapped_column(Text)  # JSON array of µm, strictly increasing

    points: Mapped[list[FemPoint]] = relationship(
        back_populates="run", order_by="FemPoint.id", cascade="all, delete-orphan"
    )


class FemPoint(db.Model):
    """The CD measured in one field, printed at one dose and one focus."""

    __tablename__ = "fem_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("fem_runs.id"), index=True)
    field: Mapped[int]
    dose: Mapped[float]
    focus: Mapped[float]
    cd: Mapped[float]

    run: Mapped[FemRun] = relationship(back_populates="points")
