"""The numbers of a process-window analysis: pure numpy, no Flask, no database.

The model is one least-squares response surface, CD = Σ c[i, j]·t^i·F^j with t = ln(E/E_ref),
i ≤ 1 and j ≤ 2: linear in log dose, quadratic in focus, and the cross terms let the best focus
and the curvature drift with dose (isofocal tilt). Everything read off it stays inside the
sampled dose and focus ranges (LITHO.md: never extrapolate). Units: dose mJ/cm², focus µm, CD nm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy.optimize import brentq

from ch09_demo.services.errors import TargetOutOfRange

DOSE_DEGREE, FOCUS_DEGREE = 1, 2


@dataclass(frozen=True)
class Spec:
    """In spec when |CD − target_cd| ≤ target_cd·tolerance_pct/100."""

    target_cd: float
    tolerance_pct: float

    @property
    def delta(self) -> float:
        return self.target_cd * self.tolerance_pct / 100.0

    @property
    def cd_min(self) -> float:
        return self.target_cd - self.delta

    @property
    def cd_max(self) -> float:
        return self.target_cd + self.delta

    def in_spec(self, cd) -> np.ndarray:
        return np.abs(np.asarray(cd, dtype=float) - self.target_cd) <= self.delta

    def to_dict(self) -> dict[str, float]:
        return {"target_cd": self.target_cd, "tolerance_pct": self.tolerance_pct,
                "cd_min": self.cd_min, "cd_max": self.cd_max}


@dataclass(frozen=True)
class Surface:
    """CD(E, F) = Σ coefficients[i, j] · ln(E/reference_dose)^i · F^j."""

    coefficients: np.ndarray
    reference_dose: float
    dose_range: tuple[float, float]
    focus_range: tuple[float, float]
    rms_residual: float

    @classmethod
    def fit(cls, fem: pd.DataFrame) -> Surface:
        """Least squares over every point of ``fem`` (columns dose, focus, cd)."""
        dose, focus, cd = (fem[c].to_numpy(dtype=float) for c in ("dose", "focus", "cd"))
        dose_range = (float(dose.min()), float(dose.max()))
        # Centring ln(E) on the sampled range keeps the two log-dose columns far from collinear.
        reference = float(np.sqrt(dose_range[0] * dose_range[1]))
        t = np.log(dose / reference)
        design = np.column_stack([t**i * focus**j for i in range(DOSE_DEGREE + 1)
                                  for j in range(FOCUS_DEGREE + 1)])
        solution, *_ = np.linalg.lstsq(design, cd, rcond=None)
        rms = float(np.sqrt(np.mean((cd - design @ solution) ** 2)))
        return cls(solution.reshape(DOSE_DEGREE + 1, FOCUS_DEGREE + 1), reference, dose_range,
                   (float(focus.min()), float(focus.max())), rms)

    def log_dose(self, dose) -> np.ndarray:
        return np.log(np.asarray(dose, dtype=float) / self.reference_dose)

    def focus_polynomial(self, dose) -> np.ndarray:
        """Rows [a0, a1, a2] per dose: the Bossung curve CD = a0 + a1·F + a2·F² at that dose."""
        t = np.atleast_1d(self.log_dose(dose))
        return np.vander(t, DOSE_DEGREE + 1, increasing=True) @ self.coefficients

    def dose_line(self, focus) -> np.ndarray:
        """Rows [b0, b1] per focus: CD = b0 + b1·t along the dose axis at that focus."""
        f = np.atleast_1d(np.asarray(focus, dtype=float))
        return np.vander(f, FOCUS_DEGREE + 1, increasing=True) @ self.coefficients.T

    def cd(self, dose, focus) -> np.ndarray:
        a = self.focus_polynomial(dose)
        f = np.asarray(focus, dtype=float)
        return a[:, 0] + a[:, 1] * f + a[:, 2] * f**2


def vertices(surface: Surface, dose) -> pd.DataFrame:
    """Per dose: the Bossung vertex (dCD/dF = 0), the CD there and the curvature d²CD/dF²."""
    a = surface.focus_polynomial(dose)
    with np.errstate(divide="ignore", invalid="ignore"):
        focus = -a[:, 1] / (2.0 * a[:, 2])
    return pd.DataFrame({"dose": np.atleast_1d(np.asarray(dose, dtype=float)),
                         "vertex_focus": focus,
                         "cd_at_vertex": a[:, 0] + a[:, 1] * focus + a[:, 2] * focus**2,
                         "curvature": 2.0 * a[:, 2]})


def best_conditions(surface: Surface, spec: Spec) -> tuple[float, float]:
    """(dose_to_size, best_focus): the dose whose Bossung vertex prints the target, and that
    vertex. Raises TargetOutOfRange when either would lie outside the sampled ranges."""
    low, high = surface.log_dose(surface.dose_range)
    curvature = surface.focus_polynomial(surface.dose_range)[:, 2]
    if curvature[0] * curvature[1] <= 0:
        raise TargetOutOfRange("the Bossung curvature changes sign inside the sampled doses: "
                               "no single vertex to size at")

    def miss(t: float) -> float:
        a0, a1, a2 = surface.focus_polynomial(surface.reference_dose * np.exp(t))[0]
        return a0 - a1**2 / (4.0 * a2) - spec.target_cd

    if miss(low) * miss(high) > 0:
        raise TargetOutOfRange(
            f"target CD {spec.target_cd:g} nm is not printed at best focus between "
            f"{surface.dose_range[0]:g} and {surface.dose_range[1]:g} mJ/cm²")
    dose = float(surface.reference_dose * np.exp(brentq(miss, low, high, xtol=1e-12)))
    focus = float(vertices(surface, dose)["vertex_focus"].iloc[0])
    if not surface.focus_range[0] <= focus <= surface.focus_range[1]:
        raise TargetOutOfRange(f"best focus {focus:.3f} µm lies outside the sampled focus range")
    return dose, focus


def ed_window(surface: Surface, spec: Spec, points: int = 401) -> pd.DataFrame:
    """The in-spec dose interval at each focus of a grid over the sampled focus range.

    CD is linear in t = ln(E/E_ref) at a fixed focus, so each edge is exact: t where the line
    meets cd_min or cd_max. Edges are cut at the sampled dose limits and flagged ``clipped``
    there (the true window is larger). NaN doses where no dose of the range is in spec.
    """
    focus = np.linspace(*surface.focus_range, points)
    b0, b1 = surface.dose_line(focus).T
    t_floor, t_ceiling = surface.log_dose(surface.dose_range)
    with np.errstate(divide="ignore", invalid="ignore"):
        edges = np.sort(np.stack([(spec.cd_min - b0) / b1, (spec.cd_max - b0) / b1]), axis=0)
    flat = b1 == 0  # CD independent of dose here: all doses in spec, or none
    in_spec_flat = flat & spec.in_spec(b0)
    low = np.where(flat, np.where(in_spec_flat, -np.inf, np.inf), edges[0])
    high = np.where(flat, np.where(in_spec_flat, np.inf, -np.inf), edges[1])
    low_cut, high_cut = np.maximum(low, t_floor), np.minimum(high, t_ceiling)
    exists = low_cut <= high_cut
    ref = surface.reference_dose
    return pd.DataFrame({
        "focus": focus,
        "dose_min": np.where(exists, ref * np.exp(low_cut), np.nan),
        "dose_max": np.where(exists, ref * np.exp(high_cut), np.nan),
        "min_clipped": exists & (low <= t_floor),
        "max_clipped": exists & (high >= t_ceiling),
    })


def exposure_latitude(low, high):
    """EL (%) of a dose interval, relative to its centre dose: 100·(hi − lo)/((hi + lo)/2)."""
    return 100.0 * (high - low) / ((high + low) / 2.0)


def rectangle(window: pd.DataFrame, el_pct: float) -> dict[str, Any]:
    """The longest run of grid foci sharing a dose band of EL ``el_pct``: DOF and centre.

    In ln(dose) an EL is a fixed width, 2·atanh(EL/200) for the centre-dose convention, so the
    search is over runs of consecutive foci: the common band of a run is [max of its lower
    edges, min of its upper edges], and the longest run whose band is that wide wins.
    """
    width = 2.0 * np.arctanh(el_pct / 200.0)
    focus = window["focus"].to_numpy()
    low = np.log(window["dose_min"].to_numpy())
    high = np.log(window["dose_max"].to_numpy())
    low, high = np.where(np.isnan(low), np.inf, low), np.where(np.isnan(high), -np.inf, high)
    n = len(focus)
    # runs[s, k]: the band common to foci s..s+k (runs past the end get an empty band)
    run_low = np.maximum.accumulate(
        sliding_window_view(np.concatenate([low, np.full(n - 1, np.inf)]), n), axis=1)
    run_high = np.minimum.accumulate(
        sliding_window_view(np.concatenate([high, np.full(n - 1, -np.inf)]), n), axis=1)
    room = run_high - run_low
    fits = room >= width - 1e-12
    lengths = np.flatnonzero(fits.any(axis=0))
    if lengths.size == 0:
        return {"el_pct": el_pct, "dof": 0.0, "center_focus": None, "center_dose": None,
                "clipped": False}
    k = int(lengths[-1])
    start = int(np.argmax(np.where(fits[:, k], room[:, k], -np.inf)))
    centre = 0.5 * (run_low[start, k] + run_high[start, k])
    dose_lo, dose_hi = np.exp(centre - width / 2), np.exp(centre + width / 2)
    edge_rows = window.iloc[start:start + k + 1]
    clipped = bool(start == 0 or start + k == n - 1
                   or edge_rows["min_clipped"].any() or edge_rows["max_clipped"].any())
    return {"el_pct": el_pct, "dof": float(focus[start + k] - focus[start]),
            "center_focus": float(0.5 * (focus[start] + focus[start + k])),
            "center_dose": float(0.5 * (dose_lo + dose_hi)), "clipped": clipped}


def analyse(fem: pd.DataFrame, spec: Spec, el_pcts: tuple[float, ...] = (5.0, 10.0),
            duplicates: int = 0) -> dict[str, Any]:
    """The result document of one analysis (keys from LITHO.md's contract).

    ``fem`` has one row per (dose, focus) condition; ``duplicates`` says how many repeated
    measurements were averaged into those rows before the call."""
    surface = Surface.fit(fem)
    dose_to_size, best_focus = best_conditions(surface, spec)
    window = ed_window(surface, spec)
    widest = (np.log(window["dose_max"]) - np.log(window["dose_min"])).max()
    doses = np.sort(fem["dose"].unique())
    bossung = vertices(surface, doses)
    curves = surface.focus_polynomial(doses)
    return {
        "spec": spec.to_dict(),
        "model": {"kind": "surface", "dose_degree": DOSE_DEGREE, "focus_degree": FOCUS_DEGREE,
                  "rms_residual": surface.rms_residual,
                  "reference_dose": surface.reference_dose,
                  "coefficients": surface.coefficients.tolist()},
        "best_focus": best_focus,
        "dose_to_size": dose_to_size,
        "max_el_pct": float(200.0 * np.tanh(widest / 2.0)) if np.isfinite(widest) else 0.0,
        "process_window": [rectangle(window, el) for el in el_pcts],
        "bossung": [{"dose": float(row.dose), "coefficients": curve.tolist(),
                     "vertex_focus": float(row.vertex_focus),
                     "cd_at_vertex": float(row.cd_at_vertex), "curvature": float(row.curvature)}
                    for row, curve in zip(bossung.itertuples(), curves, strict=True)],
        "data_summary": {
            # fem holds one row per condition; ``duplicates`` rows were folded into them
            "points": int(len(fem) + duplicates), "conditions": int(len(fem)),
            "doses": int(len(doses)), "foci": int(fem["focus"].nunique()),
            "in_spec_fraction": float(spec.in_spec(fem["cd"]).mean()),
            "dose_range": list(surface.dose_range), "focus_range": list(surface.focus_range),
            "duplicates": int(duplicates),
        },
    }
