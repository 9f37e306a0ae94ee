"""Lots, always read and written on behalf of a user: nobody sees another user's lots."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ch04_demo.models import Lot, User
from ch04_demo.services.exceptions import Conflict, NotFound


def list_lots(session: Session, owner: User) -> list[Lot]:
    return list(session.scalars(select(Lot).where(Lot.owner_id == owner.id).order_by(Lot.id)))


def get_lot(session: Session, owner: User, lot_id: int) -> Lot:
    """The owner's lot; NotFound for another user's lot too, so ids of others stay unknown."""
    lot = session.scalar(select(Lot).where(Lot.id == lot_id, Lot.owner_id == owner.id))
    if lot is None:
        raise NotFound(f"no lot {lot_id}")
    return lot


def create_lot(session: Session, owner: User, name: str, wafer_count: int,
               target_cd_nm: float) -> Lot:
    lot = Lot(owner_id=owner.id, name=name, wafer_count=wafer_count, target_cd_nm=target_cd_nm)
    session.add(lot)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"you have a lot named {name} already") from None
    return lot
