"""Queries for wafers: the API layer formats what these return, per API version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ch01_demo.extensions import db
from ch01_demo.models import Wafer


def list_wafers() -> list[Wafer]:
    """Every wafer, ordered by id, without measurements."""
    return list(db.session.scalars(select(Wafer).order_by(Wafer.id)))


def get_wafer(wafer_id: str) -> Wafer | None:
    """One wafer with its measurements loaded in a second query (no lazy load per field)."""
    query = select(Wafer).where(Wafer.id == wafer_id).options(selectinload(Wafer.measurements))
    return db.session.scalar(query)
