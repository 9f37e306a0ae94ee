"""The naive process-window method of LITHO.md, kept to be measured against and shown wrong.

It walks the CSV row by row (``DataFrame.iterrows``), the way a first attempt does: for each dose
the measured focus whose CD is closest to target is that dose's "best focus", and DOF and EL
are the focus and dose spans of all in-spec points. Those spans mix points from different doses
and foci, so they describe no rectangle the process can run in; they are bounded by the sampled
grid; and the nearest-point best focus jumps between grid values. ``litho.analyze`` never uses
it; the benchmark and a course exercise do.
"""

from __future__ import annotations

import os

import pandas as pd


def naive_window(path: str | os.PathLike, target_cd: float, tolerance_pct: float) -> dict:
    """Naive spans from a CSV with Dose, Focus and CD columns (exact names, no validation).

    Returns best focus per dose, the overall "best focus" and "dose-to-size" (the point nearest
    the target), DOF = focus span and EL = dose span relative to its centre (percent) of the
    in-spec points, and the in-spec fraction.
    """
    frame = pd.read_csv(path)
    delta = target_cd * tolerance_pct / 100.0
    nearest: dict[float, tuple[float, float]] = {}
    low_dose = high_dose = low_focus = high_focus = None
    measured = in_spec = 0
    for _, row in frame.iterrows():
        cd = row["CD"]
        if pd.isna(cd):
            continue
        dose, focus = float(row["Dose"]), float(row["Focus"])
        measured += 1
        error = abs(cd - target_cd)
        if dose not in nearest or error < nearest[dose][0]:
            nearest[dose] = (error, focus)
        if error <= delta:
            in_spec += 1
            low_dose = dose if low_dose is None else min(low_dose, dose)
            high_dose = dose if high_dose is None else max(high_dose, dose)
            low_focus = focus if low_focus is None else min(low_focus, focus)
            high_focus = focus if high_focus is None else max(high_focus, focus)
    best_dose = min(nearest, key=lambda d: nearest[d][0]) if nearest else None
    return {
        "best_focus_by_dose": {d: nearest[d][1] for d in sorted(nearest)},
        "best_focus": nearest[best_dose][1] if best_dose is not None else None,
        "dose_to_size": best_dose,
        "dof": (high_focus - low_focus) if in_spec else 0.0,
        "el_pct": (200.0 * (high_dose - low_dose) / (high_dose + low_dose)) if in_spec else 0.0,
        "in_spec_fraction": in_spec / measured if measured else 0.0,
    }
