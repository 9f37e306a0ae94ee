"""Lots, their wafers and the FEM measurements on each wafer (dose mJ/cm², focus µm, CD nm)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    String,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ch03_demo.extensions import db
from ch03_demo.models.audit import Audited


class Lot(Audited, db.Model):
    """A production lot: up to 25 wafers that travel through the fab together."""

    __tablename__ = "lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    # Both defaults: the Python one fills new objects, the server one fills rows written by a
    # migration or by SQL that does not go through the ORM.
    on_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    hold_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    # No passive_deletes: deleting a lot loads its wafers so that each wafer's deletion goes
    # through the ORM, and so through the audit log.
    wafers: Mapped[list[Wafer]] = relationship(
        back_populates="lot", cascade="all, delete-orphan", order_by="Wafer.slot"
    )


class Wafer(Audited, db.Model):
    """One wafer, in a slot (1-25) of its lot's carrier."""

    __tablename__ = "wafers"
    __table_args__ = (
        # Also the index behind "wafers of this lot": lot_id is its leading column.
        UniqueConstraint("lot_id", "slot"),
        CheckConstraint("slot BETWEEN 1 AND 25", name="slot_in_carrier"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"))
    slot: Mapped[int]

    lot: Mapped[Lot] = relationship(back_populates="wafers")
    # passive_deletes: a wafer carries hundreds of measurements; the database's ON DELETE
    # CASCADE removes them in one statement instead of the ORM loading and deleting each row.
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="wafer",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Measurement.field",
    )


class Measurement(db.Model):
    """The CD of one exposure field, printed at one dose and one focus."""

    __tablename__ = "measurements"
    __table_args__ = (
        UniqueConstraint("wafer_id", "field"),
        CheckConstraint("field >= 1", name="field_positive"),
        CheckConstraint("dose_mj_cm2 > 0", name="dose_positive"),
        CheckConstraint("cd_nm > 0", name="cd_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wafer_id: Mapped[int] = mapped_column(ForeignKey("wafers.id", ondelete="CASCADE"))
    field: Mapped[int]
    dose_mj_cm2: Mapped[float]
    focus_um: Mapped[float]
    cd_nm: Mapped[float]

    wafer: Mapped[Wafer] = relationship(back_populates="measurements")
