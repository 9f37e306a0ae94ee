"""Exercise 04: vectorise a slow row-by-row loop.

``score_measurements_slow`` and ``dose_summary_slow`` below are correct and are what a first
version usually looks like: ``iterrows``, a dict lookup and a Python expression per row. At a
few hundred thousand rows they take seconds to minutes. Write ``score_measurements`` and
``dose_summary`` to give the same results (same index, same order, same columns) with whole-
column numpy/pandas operations: no ``iterrows``, ``itertuples``, ``apply``, ``map`` with a
Python function, ``np.vectorize``, or calls to the slow versions. The tests check the source:
no ``for``/``while`` loop or comprehension in the two functions, and no ``for``/``while`` loop
in any function of this module they call.

``fits``: one row per dose (index ``dose``), coefficient columns ``c0`` … ``cK`` of
CD = Σ c_k·F^k (ex01's format; other columns are ignored). Units: mJ/cm², µm, nm.
"""

from __future__ import annotations

import numpy as np  # noqa: F401 (for the parts you write)
import pandas as pd


class UnknownDose(ValueError):
    """A measurement's dose has no fit; the message names every such dose."""


def _terms(fits: pd.DataFrame) -> list[str]:
    return sorted((c for c in fits.columns if c[:1] == "c" and c[1:].isdigit()),
                  key=lambda c: int(c[1:]))


def score_measurements_slow(fem: pd.DataFrame, fits: pd.DataFrame, target_cd: float,
                            tolerance_pct: float) -> pd.DataFrame:
    """The reference: what ``score_measurements`` must return, one row at a time."""
    terms = _terms(fits)
    by_dose = {dose: [row[t] for t in terms] for dose, row in fits.iterrows()}
    missing = sorted({d for d in fem["dose"] if d not in by_dose})
    if missing:
        raise UnknownDose(f"no fit for dose(s) {', '.join(f'{d:g}' for d in missing)}")
    delta = target_cd * tolerance_pct / 100.0
    cd_fit, residual, in_spec = [], [], []
    for _, row in fem.iterrows():
        value = sum(c * row["focus"] ** k for k, c in enumerate(by_dose[row["dose"]]))
        cd_fit.append(value)
        residual.append(row["cd"] - value)
        in_spec.append(abs(row["cd"] - target_cd) <= delta)
    scored = fem.copy()
    scored["cd_fit"] = cd_fit
    scored["residual"] = residual
    scored["in_spec"] = pd.Series(in_spec, index=fem.index, dtype=bool)
    return scored


def dose_summary_slow(scored: pd.DataFrame) -> pd.DataFrame:
    """The reference: what ``dose_summary`` must return, one row at a time."""
    totals: dict[float, dict[str, float]] = {}
    for _, row in scored.iterrows():
        t = totals.setdefault(row["dose"], {"points": 0, "in_spec": 0, "cd": 0.0, "sq": 0.0,
                                            "worst": 0.0})
        t["points"] += 1
        t["in_spec"] += bool(row["in_spec"])
        t["cd"] += row["cd"]
        t["sq"] += row["residual"] ** 2
        t["worst"] = max(t["worst"], abs(row["residual"]))
    summary = pd.DataFrame.from_dict({
        dose: {"points": t["points"], "in_spec_fraction": t["in_spec"] / t["points"],
               "cd_mean": t["cd"] / t["points"], "rms_residual": (t["sq"] / t["points"]) ** 0.5,
               "max_abs_residual": t["worst"]}
        for dose, t in sorted(totals.items())}, orient="index")
    summary.index.name = "dose"
    return summary.astype({"points": int})


def score_measurements(fem: pd.DataFrame, fits: pd.DataFrame, target_cd: float,
                       tolerance_pct: float) -> pd.DataFrame:
    """Every measurement scored against its dose's fit and the spec, without a row loop.

    Returns a copy of ``fem`` (same index, same row order, its columns untouched) with:
    ``cd_fit`` (nm), the row's dose's polynomial at the row's focus; ``residual`` (nm),
    cd − cd_fit; ``in_spec`` (bool), |cd − target_cd| ≤ target_cd·tolerance_pct/100.
    Raises UnknownDose naming every dose of ``fem`` that ``fits`` has no row for.
    """
    raise NotImplementedError(
        "ex04: look up all rows' coefficients at once, evaluate the polynomial with whole-"
        "column numpy operations, add residual and in_spec."
    )


def dose_summary(scored: pd.DataFrame) -> pd.DataFrame:
    """Per dose of ``scored`` (the output of ``score_measurements``), ascending, index ``dose``:

    ``points`` (int), ``in_spec_fraction`` (0 to 1), ``cd_mean`` (nm), ``rms_residual``
    (√ of the mean squared residual, nm) and ``max_abs_residual`` (nm). No row loop.
    """
    raise NotImplementedError(
        "ex04: one groupby('dose').agg(...) over columns prepared with vectorised operations."
    )
