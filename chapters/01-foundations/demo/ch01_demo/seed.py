"""Demo data with a known truth: two FEM wafers of one lot, printed from a closed-form model.

CD(E, F) = 45 − 45·ln(E/24) − 120·(F − f0)² nm, with dose E in mJ/cm² and focus F in µm: CD is
close to linear in log dose and parabolic in focus (a Bossung curve per dose), centred on each
wafer's best focus f0. No noise, so every value a test reads can be worked out by hand.
"""

from __future__ import annotations

import math

from sqlalchemy import select

from ch01_demo.extensions import db
from ch01_demo.models import Measurement, Wafer

DOSES_MJ_CM2 = (20.0, 22.0, 24.0, 26.0, 28.0)
FOCI_UM = (-0.2, -0.1, 0.0, 0.1, 0.2)
# wafer id -> best focus f0 in µm: the two wafers differ by a focus offset, as real FEMs do.
WAFERS = {"FEM-01": 0.02, "FEM-02": -0.03}
LOT_ID = "L24-017"
LAYER = "M1"


def model_cd(dose: float, focus: float, best_focus: float) -> float:
    """CD in nm, rounded to 0.01 nm as a CD-SEM reports it."""
    return round(45.0 - 45.0 * math.log(dose / 24.0) - 120.0 * (focus - best_focus) ** 2, 2)


def fem_wafer(wafer_id: str, best_focus: float) -> Wafer:
    """A wafer with one field per (dose, focus) pair, fields numbered row by row from 1."""
    wafer = Wafer(id=wafer_id, lot_id=LOT_ID, layer=LAYER)
    conditions = [(dose, focus) for dose in DOSES_MJ_CM2 for focus in FOCI_UM]
    wafer.measurements = [
        Measurement(field=n, dose=dose, focus=focus, cd=model_cd(dose, focus, best_focus))
        for n, (dose, focus) in enumerate(conditions, start=1)
    ]
    return wafer


def init_db() -> None:
    """Create the tables and insert the demo wafers unless some are there already."""
    db.create_all()
    if db.session.scalar(select(Wafer.id).limit(1)) is None:
        db.session.add_all(fem_wafer(wafer_id, f0) for wafer_id, f0 in WAFERS.items())
        db.session.commit()
