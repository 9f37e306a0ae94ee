"""Exercise 04: import a wafer's FEM measurements as one unit of work.

A measurement import touches four tables: the lot (created on first sight), the wafer, one row
per measured field, and an audit entry. Done as a series of commits, a failure halfway leaves a
lot with no wafer, or a wafer with half its fields, and the re-upload then fails as a
duplicate. Done as one transaction, the database holds the whole import or none of it.

The models are the demo's: ``Lot``, ``Wafer``, ``Measurement`` and ``AuditEntry``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ch03_demo.models import AuditEntry, Lot, Measurement, Wafer

FIELDS = ("field", "dose_mj_cm2", "focus_um", "cd_nm")


class ImportRejected(ValueError):
    """The rows are invalid; ``errors`` lists every problem, nothing was written.

    ``errors``: ``[{"row": int, "field": str, "message": str}, ...]`` with 1-based row numbers,
    ordered by row, then in the order of ``FIELDS`` within a row.
    """

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the measurement rows")
        self.errors = errors


class ImportConflict(Exception):
    """The lot already has a wafer in this slot; nothing was written."""


@dataclass(frozen=True)
class ImportSummary:
    lot_id: int
    wafer_id: int
    measurements: int
    audit_entry_id: int
    created_lot: bool


def validate_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Check every row and return every problem found (an empty list when all rows are valid).

    Each row must have the four keys of ``FIELDS`` with real numbers (``int`` or ``float``,
    never ``bool``, never NaN or infinite). ``field`` must be an integer >= 1 and appear only
    once in the import; ``dose_mj_cm2`` and ``cd_nm`` must be > 0. One problem per offending
    (row, key): ``{"row": n, "field": key, "message": text}``, rows numbered from 1. A missing
    key is reported as a problem of that key; a repeated ``field`` value is a problem of key
    ``"field"`` on the later row.
    """
    problems: list[dict[str, Any]] = []
    seen_fields: set[float] = set()
    for number, row in enumerate(rows, start=1):
        for key in FIELDS:
            value = row.get(key)
            if key not in row:
                message = "missing"
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                message = f"must be a number, got {value!r}"
            elif not math.isfinite(value):
                message = f"must be finite, got {value!r}"
            elif key == "field" and (value != int(value) or value < 1):
                message = f"must be an integer >= 1, got {value!r}"
            elif key == "field" and value in seen_fields:
                message = f"field {int(value)} appears twice"
            elif key in ("dose_mj_cm2", "cd_nm") and value <= 0:
                message = f"must be > 0, got {value!r}"
            else:
                message = None
                if key == "field":
                    seen_fields.add(value)
            if message:
                problems.append({"row": number, "field": key, "message": message})
    return problems


def import_wafer_measurements(
    session: Session,
    lot_name: str,
    slot: int,
    rows: Iterable[Mapping[str, Any]],
    *,
    actor: str,
) -> ImportSummary:
    """Store one wafer's measurements, all of them or none.

    ``session`` must have no transaction in progress: this function is the unit of work and
    owns the transaction (``with session.begin():``), committing once at the end.

    First validate every row with ``validate_rows``: ``ImportRejected`` with all the problems,
    before the database is touched. Then, in one transaction: find the lot by name or create
    it; refuse a slot the lot already has (``ImportConflict``); add the wafer and one
    ``Measurement`` per row; add one ``AuditEntry(actor=actor, action="import",
    entity="wafers", entity_id=<wafer id>, changes={"lot": lot_name, "slot": slot,
    "measurements": <row count>})``. The slot itself is checked by the database (1-25).

    Any exception, raised here or by the database (a failed INSERT, a lost connection), rolls
    everything back: no lot, wafer, measurement or audit row of this call remains, rows that
    existed before are untouched, the exception propagates unchanged, and ``session`` is left
    with no transaction in progress, ready for the next call.
    """
    rows = list(rows)
    problems = validate_rows(rows)
    if problems:
        raise ImportRejected(problems)
    with session.begin():
        lot = session.scalars(select(Lot).where(Lot.name == lot_name)).one_or_none()
        created_lot = lot is None
        if lot is None:
            lot = Lot(name=lot_name)
            session.add(lot)
        elif session.scalar(select(Wafer.id).where(Wafer.lot_id == lot.id, Wafer.slot == slot)):
            raise ImportConflict(f"lot {lot_name} already has a wafer in slot {slot}")
        wafer = Wafer(lot=lot, slot=slot, measurements=[
            Measurement(
                field=int(row["field"]),
                dose_mj_cm2=float(row["dose_mj_cm2"]),
                focus_um=float(row["focus_um"]),
                cd_nm=float(row["cd_nm"]),
            )
            for row in rows
        ])
        session.add(wafer)
        # The flush sends the lot, wafer and measurements and gives the wafer its id; nothing
        # is committed yet, so a failure below still undoes all of it.
        session.flush()
        entry = AuditEntry(
            actor=actor,
            action="import",
            entity="wafers",
            entity_id=wafer.id,
            changes={"lot": lot_name, "slot": slot, "measurements": len(rows)},
        )
        session.add(entry)
        session.flush()
        return ImportSummary(
            lot_id=lot.id,
            wafer_id=wafer.id,
            measurements=len(rows),
            audit_entry_id=entry.id,
            created_lot=created_lot,
        )
