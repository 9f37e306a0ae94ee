"""Lots and wafers: listing with a chosen loading strategy, and writes as single units of work."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from ch03_demo.models import Lot, Measurement, Wafer

# How Lot.wafers is loaded when lots are listed. With N lots:
#   lazy      1 query for the lots, then 1 per lot when its wafers are first touched (N + 1)
#   selectin  1 query for the lots, 1 for all their wafers: WHERE lot_id IN (...)
#   joined    1 query: lots LEFT OUTER JOIN wafers, each lot repeated once per wafer
LOAD_STRATEGIES: dict[str, Callable[..., LoaderOption]] = {
    "lazy": lazyload,
    "selectin": selectinload,
    "joined": joinedload,
}


class LotNotFound(LookupError):
    """No lot has this name."""


class LotExists(Exception):
    """A lot with this name exists already."""


def list_lots(session: Session, load: str = "selectin") -> list[Lot]:
    """Every lot by name, with ``Lot.wafers`` loaded by the strategy named ``load``."""
    stmt = select(Lot).options(LOAD_STRATEGIES[load](Lot.wafers)).order_by(Lot.name)
    # A joined collection repeats each lot once per wafer: unique() folds the rows back into one
    # object per lot (SQLAlchemy 2 refuses to return joined collections without it).
    return list(session.scalars(stmt).unique())


def get_lot(session: Session, name: str) -> Lot:
    """The lot with its wafers and their measurements in three queries; LotNotFound if absent."""
    stmt = (
        select(Lot)
        .where(Lot.name == name)
        .options(selectinload(Lot.wafers).selectinload(Wafer.measurements))
    )
    lot = session.scalars(stmt).one_or_none()
    if lot is None:
        raise LotNotFound(name)
    return lot


def create_lot(session: Session, name: str, wafers: Iterable[Mapping[str, Any]]) -> Lot:
    """Create a lot with its wafers and their measurements as one unit of work.

    ``wafers``: ``{"slot": int, "measurements": [{"field", "dose_mj_cm2", "focus_um", "cd_nm"}]}``.
    Everything is committed together or not at all: LotExists when the name is taken; an
    IntegrityError (a slot or field given twice, a value the schema refuses) is re-raised after
    the rollback, with nothing written.
    """
    if session.scalar(select(Lot.id).where(Lot.name == name)) is not None:
        raise LotExists(name)
    lot = Lot(
        name=name,
        wafers=[
            Wafer(
                slot=wafer["slot"],
                measurements=[Measurement(**m) for m in wafer.get("measurements", [])],
            )
            for wafer in wafers
        ],
    )
    session.add(lot)
    try:
        # One commit for the whole graph: the lot, its wafers and measurements reach the
        # database in one flush, inside one transaction.
        session.commit()
    except IntegrityError:
        session.rollback()
        raise
    return lot


def set_hold(session: Session, name: str, on_hold: bool, reason: str | None) -> Lot:
    """Put a lot on hold (with a reason) or release it; LotNotFound if absent."""
    lot = session.scalars(select(Lot).where(Lot.name == name)).one_or_none()
    if lot is None:
        raise LotNotFound(name)
    lot.on_hold = on_hold
    lot.hold_reason = reason if on_hold else None
    session.commit()
    return lot


def delete_lot(session: Session, name: str) -> None:
    """Delete a lot, its wafers and their measurements; LotNotFound if absent."""
    lot = session.scalars(select(Lot).where(Lot.name == name)).one_or_none()
    if lot is None:
        raise LotNotFound(name)
    session.delete(lot)
    session.commit()
