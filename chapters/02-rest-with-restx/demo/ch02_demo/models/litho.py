"""Lots, wafers and CD-SEM measurements (units: dose mJ/cm², focus µm, CD nm)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ch02_demo.extensions import db


class Lot(db.Model):
    """A production lot: up to 25 wafers that travel through the fab together."""

    __tablename__ = "lots"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    product: Mapped[str] = mapped_column(String(40))
    layer: Mapped[str] = mapped_column(String(40))

    wafers: Mapped[list[Wafer]] = relationship(back_populates="lot", order_by="Wafer.slot")


class Wafer(db.Model):
    """One wafer of a lot, in a slot of the lot's carrier (1-25)."""

    __tablename__ = "wafers"
    __table_args__ = (UniqueConstraint("lot_id", "slot"),)

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("lots.id"), index=True)
    slot: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))  # "fem" (focus-exposure matrix) or "production"

    lot: Mapped[Lot] = relationship(back_populates="wafers")


class Measurement(db.Model):
    """The CD of one feature in one exposure field, printed at one dose and one focus."""

    __tablename__ = "measurements"

    id: Mapped[int] = mapped_column(primary_key=True)
    wafer_id: Mapped[str] = mapped_column(ForeignKey("wafers.id"), index=True)
    field: Mapped[int]
    feature: Mapped[str] = mapped_column(String(40))
    dose: Mapped[float]
    focus: Mapped[float]
    cd: Mapped[float]
