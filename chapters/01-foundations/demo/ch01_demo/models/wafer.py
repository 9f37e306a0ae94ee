"""A focus-exposure-matrix (FEM) wafer and the CD measured on each of its fields."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ch01_demo.extensions import db


class Wafer(db.Model):
    __tablename__ = "wafers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    lot_id: Mapped[str] = mapped_column(String(32), index=True)
    layer: Mapped[str] = mapped_column(String(32))
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="wafer", order_by="Measurement.field", cascade="all, delete-orphan"
    )


class Measurement(db.Model):
    """One field of the FEM: exposed at one dose and focus, one CD-SEM reading."""

    __tablename__ = "measurements"

    id: Mapped[int] = mapped_column(primary_key=True)
    wafer_id: Mapped[str] = mapped_column(ForeignKey("wafers.id"), index=True)
    field: Mapped[int]
    dose: Mapped[float]  # mJ/cm²
    focus: Mapped[float]  # µm
    cd: Mapped[float]  # nm
    wafer: Mapped[Wafer] = relationship(back_populates="measurements")
