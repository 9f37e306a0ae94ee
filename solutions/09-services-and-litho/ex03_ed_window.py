"""Exercise 03: the exposure-defocus window, DOF at an exposure latitude, in-spec yield.

Input is modelled CD on a grid: ``cd[i, j]`` at ``focus[i]`` (µm, ascending, evenly spaced)
and ``dose[j]`` (mJ/cm², ascending, any spacing). The spec: in spec when
|CD − target_cd| ≤ target_cd·tolerance_pct/100. Nothing is extrapolated past the grid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def ed_window(cd: np.ndarray, dose: np.ndarray, focus: np.ndarray, target_cd: float,
              tolerance_pct: float) -> pd.DataFrame:
    """The in-spec dose interval at every focus of the grid.

    Returns one row per focus (index ``focus``, same order), columns ``dose_min`` and
    ``dose_max`` (mJ/cm²), ``min_clipped`` and ``max_clipped`` (bool).

    At each focus take the longest run of consecutive in-spec grid doses (the first, on a
    tie). Each end of the run that has an out-of-spec neighbour is moved to where CD crosses
    the spec limit (cd_min or cd_max, whichever that neighbour is beyond), found by linear
    interpolation of CD in ln(dose) between the two grid doses. An end on the first or last
    grid dose stays there and is flagged clipped: the true window is larger than the data.
    A focus with no in-spec dose: NaN, NaN, False, False. Raises ValueError when ``cd`` is not
    shaped (len(focus), len(dose)).
    """
    cd = np.asarray(cd, dtype=float)
    dose, focus = np.asarray(dose, dtype=float), np.asarray(focus, dtype=float)
    if cd.shape != (len(focus), len(dose)):
        raise ValueError(f"cd has shape {cd.shape}; expected (len(focus), len(dose)) = "
                         f"{(len(focus), len(dose))}")
    delta = target_cd * tolerance_pct / 100.0
    low_limit, high_limit = target_cd - delta, target_cd + delta
    inside = np.abs(cd - target_cd) <= delta
    # Longest run per row: run starts and stops from the difference of the padded mask.
    padded = np.zeros((len(focus), len(dose) + 2), dtype=np.int8)
    padded[:, 1:-1] = inside
    step = np.diff(padded, axis=1)
    start_row, start_col = np.nonzero(step == 1)
    _, stop_col = np.nonzero(step == -1)
    first = np.full(len(focus), -1)
    last = np.full(len(focus), -1)
    if start_row.size:
        order = np.lexsort((start_col, start_col - stop_col, start_row))  # longest, then first
        keep = order[np.r_[True, np.diff(start_row[order]) != 0]]
        first[start_row[keep]] = start_col[keep]
        last[start_row[keep]] = stop_col[keep] - 1
    log_dose = np.log(dose)
    result = {"dose_min": np.full(len(focus), np.nan), "dose_max": np.full(len(focus), np.nan),
              "min_clipped": np.zeros(len(focus), bool), "max_clipped": np.zeros(len(focus), bool)}
    rows = np.flatnonzero(first >= 0)
    for edge, outward, column, flag, limit in ((first[rows], -1, "dose_min", "min_clipped", 0),
                                               (last[rows], 1, "dose_max", "max_clipped",
                                                len(dose) - 1)):
        on_limit = edge == limit
        result[flag][rows[on_limit]] = True
        result[column][rows[on_limit]] = dose[limit]
        r, inner = rows[~on_limit], edge[~on_limit]
        outer = inner + outward
        cd_in, cd_out = cd[r, inner], cd[r, outer]
        level = np.where(cd_out > high_limit, high_limit, low_limit)
        fraction = (level - cd_in) / (cd_out - cd_in)
        result[column][r] = np.exp(log_dose[inner] + fraction * (log_dose[outer] - log_dose[inner]))
    return pd.DataFrame(result, index=pd.Index(focus, name="focus"))


def exposure_latitude(dose_low, dose_high):
    """EL in percent of [dose_low, dose_high], relative to the interval's centre dose:
    100·(hi − lo)/((hi + lo)/2). Works on scalars and arrays."""
    low, high = np.asarray(dose_low, dtype=float), np.asarray(dose_high, dtype=float)
    return 100.0 * (high - low) / ((high + low) / 2.0)


def dof_at_el(window: pd.DataFrame, el_pct: float) -> dict:
    """The largest axis-aligned rectangle of exposure latitude ``el_pct`` inside ``window``.

    ``window`` as returned by ``ed_window``. Over every run of consecutive grid foci that all
    have a window, the common band is [max of their dose_min, min of their dose_max]; a run
    holds the rectangle when the band contains a dose interval of that EL (centre-dose
    convention: hi/lo = (1 + EL/200)/(1 − EL/200)). The longest such run wins (on a tie, the
    widest band, then the first).

    Returns ``dof`` (µm, focus[last] − focus[first] of the run; 0.0 when no single focus holds
    the EL), ``center_focus`` (µm, middle of the run), ``dose_low``, ``dose_high`` and
    ``center_dose`` ((lo + hi)/2), the interval placed in the middle of the band in ln(dose),
    and ``clipped`` (bool): the run touches the first or last grid focus, or a clipped edge.
    When nothing fits: dof 0.0, the others None and clipped False.
    """
    width = np.log((1 + el_pct / 200.0) / (1 - el_pct / 200.0))
    focus = window.index.to_numpy(dtype=float)
    low = np.log(window["dose_min"].to_numpy(dtype=float))
    high = np.log(window["dose_max"].to_numpy(dtype=float))
    low, high = np.where(np.isnan(low), np.inf, low), np.where(np.isnan(high), -np.inf, high)
    n = len(focus)
    pad_low = np.concatenate([low, np.full(n - 1, np.inf)])
    pad_high = np.concatenate([high, np.full(n - 1, -np.inf)])
    windows = np.lib.stride_tricks.sliding_window_view
    band_low = np.maximum.accumulate(windows(pad_low, n), axis=1)    # [start, extra foci]
    band_high = np.minimum.accumulate(windows(pad_high, n), axis=1)
    room = band_high - band_low
    fits = room >= width * (1 - 1e-12)
    lengths = np.flatnonzero(fits.any(axis=0))
    if lengths.size == 0:
        return {"dof": 0.0, "center_focus": None, "center_dose": None, "dose_low": None,
                "dose_high": None, "clipped": False}
    k = int(lengths[-1])
    start = int(np.argmax(np.where(fits[:, k], room[:, k], -np.inf)))
    centre = 0.5 * (band_low[start, k] + band_high[start, k])
    dose_low, dose_high = float(np.exp(centre - width / 2)), float(np.exp(centre + width / 2))
    run = window.iloc[start:start + k + 1]
    clipped = bool(start == 0 or start + k == n - 1
                   or run["min_clipped"].any() or run["max_clipped"].any())
    return {"dof": float(focus[start + k] - focus[start]),
            "center_focus": float(0.5 * (focus[start] + focus[start + k])),
            "center_dose": 0.5 * (dose_low + dose_high), "dose_low": dose_low,
            "dose_high": dose_high, "clipped": clipped}


def in_spec_yield(cd: np.ndarray, target_cd: float, tolerance_pct: float) -> float:
    """Share (0 to 1) of the grid's CD values that are in spec. NaN values (no model there)
    count in neither the numerator nor the denominator; NaN when every value is NaN."""
    cd = np.asarray(cd, dtype=float)
    known = np.isfinite(cd)
    if not known.any():
        return float("nan")
    inside = np.abs(cd[known] - target_cd) <= target_cd * tolerance_pct / 100.0
    return float(inside.mean())
