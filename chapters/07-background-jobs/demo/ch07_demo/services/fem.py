"""Per-wafer summaries of FEM measurements: in-spec share and best focus at nominal dose."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ch07_demo.services.archive import Measurement

NOMINAL_DOSE_MJ_CM2 = 24.0


def in_spec(cd_nm: float, target_cd_nm: float, tolerance_pct: float) -> bool:
    """|CD - T| <= T·tol/100: the spec of the litho platform."""
    return abs(cd_nm - target_cd_nm) <= target_cd_nm * tolerance_pct / 100


def best_focus_um(measurements: Sequence[Measurement], dose_mj_cm2: float) -> float | None:
    """Vertex of a quadratic fit of CD against focus at one dose; None without 3 foci there."""
    points = [(m.focus_um, m.cd_nm) for m in measurements if m.dose_mj_cm2 == dose_mj_cm2]
    if len({focus for focus, _ in points}) < 3:
        return None
    focus, cd = np.array(points).T
    a, b, _ = np.polyfit(focus, cd, 2)
    return None if a == 0 else float(-b / (2 * a))


def summarise_wafer(
    wafer_id: str, measurements: Sequence[Measurement], target_cd_nm: float, tolerance_pct: float
) -> dict:
    """``{wafer_id, points, in_spec, in_spec_fraction, best_focus_um}`` for one wafer."""
    passing = sum(in_spec(m.cd_nm, target_cd_nm, tolerance_pct) for m in measurements)
    focus = best_focus_um(measurements, NOMINAL_DOSE_MJ_CM2)
    return {
        "wafer_id": wafer_id,
        "points": len(measurements),
        "in_spec": passing,
        "in_spec_fraction": round(passing / len(measurements), 4) if measurements else None,
        "best_focus_um": None if focus is None else round(focus, 4),
    }
