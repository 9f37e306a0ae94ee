"""Demo data: three FEM lots in two fabs, each wafer with its own measured process window."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ch06_demo.models import Wafer

# lot -> (fab, wafers). Dose-to-size near 24 mJ/cm2, best focus within +-0.05 um, CD near 45 nm.
LOTS = {"L24-101": ("fab1", 5), "L24-102": ("fab1", 3), "L24-201": ("fab2", 4)}


def demo_wafers() -> list[Wafer]:
    wafers = []
    for lot_index, (lot_id, (fab, count)) in enumerate(LOTS.items()):
        for slot in range(1, count + 1):
            n = len(wafers) + 1
            wafers.append(Wafer(
                id=f"W{n:02d}",
                lot_id=lot_id,
                fab=fab,
                slot=slot,
                status="measured",
                mean_cd_nm=round(45.0 + 0.3 * ((n * 7) % 5 - 2), 2),
                best_focus_um=round(0.01 * ((n * 3) % 11 - 5), 3),
                dose_to_size_mj_cm2=round(24.0 + 0.2 * lot_index + 0.05 * slot, 2),
            ))
    return wafers


def seed_demo_data(session: Session) -> None:
    """Insert the demo wafers into an empty table."""
    if session.get(Wafer, "W01") is None:
        session.add_all(demo_wafers())
        session.commit()
