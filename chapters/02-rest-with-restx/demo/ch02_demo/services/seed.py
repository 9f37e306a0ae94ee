"""Demo data with a known truth: FEM wafers whose CDs follow the model in the course's LITHO notes.

CD = c0 - beta * ln(E / e0) + alpha * (F - f0)^2 + noise, sampled on a dose x focus grid.
"""

from __future__ import annotations

import math
import random

from ch02_demo.extensions import db
from ch02_demo.models import Lot, Measurement, Wafer

TARGET_CD_NM = 45.0  # c0: CD at the reference dose and best focus
REFERENCE_DOSE = 24.0  # e0, mJ/cm²
DOSE_SLOPE_NM = 45.0  # beta: about 20% exposure latitude for a ±10% CD spec
FOCUS_CURVATURE = -80.0  # alpha, nm/µm²
NOISE_NM = 0.3
DOSES = [20.0 + step for step in range(9)]  # 20-28 mJ/cm²
FOCI = [round(-0.4 + 0.1 * step, 1) for step in range(9)]  # -0.4..0.4 µm

LOTS = [("L24-001", "P45-logic", "poly"), ("L24-002", "P45-logic", "metal1"),
        ("L24-003", "P28-sram", "poly")]
# (wafer id, lot, slot, kind, best focus of the FEM wafer or None for production wafers)
WAFERS = [
    ("W01", "L24-001", 1, "fem", 0.0), ("W02", "L24-001", 2, "production", None),
    ("W03", "L24-001", 3, "production", None), ("W04", "L24-002", 1, "fem", 0.05),
    ("W05", "L24-002", 2, "production", None), ("W06", "L24-002", 3, "production", None),
    ("W07", "L24-003", 1, "fem", -0.03), ("W08", "L24-003", 2, "production", None),
    ("W09", "L24-003", 3, "production", None),
]


def modelled_cd(dose: float, focus: float, best_focus: float) -> float:
    return (
        TARGET_CD_NM
        - DOSE_SLOPE_NM * math.log(dose / REFERENCE_DOSE)
        + FOCUS_CURVATURE * (focus - best_focus) ** 2
    )


def seed_demo_data(seed: int = 2024) -> None:
    """Insert 3 lots, 9 wafers and an 81-point FEM (9 doses x 9 foci) on each FEM wafer."""
    rng = random.Random(seed)
    db.session.add_all(Lot(id=i, product=p, layer=layer) for i, p, layer in LOTS)
    for wafer_id, lot_id, slot, kind, best_focus in WAFERS:
        db.session.add(Wafer(id=wafer_id, lot_id=lot_id, slot=slot, kind=kind))
        if best_focus is None:
            continue
        grid = [(dose, focus) for dose in DOSES for focus in FOCI]
        db.session.add_all(
            Measurement(
                wafer_id=wafer_id,
                field=field,
                feature="dense",
                dose=dose,
                focus=focus,
                cd=round(modelled_cd(dose, focus, best_focus) + rng.gauss(0.0, NOISE_NM), 2),
            )
            for field, (dose, focus) in enumerate(grid, start=1)
        )
    db.session.commit()
