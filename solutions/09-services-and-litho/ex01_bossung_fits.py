"""Exercise 01: per-dose Bossung fits by weighted least squares, with residuals.

A Bossung curve is CD against focus at one dose. Each dose gets its own polynomial in focus,
fitted by weighted least squares, and the fit reports how far the points sit from it.
Units: dose mJ/cm², focus µm, CD nm.
"""

from __future__ import annotations

import numpy as np
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
    if degree < 1:
        raise BossungFitError(f"degree must be at least 1, got {degree}")
    columns = [*REQUIRED, *([weight] if weight else [])]
    missing = [c for c in columns if c not in fem.columns]
    if missing:
        raise BossungFitError(f"missing column(s): {', '.join(missing)}")
    data = fem[columns].astype(float)
    if weight:
        w = data[weight]
        if not (np.isfinite(w) & (w > 0)).all():
            raise BossungFitError(f"weights in {weight!r} must be positive finite numbers")
    distinct = data.groupby("dose")["focus"].nunique()
    short = distinct[distinct < degree + 1]
    if not short.empty:
        listed = ", ".join(f"{dose:g}" for dose in short.index)
        raise BossungFitError(f"dose(s) {listed} have fewer than {degree + 1} distinct focus "
                              f"values: a degree-{degree} fit needs {degree + 1}")
    rows = {}
    for dose, group in data.groupby("dose", sort=True):
        focus, cd = group["focus"].to_numpy(), group["cd"].to_numpy()
        root_w = np.sqrt(group[weight].to_numpy()) if weight else np.ones(len(group))
        design = np.vander(focus, degree + 1, increasing=True)
        # Scaling each row by √w turns Σ w·r² into an ordinary least-squares problem.
        coefficients, *_ = np.linalg.lstsq(design * root_w[:, None], cd * root_w, rcond=None)
        residual = cd - design @ coefficients
        rows[dose] = {**{f"c{k}": c for k, c in enumerate(coefficients)},
                      "points": len(group), "focus_min": focus.min(), "focus_max": focus.max(),
                      "rms_residual": float(np.sqrt(np.mean(residual**2)))}
    fits = pd.DataFrame.from_dict(rows, orient="index")
    fits.index.name = "dose"
    return fits.astype({"points": int})


def residuals(fem: pd.DataFrame, fits: pd.DataFrame) -> pd.Series:
    """cd − p_dose(focus) for every row of ``fem``, with ``fem``'s index and row order.

    ``fits`` as returned by ``fit_bossung`` (columns ``c0`` … used). The Series is named
    ``"residual"`` (nm). Raises BossungFitError naming the doses of ``fem`` that ``fits`` lacks.
    """
    unknown = np.setdiff1d(fem["dose"].unique(), fits.index.to_numpy())
    if unknown.size:
        raise BossungFitError(f"no fit for dose(s) {', '.join(f'{d:g}' for d in unknown)}")
    terms = sorted((c for c in fits.columns if c[:1] == "c" and c[1:].isdigit()),
                   key=lambda c: int(c[1:]))
    coefficients = fits.loc[fem["dose"].to_numpy(), terms].to_numpy()
    powers = np.vander(fem["focus"].to_numpy(dtype=float), len(terms), increasing=True)
    fitted = (coefficients * powers).sum(axis=1)
    return pd.Series(fem["cd"].to_numpy(dtype=float) - fitted, index=fem.index, name="residual")
