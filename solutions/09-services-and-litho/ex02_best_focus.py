"""Exercise 02: best focus and dose-to-size from per-dose Bossung fits.

Input is a table of fits in the format of ``ex01_bossung_fits.fit_bossung``: one row per dose
(index ``dose``, ascending, mJ/cm²), coefficient columns ``c0`` … ``cK`` of
CD = Σ c_k·F^k (F in µm, CD in nm), and ``focus_min``/``focus_max``, the focus range each fit
was sampled on. Every answer stays inside the sampled dose and focus ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.polynomial import polynomial as P


class OutOfRange(ValueError):
    """The answer would lie outside the sampled doses or foci (it is never extrapolated)."""


@dataclass(frozen=True)
class BestConditions:
    """Dose-to-size (mJ/cm²), and best focus (µm): the Bossung vertex at that dose."""

    dose_to_size: float
    best_focus: float


def _coefficients(fits: pd.DataFrame) -> np.ndarray:
    terms = sorted((c for c in fits.columns if c[:1] == "c" and c[1:].isdigit()),
                   key=lambda c: int(c[1:]))
    return fits[terms].to_numpy(dtype=float)


def vertices(fits: pd.DataFrame) -> pd.DataFrame:
    """The vertex of every dose's curve; same index as ``fits``.

    Columns: ``vertex_focus`` (µm), the focus in [focus_min, focus_max] where dCD/dF = 0 and
    d²CD/dF² ≠ 0 (an extremum; for degree 2 that is −c1/(2·c2)); when there are several, the
    one nearest the middle of the range. ``cd_at_vertex`` (nm), the fitted CD there.
    ``curvature`` (nm/µm²), d²CD/dF² there. All three NaN for a dose with no vertex inside
    its range. Found from the polynomial itself (roots of its derivative), not by sampling.
    """
    rows = []
    for c, low, high in zip(_coefficients(fits), fits["focus_min"], fits["focus_max"],
                            strict=True):
        slope, bend = P.polyder(c), P.polyder(c, 2)
        roots = P.polyroots(slope) if np.any(slope[1:]) else np.array([])
        real = roots[np.abs(roots.imag) < 1e-9].real
        keep = real[(real >= low) & (real <= high) & (np.abs(P.polyval(real, bend)) > 1e-12)]
        if keep.size == 0:
            rows.append((np.nan, np.nan, np.nan))
            continue
        focus = float(keep[np.argmin(np.abs(keep - 0.5 * (low + high)))])
        rows.append((focus, float(P.polyval(focus, c)), float(P.polyval(focus, bend))))
    return pd.DataFrame(rows, index=fits.index,
                        columns=["vertex_focus", "cd_at_vertex", "curvature"])


def _crossing(log_dose: np.ndarray, values: np.ndarray, level: float) -> float | None:
    """The lowest t where the piecewise-linear values(t) reaches level, or None."""
    offset = values - level
    for i in range(len(offset) - 1):
        a, b = offset[i], offset[i + 1]
        if a == 0:
            return float(log_dose[i])
        if np.isfinite(a) and np.isfinite(b) and a * b < 0:
            return float(log_dose[i] + a / (a - b) * (log_dose[i + 1] - log_dose[i]))
    if offset.size and offset[-1] == 0:
        return float(log_dose[-1])
    return None


def best_conditions(fits: pd.DataFrame, target_cd: float) -> BestConditions:
    """Dose-to-size E_s and best focus from the per-dose vertices.

    ``cd_at_vertex`` and ``vertex_focus`` are interpolated linearly in ln(dose) between
    neighbouring sampled doses (CD is close to linear in log dose); E_s is the lowest dose at
    which the interpolated ``cd_at_vertex`` equals ``target_cd``, and the best focus is the
    interpolated ``vertex_focus`` at E_s. Raises OutOfRange when the target is not reached
    between the lowest and highest sampled doses (segments with a dose that has no vertex do
    not count).
    """
    found = vertices(fits)
    log_dose = np.log(fits.index.to_numpy(dtype=float))
    t = _crossing(log_dose, found["cd_at_vertex"].to_numpy(), target_cd)
    if t is None:
        raise OutOfRange(f"target CD {target_cd:g} nm is not reached at best focus between "
                         f"{fits.index.min():g} and {fits.index.max():g} mJ/cm²")
    # Where cd_at_vertex is finite so is vertex_focus, and the crossing only uses finite
    # segments: the interpolated focus is always defined here.
    focus = float(np.interp(t, log_dose, found["vertex_focus"].to_numpy()))
    return BestConditions(float(np.exp(t)), focus)


def isofocal_dose(fits: pd.DataFrame) -> float | None:
    """The dose where the Bossung curvature changes sign, or None when it keeps its sign.

    Curvature here is d²CD/dF² of each dose's fit at the middle of its focus range (2·c2 for
    a quadratic), interpolated linearly in ln(dose); the lowest sign change wins.
    """
    coefficients = _coefficients(fits)
    middle = 0.5 * (fits["focus_min"].to_numpy() + fits["focus_max"].to_numpy())
    bend = np.array([P.polyval(m, P.polyder(c, 2))
                     for c, m in zip(coefficients, middle, strict=True)])
    t = _crossing(np.log(fits.index.to_numpy(dtype=float)), bend, 0.0)
    return None if t is None else float(np.exp(t))
