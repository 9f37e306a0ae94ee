"""Models of CD(E, F) fitted to FEM data, and the quantities read off them.

Two models share one interface (``cd_grid``, ``mean_curvature``):

* ``SurfaceModel``: one least-squares polynomial in log dose and focus, every term
  ``ln(E/E_ref)^i · F^j`` with ``i <= dose_degree`` and ``j <= focus_degree``. CD is close to
  linear in log dose, and the cross terms let the Bossung curvature vary with dose (isofocal
  tilt).
* ``BossungModel``: one polynomial in focus per sampled dose, interpolated linearly in log dose
  between neighbouring doses.

Inside, dose and focus are scaled to [-1, 1] over the sampled ranges so that degree-4 fits stay
well conditioned; coefficients reported to users are converted back to physical units.
Units: dose mJ/cm², focus µm, CD nm.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np
import pandas as pd

from litho.validation import FemValidationError, Problem


@dataclass(frozen=True)
class Ranges:
    """The sampled dose and focus ranges; models are never evaluated outside them."""

    dose_min: float
    dose_max: float
    focus_min: float
    focus_max: float

    @classmethod
    def of(cls, dose: np.ndarray, focus: np.ndarray) -> Ranges:
        return cls(float(dose.min()), float(dose.max()), float(focus.min()), float(focus.max()))

    @property
    def focus_mid(self) -> float:
        return 0.5 * (self.focus_min + self.focus_max)

    @property
    def focus_half(self) -> float:
        return 0.5 * (self.focus_max - self.focus_min)

    def scaled_focus(self, focus) -> np.ndarray:
        return (np.asarray(focus, dtype=float) - self.focus_mid) / self.focus_half

    def scaled_log_dose(self, dose) -> np.ndarray:
        log_min, log_max = np.log(self.dose_min), np.log(self.dose_max)
        half = 0.5 * (log_max - log_min)
        return (np.log(np.asarray(dose, dtype=float)) - (log_min + half)) / half

    def focus_grid(self, points: int) -> np.ndarray:
        return np.linspace(self.focus_min, self.focus_max, points)

    def dose_grid(self, points: int) -> np.ndarray:
        """Doses evenly spaced in log dose, ending exactly on the sampled limits."""
        grid = np.exp(np.linspace(np.log(self.dose_min), np.log(self.dose_max), points))
        grid[0], grid[-1] = self.dose_min, self.dose_max
        return grid

    def intersection(self, other: Ranges) -> Ranges | None:
        dose = (max(self.dose_min, other.dose_min), min(self.dose_max, other.dose_max))
        focus = (max(self.focus_min, other.focus_min), min(self.focus_max, other.focus_max))
        if dose[0] >= dose[1] or focus[0] >= focus[1]:
            return None
        return Ranges(dose[0], dose[1], focus[0], focus[1])


def _powers(x: np.ndarray, degree: int) -> np.ndarray:
    return np.vander(np.asarray(x, dtype=float), degree + 1, increasing=True)


def _scaled_to_physical(coefficients: np.ndarray, ranges: Ranges) -> np.ndarray:
    """Convert polynomials in scaled focus s = (F - m)/h to ascending powers of F (rows)."""
    degree = coefficients.shape[-1] - 1
    m, h = ranges.focus_mid, ranges.focus_half
    # s^k = sum_j C(k, j) F^j (-m)^(k-j) / h^k
    basis = np.zeros((degree + 1, degree + 1))
    for k in range(degree + 1):
        for j in range(k + 1):
            basis[k, j] = comb(k, j) * (-m) ** (k - j) / h**k
    return coefficients @ basis


def _derivative_at_ends(coefficients: np.ndarray) -> np.ndarray:
    """d/ds of polynomials in s (rows, ascending) at s = +1 minus at s = -1."""
    k = np.arange(coefficients.shape[-1])
    return coefficients @ (k * (1.0 - (-1.0) ** np.maximum(k - 1, 0)))


class SurfaceModel:
    """Least-squares CD surface in scaled log dose t and scaled focus s."""

    kind = "surface"

    def __init__(self, coefficients: np.ndarray, ranges: Ranges, rms_residual: float):
        self.coefficients = coefficients  # [i, j] multiplies t^i s^j
        self.ranges = ranges
        self.rms_residual = rms_residual
        self.dose_degree = coefficients.shape[0] - 1
        self.focus_degree = coefficients.shape[1] - 1

    @classmethod
    def fit(cls, dose: np.ndarray, focus: np.ndarray, cd: np.ndarray, dose_degree: int,
            focus_degree: int, ranges: Ranges) -> tuple[SurfaceModel, np.ndarray]:
        """Fit the surface; returns the model and each point's residual (nm).

        Raises FemValidationError when the points do not determine every term.
        """
        t, s = ranges.scaled_log_dose(dose), ranges.scaled_focus(focus)
        design = (_powers(t, dose_degree)[:, :, None] * _powers(s, focus_degree)[:, None, :])
        design = design.reshape(len(cd), -1)
        # Normal equations: the scaled terms keep the Gram matrix well conditioned, and it is
        # much cheaper than an SVD of the full design for large pooled data sets.
        solution, _, rank, _ = np.linalg.lstsq(design.T @ design, design.T @ cd, rcond=1e-12)
        if rank < design.shape[1]:
            raise FemValidationError([Problem(None, None, (
                f"the data do not determine a surface of dose degree {dose_degree} and focus "
                f"degree {focus_degree} ({design.shape[1]} terms, rank {rank}); sample more "
                "doses and focus values"))])
        residuals = cd - design @ solution
        rms = float(np.sqrt(np.mean(residuals**2)))
        return cls(solution.reshape(dose_degree + 1, focus_degree + 1), ranges, rms), residuals

    def cd_grid(self, dose: np.ndarray, focus: np.ndarray) -> np.ndarray:
        """Modelled CD (nm), shape (len(focus), len(dose))."""
        t = _powers(self.ranges.scaled_log_dose(dose), self.dose_degree)
        s = _powers(self.ranges.scaled_focus(focus), self.focus_degree)
        return s @ self.coefficients.T @ t.T

    def mean_curvature(self, dose: np.ndarray) -> np.ndarray:
        """Mean of d²CD/dF² (nm/µm²) over the sampled focus range, per dose."""
        t = _powers(self.ranges.scaled_log_dose(dose), self.dose_degree)
        per_dose = t @ self.coefficients  # focus polynomial in s at each dose
        return _derivative_at_ends(per_dose) / (2.0 * self.ranges.focus_half**2)


@dataclass(frozen=True)
class PerDoseFits:
    """One polynomial in focus per sampled dose (doses ascending)."""

    doses: np.ndarray
    coefficients: np.ndarray  # rows in scaled focus s, ascending powers
    ranges: Ranges
    rms_residual: float
    skipped_doses: tuple[float, ...]

    @property
    def degree(self) -> int:
        return self.coefficients.shape[1] - 1

    def physical_coefficients(self) -> np.ndarray:
        """Rows of ascending-power coefficients in focus (µm) giving CD (nm)."""
        return _scaled_to_physical(self.coefficients, self.ranges)

    def curves(self, focus: np.ndarray) -> np.ndarray:
        """Fitted CD at each focus, shape (len(doses), len(focus))."""
        return self.coefficients @ _powers(self.ranges.scaled_focus(focus), self.degree).T

    def second_derivative(self, focus: np.ndarray) -> np.ndarray:
        """d²CD/dF² (nm/µm²) of each dose's curve at one focus per dose."""
        s = self.ranges.scaled_focus(focus)
        k = np.arange(2, self.degree + 1)
        terms = self.coefficients[:, 2:] * k * (k - 1) * s[:, None] ** (k - 2)
        return terms.sum(axis=1) / self.ranges.focus_half**2

    def mean_curvature(self) -> np.ndarray:
        return _derivative_at_ends(self.coefficients) / (2.0 * self.ranges.focus_half**2)


def fit_per_dose(dose: np.ndarray, focus: np.ndarray, cd: np.ndarray, degree: int,
                 ranges: Ranges) -> tuple[PerDoseFits, np.ndarray]:
    """Least-squares polynomial of ``degree`` in focus for every dose.

    Doses with fewer than ``degree + 1`` distinct focus values cannot be fitted and are listed
    in ``skipped_doses``; their points get a NaN residual. Normal equations for all doses are
    built from per-dose power sums (bincount), so the cost is linear in points.
    """
    group, doses = pd.factorize(dose, sort=True)
    focus_code, foci = pd.factorize(focus)
    pairs = np.unique(group.astype(np.int64) * len(foci) + focus_code)
    distinct_foci = np.bincount(pairs // len(foci), minlength=len(doses))
    usable = distinct_foci > degree

    s = ranges.scaled_focus(focus)
    powers = _powers(s, 2 * degree)
    moments = np.stack([np.bincount(group, weights=powers[:, k], minlength=len(doses))
                        for k in range(2 * degree + 1)], axis=1)
    rhs = np.stack([np.bincount(group, weights=cd * powers[:, k], minlength=len(doses))
                    for k in range(degree + 1)], axis=1)
    hankel = np.add.outer(np.arange(degree + 1), np.arange(degree + 1))
    coefficients = np.linalg.solve(moments[usable][:, hankel], rhs[usable][:, :, None])[:, :, 0]

    row_of_dose = np.full(len(doses), -1)
    row_of_dose[usable] = np.arange(usable.sum())
    rows = row_of_dose[group]
    fitted = np.einsum("ij,ij->i", coefficients[np.maximum(rows, 0)], powers[:, :degree + 1])
    residuals = np.where(rows >= 0, cd - fitted, np.nan)
    used = rows >= 0
    rms = float(np.sqrt(np.mean(residuals[used] ** 2))) if used.any() else float("nan")
    fits = PerDoseFits(np.asarray(doses, dtype=float)[usable], coefficients, ranges, rms,
                       tuple(float(d) for d in np.asarray(doses)[~usable]))
    return fits, residuals


class BossungModel:
    """Per-dose Bossung fits, linearly interpolated in log dose between sampled doses."""

    kind = "bossung"
    dose_degree = 1

    def __init__(self, fits: PerDoseFits):
        if len(fits.doses) < 2:
            raise FemValidationError([Problem(None, None, (
                f"the per-dose model needs at least 2 doses with {fits.degree + 1} or more "
                f"focus values each; the data have {len(fits.doses)}"))])
        self.fits = fits
        self.ranges = Ranges(float(fits.doses[0]), float(fits.doses[-1]),
                             fits.ranges.focus_min, fits.ranges.focus_max)
        self.focus_degree = fits.degree
        self.rms_residual = fits.rms_residual

    def _interpolate(self, values: np.ndarray, dose: np.ndarray) -> np.ndarray:
        """Interpolate per-dose rows (axis 0) linearly in log dose."""
        log_doses = np.log(self.fits.doses)
        log_dose = np.log(np.asarray(dose, dtype=float))
        lower = np.clip(np.searchsorted(log_doses, log_dose, side="right") - 1,
                        0, len(log_doses) - 2)
        weight = (log_dose - log_doses[lower]) / (log_doses[lower + 1] - log_doses[lower])
        weight = weight.reshape((-1,) + (1,) * (values.ndim - 1))
        return values[lower] * (1.0 - weight) + values[lower + 1] * weight

    def cd_grid(self, dose: np.ndarray, focus: np.ndarray) -> np.ndarray:
        return self._interpolate(self.fits.curves(focus), dose).T

    def mean_curvature(self, dose: np.ndarray) -> np.ndarray:
        return self._interpolate(self.fits.mean_curvature(), dose)


def vertices(curves: np.ndarray, focus: np.ndarray,
             opening: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertex focus and CD of each curve (rows) sampled on a uniform focus grid.

    The vertex is the minimum of a curve that opens upwards (``opening > 0``) and the maximum of
    one that opens downwards, refined by a parabola through the three grid points around it
    (exact for quadratic curves). NaN where the extremum sits on the end of the sampled range
    (no vertex inside it) or the curve has no opening direction.
    """
    sign = np.sign(opening)[:, None]
    oriented = curves * sign
    index = np.argmin(oriented, axis=1)
    inside = (index > 0) & (index < curves.shape[1] - 1) & (sign[:, 0] != 0)
    rows = np.flatnonzero(inside)
    vertex_focus = np.full(len(curves), np.nan)
    vertex_cd = np.full(len(curves), np.nan)
    if rows.size:
        j = index[rows]
        left, mid, right = (curves[rows, j - 1], curves[rows, j], curves[rows, j + 1])
        bend = left - 2.0 * mid + right
        with np.errstate(divide="ignore", invalid="ignore"):
            offset = np.where(bend != 0, 0.5 * (left - right) / bend, 0.0)
        offset = np.clip(offset, -0.5, 0.5)
        step = focus[1] - focus[0]
        vertex_focus[rows] = focus[j] + offset * step
        vertex_cd[rows] = mid - 0.25 * (left - right) * offset
    return vertex_focus, vertex_cd


def crossings(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Positions where the sampled function y(x) crosses zero, by linear interpolation.

    NaN samples break the function: no crossing is reported across them.
    """
    y0, y1 = y[:-1], y[1:]
    finite = np.isfinite(y0) & np.isfinite(y1)
    with np.errstate(invalid="ignore"):
        change = finite & (((y0 < 0) & (y1 > 0)) | ((y0 > 0) & (y1 < 0)) | (y1 == 0))
    exact_start = np.isfinite(y[:1]) & (y[:1] == 0)
    k = np.flatnonzero(change)
    fraction = np.where(y1[k] == 0, 1.0, y0[k] / (y0[k] - y1[k]))
    found = x[k] + fraction * (x[k + 1] - x[k])
    return np.concatenate([x[:1][exact_start], found])
