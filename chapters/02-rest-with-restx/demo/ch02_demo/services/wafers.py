"""Wafers: filtered and sorted listing, creation rules, bulk registration with per-item results."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, select
from werkzeug.datastructures import MultiDict

from ch02_demo.extensions import db
from ch02_demo.models import Lot, Wafer
from ch02_demo.services.errors import Conflict, ResourceNotFound, ServiceError, Unprocessable
from ch02_demo.services.pagination import PAGE_PARAMETERS
from ch02_demo.services.querying import Filter, filter_clauses, order_by_clauses, whole_number

WAFER_FILTERS = {
    "lot_id": Filter(Wafer.lot_id),
    "kind": Filter(Wafer.kind),
    "slot_min": Filter.at_least(Wafer.slot, whole_number),
    "slot_max": Filter.at_most(Wafer.slot, whole_number),
}
WAFER_SORT_FIELDS = {"id": Wafer.id, "lot_id": Wafer.lot_id, "slot": Wafer.slot, "kind": Wafer.kind}


def wafer_listing(args: MultiDict[str, str]) -> Select[tuple[Wafer]]:
    """Wafers matching the whitelisted filters, ordered by ``sort`` (default ``id``)."""
    where = filter_clauses(args, WAFER_FILTERS, (*PAGE_PARAMETERS, "sort"))
    order = order_by_clauses(args.get("sort", "id"), WAFER_SORT_FIELDS, tiebreak=Wafer.id)
    return select(Wafer).where(*where).order_by(*order)


def get_wafer(wafer_id: str) -> Wafer:
    wafer = db.session.get(Wafer, wafer_id)
    if wafer is None:
        raise ResourceNotFound(f"wafer {wafer_id} not found")
    return wafer


def new_wafer(data: Mapping[str, Any], pending: Sequence[Wafer] = ()) -> Wafer:
    """A wafer built from schema-valid ``data``, checked against the database and ``pending``.

    ``pending`` holds wafers accepted earlier in the same batch and not yet flushed.
    Raises ``Unprocessable`` for an unknown lot, ``Conflict`` for a taken id or slot.
    """
    wafer_id, lot_id, slot = data["id"], data["lot_id"], data["slot"]
    if db.session.get(Lot, lot_id) is None:
        raise Unprocessable(f"lot {lot_id} does not exist", errors={"lot_id": "no such lot"})
    if db.session.get(Wafer, wafer_id) is not None or any(w.id == wafer_id for w in pending):
        raise Conflict(f"wafer {wafer_id} already exists", errors={"id": "already exists"})
    slot_taken = db.session.scalar(
        select(Wafer.id).where(Wafer.lot_id == lot_id, Wafer.slot == slot)
    ) or any(w.lot_id == lot_id and w.slot == slot for w in pending)
    if slot_taken:
        raise Conflict(
            f"slot {slot} of lot {lot_id} is taken", errors={"slot": "taken in this lot"}
        )
    return Wafer(id=wafer_id, lot_id=lot_id, slot=slot, kind=data["kind"])


def create_wafer(data: Mapping[str, Any]) -> Wafer:
    wafer = new_wafer(data)
    db.session.add(wafer)
    db.session.commit()
    return wafer


def register_wafers(
    items: Sequence[object], schema_errors: Callable[[object], dict[str, str]]
) -> list[dict[str, Any]]:
    """Create every acceptable item, refuse the others; one result per item, in input order.

    Partial mode: good items are stored even when others fail. A result is
    ``{index, status: 201, id}`` or ``{index, status: 400|409|422, errors: {field: message}}``.
    Items are checked before anything is written, so no savepoints are needed.
    """
    accepted: list[Wafer] = []
    results: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        errors = schema_errors(item)
        if errors:
            results.append({"index": index, "status": 400, "errors": errors})
            continue
        try:
            wafer = new_wafer(item, accepted)  # schema-checked, so a dict
        except ServiceError as exc:
            errors = exc.extensions["errors"]
            results.append({"index": index, "status": exc.status, "errors": errors})
            continue
        accepted.append(wafer)
        results.append({"index": index, "status": 201, "id": wafer.id})
    db.session.add_all(accepted)
    db.session.commit()
    return results
