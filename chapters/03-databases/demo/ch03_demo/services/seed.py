"""Demo data: FEM wafers whose CDs follow a known model, so the numbers make sense.

CD = 45 - 45·ln(E/24) - 150·(F - f0)² nm, plus ±0.3 nm of noise, on a 7 × 9 grid of dose
(21-27 mJ/cm²) and focus (-0.2 to +0.2 µm); each wafer has its own best focus f0.
"""

from __future__ import annotations

import math
import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ch03_demo.models import Lot, Measurement, Wafer

DOSES_MJ_CM2 = [21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0]
FOCI_UM = [-0.2, -0.15, -0.1, -0.05, 0.0, 0.05, 0.1, 0.15, 0.2]
LOTS = {"L24-0117": 3, "L24-0118": 2, "L24-0121": 4}  # lot name -> wafers


def fem_measurements(best_focus_um: float, rng: random.Random) -> list[Measurement]:
    """One measurement per field of a focus-exposure matrix, fields numbered row by row."""
    grid = [(dose, focus) for dose in DOSES_MJ_CM2 for focus in FOCI_UM]
    return [
        Measurement(
            field=field,
            dose_mj_cm2=dose,
            focus_um=focus,
            cd_nm=round(
                45 - 45 * math.log(dose / 24) - 150 * (focus - best_focus_um) ** 2
                + rng.gauss(0, 0.3),
                2,
            ),
        )
        for field, (dose, focus) in enumerate(grid, start=1)
    ]


def seed_demo_data(session: Session) -> bool:
    """Add the demo lots unless the database has lots already; True if it seeded."""
    if session.scalar(select(func.count(Lot.id))):
        return False
    rng = random.Random(3)
    session.info["actor"] = "seed"
    for name, wafer_count in LOTS.items():
        session.add(Lot(name=name, wafers=[
            Wafer(slot=slot, measurements=fem_measurements(rng.uniform(-0.05, 0.05), rng))
            for slot in range(1, wafer_count + 1)
        ]))
    session.commit()
    return True
