"""Exercise 01: per-dose Bossung fits by weighted least squares, with residuals.

A Bossung curve is CD against focus at one dose. Each dose gets its own polynomial in focus,
fitted by weighted least squares, and the fit reports how far the points sit from it.
Units: dose mJ/cm², focus µm, CD nm.
"""

from __future__ import annotations

import numpy as np  # noqa: F401 (for the parts you write)
import pandas as pd

REQUIRED = ("dose", "focus", "cd")


class BossungFitError(ValueError):
    """The data cannot be fitted as asked; the message says why (and names the doses)."""


def fit_bossung(fem: pd.DataFrame, degree: int = 2, weight: str | None = None) -> pd.DataFrame:
    """Fit CD = c0 + c1·F + ... + c_degree·F^degree separately for every dose.

    ``fem``: one row per measurement, columns ``dose``, ``focus``, ``cd`` (and ``weight`` when
    named); any index, any row order. ``weight``: the name of a column of weights w_i > 0
    (e.g. 1/σ_i²): each dose's fit minimises Σ w_i·(cd_i − p(F_i))². ``None``: every w_i = 1.

    Returns one row per dose, indexed by dose (index name ``"dose"``, ascending), columns:

    - ``c0`` … ``c{degree}``: coefficients in ascending powers of focus in µm (nm/µm^k);
    - ``points``: how many rows of that dose were fitted (int);
    - ``focus_min``, ``focus_max``: the focus range sampled at that dose (µm);
    - ``rms_residual``: √(mean of r_i²) over that dose's rows, r_i = cd_i − p(F_i), unweighted.

    Raises BossungFitError when ``degree`` < 1, a column is missing, a weight is not a
    positive finite number, or a dose has fewer than ``degree + 1`` distinct focus values
    (the message names every such dose).
    """
    raise NotImplementedError(
        "ex01: check degree, columns and weights; then per dose solve the weighted least "
        "squares of a Vandermonde matrix in focus (rows scaled by sqrt(w))."
    )


def residuals(fem: pd.DataFrame, fits: pd.DataFrame) -> pd.Series:
    """cd − p_dose(focus) for every row of ``fem``, with ``fem``'s index and row order.

    ``fits`` as returned by ``fit_bossung`` (columns ``c0`` … used). The Series is named
    ``"residual"`` (nm). Raises BossungFitError naming the doses of ``fem`` that ``fits`` lacks.
    """
    raise NotImplementedError(
        "ex01: look up each row's dose coefficients in fits and return cd minus the polynomial "
        "at the row's focus, keeping fem's index."
    )
