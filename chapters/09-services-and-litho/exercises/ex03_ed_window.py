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
    raise NotImplementedError(
        "ex03: mask the in-spec grid points, take each focus's longest run of doses, then "
        "interpolate its ends to the spec limits in ln(dose)."
    )


def exposure_latitude(dose_low, dose_high):
    """EL in percent of [dose_low, dose_high], relative to the interval's centre dose:
    100·(hi − lo)/((hi + lo)/2). Works on scalars and arrays."""
    raise NotImplementedError(
        "ex03: return 100*(hi - lo)/((hi + lo)/2)."
    )


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
    raise NotImplementedError(
        "ex03: convert the EL to a width in ln(dose), then find the longest run of foci whose "
        "common band is at least that wide."
    )


def in_spec_yield(cd: np.ndarray, target_cd: float, tolerance_pct: float) -> float:
    """Share (0 to 1) of the grid's CD values that are in spec. NaN values (no model there)
    count in neither the numerator nor the denominator; NaN when every value is NaN."""
    raise NotImplementedError(
        "ex03: count the finite CD values within target +/- delta and divide by the number of "
        "finite values."
    )
