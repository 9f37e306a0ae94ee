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
from numpy.polynomial import polynomial as P  # noqa: F401 (for the parts you write)


class OutOfRange(ValueError):
    """The answer would lie outside the sampled doses or foci (it is never extrapolated)."""


@dataclass(frozen=True)
class BestConditions:
    """Dose-to-size (mJ/cm²), and best focus (µm): the Bossung vertex at that dose."""

    dose_to_size: float
    best_focus: float


def _coefficients(fits: pd.DataFrame) -> np.ndarray:
    raise NotImplementedError(
        "ex02: return the c0..cK columns of fits as an array, in order of the power."
    )


def vertices(fits: pd.DataFrame) -> pd.DataFrame:
    """The vertex of every dose's curve; same index as ``fits``.

    Columns: ``vertex_focus`` (µm), the focus in [focus_min, focus_max] where dCD/dF = 0 and
    d²CD/dF² ≠ 0 (an extremum; for degree 2 that is −c1/(2·c2)); when there are several, the
    one nearest the middle of the range. ``cd_at_vertex`` (nm), the fitted CD there.
    ``curvature`` (nm/µm²), d²CD/dF² there. All three NaN for a dose with no vertex inside
    its range. Found from the polynomial itself (roots of its derivative), not by sampling.
    """
    raise NotImplementedError(
        "ex02: per dose, find the roots of the derivative inside [focus_min, focus_max] and "
        "evaluate CD and the second derivative there."
    )


def _crossing(log_dose: np.ndarray, values: np.ndarray, level: float) -> float | None:
    """The lowest t where the piecewise-linear values(t) reaches level, or None."""
    raise NotImplementedError(
        "ex02: walk the segments of values(t) and interpolate linearly where values - level "
        "changes sign."
    )


def best_conditions(fits: pd.DataFrame, target_cd: float) -> BestConditions:
    """Dose-to-size E_s and best focus from the per-dose vertices.

    ``cd_at_vertex`` and ``vertex_focus`` are interpolated linearly in ln(dose) between
    neighbouring sampled doses (CD is close to linear in log dose); E_s is the lowest dose at
    which the interpolated ``cd_at_vertex`` equals ``target_cd``, and the best focus is the
    interpolated ``vertex_focus`` at E_s. Raises OutOfRange when the target is not reached
    between the lowest and highest sampled doses (segments with a dose that has no vertex do
    not count).
    """
    raise NotImplementedError(
        "ex02: interpolate cd_at_vertex in ln(dose) to find where it equals the target, then "
        "interpolate vertex_focus there."
    )


def isofocal_dose(fits: pd.DataFrame) -> float | None:
    """The dose where the Bossung curvature changes sign, or None when it keeps its sign.

    Curvature here is d²CD/dF² of each dose's fit at the middle of its focus range (2·c2 for
    a quadratic), interpolated linearly in ln(dose); the lowest sign change wins.
    """
    raise NotImplementedError(
        "ex02: interpolate the curvature at mid-range in ln(dose) and return the dose where it "
        "changes sign."
    )
