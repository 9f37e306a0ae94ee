"""Exercise 02: remove the N+1 queries from three read paths of the platform.

The three functions below feed the lot overview page, the wafer-map plot and the "latest
measurements" panel. Their first versions read naturally (loop over lots, touch
``lot.wafers``, count ``wafer.measurements``) and each attribute access was a lazy load: one
query for the lots, then one per lot, then one per wafer. With 40 lots of 3 wafers that is 161
round trips for one page.

Rewrite them so the number of statements does not depend on the number of rows: choose a
loading strategy per relationship (``selectinload`` for collections, ``joinedload`` for
many-to-one), or select exactly the columns you need. The tests count every statement sent to
the database (a ``before_cursor_execute`` listener) and compare the results with the data.

The models are the demo's: ``Lot.wafers`` (ordered by slot), ``Wafer.measurements`` (ordered
by field), ``Measurement.wafer``, ``Wafer.lot``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ch03_demo.models import Lot, Measurement


def lot_overview(session: Session) -> list[dict[str, Any]]:
    """Every lot by name, with the number of measurements on each of its wafers.

    Returns ``[{"lot": name, "on_hold": bool, "wafers": [{"slot": int, "measurements": int},
    ...]}, ...]``, lots ordered by name, wafers by slot; a wafer without measurements counts 0
    and a lot without wafers has ``"wafers": []``.

    At most 3 statements however many lots, wafers and measurements there are, and no
    ``Measurement`` object is loaded: the counts come from the database (``func.count`` with
    ``GROUP BY``), not from ``len(wafer.measurements)``.
    """
    # The first version: correct, and one query per lot plus one per wafer.
    lots = session.scalars(select(Lot).order_by(Lot.name))
    return [
        {
            "lot": lot.name,
            "on_hold": lot.on_hold,
            "wafers": [
                {"slot": wafer.slot, "measurements": len(wafer.measurements)}
                for wafer in lot.wafers
            ],
        }
        for lot in lots
    ]


def wafer_map(session: Session, lot_name: str) -> dict[str, Any] | None:
    """One lot with every measurement of every wafer, for the wafer-map plot; None if no such lot.

    Returns ``{"lot": name, "wafers": [{"slot": int, "measurements": [{"field": int,
    "dose_mj_cm2": float, "focus_um": float, "cd_nm": float}, ...]}, ...]}``, wafers ordered
    by slot and measurements by field.

    At most 3 statements however many wafers and measurements the lot has (1 when the lot does
    not exist).
    """
    # The first version: correct, and one query per wafer for its measurements.
    lot = session.scalars(select(Lot).where(Lot.name == lot_name)).one_or_none()
    if lot is None:
        return None
    return {
        "lot": lot.name,
        "wafers": [
            {
                "slot": wafer.slot,
                "measurements": [
                    {
                        "field": m.field,
                        "dose_mj_cm2": m.dose_mj_cm2,
                        "focus_um": m.focus_um,
                        "cd_nm": m.cd_nm,
                    }
                    for m in wafer.measurements
                ],
            }
            for wafer in lot.wafers
        ],
    }


def latest_measurements(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    """The ``limit`` most recent measurements (highest id first) with their lot and slot.

    Returns ``[{"lot": str, "slot": int, "field": int, "dose_mj_cm2": float, "focus_um":
    float, "cd_nm": float}, ...]``; ``limit`` 0 gives ``[]``.

    Exactly 1 statement: each measurement's wafer and that wafer's lot come with it.
    """
    # The first version: correct, and one query per distinct wafer and lot it meets.
    stmt = select(Measurement).order_by(Measurement.id.desc()).limit(limit)
    return [
        {
            "lot": m.wafer.lot.name,
            "slot": m.wafer.slot,
            "field": m.field,
            "dose_mj_cm2": m.dose_mj_cm2,
            "focus_um": m.focus_um,
            "cd_nm": m.cd_nm,
        }
        for m in session.scalars(stmt)
    ]
