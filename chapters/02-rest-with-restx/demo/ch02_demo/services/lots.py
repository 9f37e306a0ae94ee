"""Lots: lookup, listing, creation and deletion rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, exists, select
from werkzeug.datastructures import MultiDict

from ch02_demo.extensions import db
from ch02_demo.models import Lot, Wafer
from ch02_demo.services.errors import Conflict, ResourceNotFound
from ch02_demo.services.pagination import PAGE_PARAMETERS
from ch02_demo.services.querying import Filter, filter_clauses

LOT_FILTERS = {"product": Filter(Lot.product), "layer": Filter(Lot.layer)}


def lot_listing(args: MultiDict[str, str]) -> Select[tuple[Lot]]:
    """Lots matching the whitelisted filters in ``args``, ordered by id."""
    return select(Lot).where(*filter_clauses(args, LOT_FILTERS, PAGE_PARAMETERS)).order_by(Lot.id)


def get_lot(lot_id: str) -> Lot:
    lot = db.session.get(Lot, lot_id)
    if lot is None:
        raise ResourceNotFound(f"lot {lot_id} not found")
    return lot


def create_lot(data: Mapping[str, Any]) -> Lot:
    """Store a lot from schema-valid ``data``; ``Conflict`` when the id is taken."""
    if db.session.get(Lot, data["id"]) is not None:
        raise Conflict(f"lot {data['id']} already exists", errors={"id": "already exists"})
    lot = Lot(id=data["id"], product=data["product"], layer=data["layer"])
    db.session.add(lot)
    db.session.commit()
    return lot


def delete_lot(lot_id: str) -> None:
    """Delete an empty lot; ``Conflict`` while wafers still belong to it."""
    lot = get_lot(lot_id)
    if db.session.scalar(select(exists().where(Wafer.lot_id == lot_id))):
        raise Conflict(f"lot {lot_id} still has wafers; delete or move them first")
    db.session.delete(lot)
    db.session.commit()
