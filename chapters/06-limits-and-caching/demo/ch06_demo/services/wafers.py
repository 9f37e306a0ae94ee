"""Reading and writing wafers: pages for a caller's fab, validated updates, window reports."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from ch06_demo.models import Wafer
from ch06_demo.models.wafers import STATUSES
from ch06_demo.services.errors import InvalidInput, NotFound

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20

# Editable fields and their accepted ranges (a PUT sends all of them).
RANGES = {
    "mean_cd_nm": (1.0, 500.0),
    "best_focus_um": (-2.0, 2.0),
    "dose_to_size_mj_cm2": (1.0, 100.0),
}
EDITABLE = ("status", *RANGES)


def representation(wafer: Wafer) -> dict[str, Any]:
    """The JSON a client sees for a wafer: what caches store and what ETags are computed from."""
    return {
        "id": wafer.id,
        "lot_id": wafer.lot_id,
        "fab": wafer.fab,
        "slot": wafer.slot,
        "status": wafer.status,
        "mean_cd_nm": wafer.mean_cd_nm,
        "best_focus_um": wafer.best_focus_um,
        "dose_to_size_mj_cm2": wafer.dose_to_size_mj_cm2,
        "version": wafer.version,
    }


def visible_to(fab: str | None) -> ColumnElement[bool]:
    """The WHERE clause of what a caller may see: its fab, or every fab for ``fab=None``."""
    return true() if fab is None else Wafer.fab == fab


def get_wafer(session: Session, wafer_id: str, fab: str | None = None) -> Wafer:
    """The wafer, if it exists and the caller's fab may see it; else NotFound."""
    wafer = session.get(Wafer, wafer_id)
    if wafer is None or (fab is not None and wafer.fab != fab):
        raise NotFound(f"wafer {wafer_id} not found")
    return wafer


def parse_page(args: Mapping[str, str]) -> tuple[int, int]:
    """``(page, per_page)`` from query parameters; InvalidInput naming each bad one."""
    errors = {}
    values = {}
    for name, default, high in (("page", 1, None), ("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)):
        raw = args.get(name)
        if raw is None:
            values[name] = default
            continue
        try:
            value = int(raw)
        except ValueError:
            errors[name] = f"must be an integer, got {raw!r}"
            continue
        if value < 1 or (high is not None and value > high):
            errors[name] = f"must be from 1 to {high}" if high else "must be 1 or more"
            continue
        values[name] = value
    if errors:
        raise InvalidInput("invalid page parameters", errors=errors)
    return values["page"], values["per_page"]


def list_page(
    session: Session,
    *,
    fab: str | None,
    page: int,
    per_page: int,
    lot_id: str | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """One page of the wafers a caller may see, by id: ``{items, total, page, per_page, pages}``."""
    where = [visible_to(fab)]
    if lot_id is not None:
        where.append(Wafer.lot_id == lot_id)
    if status is not None:
        where.append(Wafer.status == status)
    total = session.scalar(select(func.count()).select_from(Wafer).where(*where))
    rows = session.scalars(
        select(Wafer).where(*where).order_by(Wafer.id)
        .offset((page - 1) * per_page).limit(per_page)
    )
    return {
        "items": [representation(w) for w in rows],
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": max(1, math.ceil(total / per_page)),
    }


def validate_update(payload: object) -> dict[str, Any]:
    """The editable fields of a PUT body, checked; InvalidInput with every problem at once."""
    if not isinstance(payload, dict):
        raise InvalidInput("the body must be a JSON object", errors={"body": "not an object"})
    errors = {name: "unknown field" for name in payload if name not in EDITABLE}
    for name in EDITABLE:
        if name not in payload:
            errors[name] = "required"
    status = payload.get("status")
    if "status" in payload and status not in STATUSES:
        errors["status"] = f"must be one of {', '.join(STATUSES)}"
    for name, (low, high) in RANGES.items():
        value = payload.get(name)
        if name not in payload:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors[name] = "must be a number"
        elif not math.isfinite(value):
            errors[name] = "must be a finite number"
        elif not low <= value <= high:
            errors[name] = f"must be from {low:g} to {high:g}"
    if errors:
        raise InvalidInput("invalid wafer update", errors=errors)
    return {name: payload[name] for name in EDITABLE}


def update_wafer(
    session: Session, wafer_id: str, payload: object, fab: str | None = None
) -> Wafer:
    """Replace the editable fields (PUT semantics) and bump ``version``; commits.

    NotFound for an unknown wafer, InvalidInput for a bad body; nothing is written then.
    """
    wafer = get_wafer(session, wafer_id, fab)
    changes = validate_update(payload)
    for name, value in changes.items():
        setattr(wafer, name, float(value) if name in RANGES else value)
    wafer.version += 1
    session.commit()
    return wafer


def window_report(wafer: Wafer, tolerance_pct: float = 10.0) -> dict[str, Any]:
    """A process-window summary for the wafer (the expensive endpoint the limits protect).

    Uses the truth model of the course's mock data, CD = T - beta*ln(E/E_s) + alpha*(F - F0)^2
    with beta = T and alpha = 150 nm/um^2: the focus half-range at which CD leaves the
    tolerance band at the dose-to-size, and the exposure latitude at best focus.
    """
    target = wafer.mean_cd_nm
    delta = target * tolerance_pct / 100
    alpha = 150.0
    half_range = math.sqrt(delta / alpha)
    # In spec at best focus while |beta * ln(E / E_s)| <= delta, with beta = T.
    lo = wafer.dose_to_size_mj_cm2 * math.exp(-delta / target)
    hi = wafer.dose_to_size_mj_cm2 * math.exp(delta / target)
    return {
        "wafer_id": wafer.id,
        "tolerance_pct": tolerance_pct,
        "best_focus_um": wafer.best_focus_um,
        "dose_to_size_mj_cm2": wafer.dose_to_size_mj_cm2,
        "focus_range_um": [round(wafer.best_focus_um - half_range, 4),
                           round(wafer.best_focus_um + half_range, 4)],
        "el_pct_at_best_focus": round(100 * (hi - lo) / ((hi + lo) / 2), 3),
    }
