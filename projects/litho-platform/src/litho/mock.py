"""Synthetic FEM data with known truth, for demos, tests and benchmarks.

The truth model (LITHO.md) with u = ln(E/e0) and g = F − f0 − field offset:

    CD = c0 − β·u + (α + τ·u)·g² + q·g⁴

where c0 = ``target_cd`` (so the target prints at e0 at best focus), τ = ``isofocal_tilt``
(the Bossung curvature 2(α + τu) changes sign at u = −α/τ) and q = ``quartic`` (flat-topped
Bossungs). Units: dose mJ/cm², focus µm, CD nm, α nm/µm², q nm/µm⁴.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

DEFAULT_DOSES = tuple(float(d) for d in np.linspace(20.0, 28.0, 17))
DEFAULT_FOCI = tuple(float(f) for f in np.round(np.linspace(-0.4, 0.4, 9), 10))
DIE_PITCH_X_MM = 10.0
DIE_PITCH_Y_MM = 8.0


@dataclass(frozen=True)
class MockTruth:
    """Parameters of a generated data set and the answers they imply."""

    target_cd: float
    e0: float
    beta: float
    alpha: float
    f0: float
    isofocal_tilt: float
    quartic: float
    field_focus_offsets: tuple[float, ...]
    dose_range: tuple[float, float]
    focus_range: tuple[float, float]

    @property
    def dose_to_size(self) -> float:
        """The dose printing ``target_cd`` at best focus: e0 by construction."""
        return self.e0

    @property
    def best_focus(self) -> tuple[float, ...]:
        """Best focus of each field (the Bossung vertex is at f0 + offset for every dose)."""
        return tuple(self.f0 + offset for offset in self.field_focus_offsets)

    @property
    def isofocal_dose(self) -> float | None:
        """e0·exp(−α/τ), where the curvature α + τ·ln(E/e0) vanishes; None without tilt."""
        return self.e0 * math.exp(-self.alpha / self.isofocal_tilt) if self.isofocal_tilt else None

    @property
    def isofocal_cd(self) -> float | None:
        """c0 + β·α/τ: CD at the isofocal dose, the same at every focus."""
        if not self.isofocal_tilt:
            return None
        return self.target_cd + self.beta * self.alpha / self.isofocal_tilt

    def cd(self, dose, focus, field_offset: float = 0.0):
        """Noise-free CD (nm) of the truth model."""
        u = np.log(np.asarray(dose, dtype=float) / self.e0)
        g = np.asarray(focus, dtype=float) - self.f0 - field_offset
        return (self.target_cd - self.beta * u + (self.alpha + self.isofocal_tilt * u) * g**2
                + self.quartic * g**4)

    def to_dict(self) -> dict[str, object]:
        values = asdict(self)
        values.update(dose_to_size=self.dose_to_size, best_focus=list(self.best_focus),
                      isofocal_dose=self.isofocal_dose, isofocal_cd=self.isofocal_cd)
        return values


def generate_with_truth(*, doses: Sequence[float] = DEFAULT_DOSES,
                        foci: Sequence[float] = DEFAULT_FOCI, target_cd: float = 45.0,
                        e0: float = 24.0, beta: float = 45.0, alpha: float = 120.0,
                        f0: float = 0.0, isofocal_tilt: float = 0.0, quartic: float = 0.0,
                        fields: int = 1, field_focus_offsets: Sequence[float] | None = None,
                        wafers: int = 1, repeats: int = 1, noise_sigma: float = 0.0,
                        missing_fraction: float = 0.0, outlier_fraction: float = 0.0,
                        die_coordinates: bool = False,
                        seed: int = 0) -> tuple[pd.DataFrame, MockTruth]:
    """Generate a FEM table and its truth.

    Every wafer holds ``fields`` copies of the dose × focus grid (field k shifted in focus by
    ``field_focus_offsets[k]``); each site is measured ``repeats`` times. Gaussian noise of
    ``noise_sigma`` nm is added; ``missing_fraction`` of CDs are left empty and
    ``outlier_fraction`` are moved by 15–30 % of ``target_cd`` (random sign).
    Columns: Dose, Focus, CD, plus Wafer_ID and Field when there is more than one field or
    wafer, plus X and Y (die position in mm) with ``die_coordinates``. Raises ValueError for
    impossible parameters.
    """
    dose_values = np.asarray(doses, dtype=float)
    focus_values = np.asarray(foci, dtype=float)
    offsets = np.zeros(fields) if field_focus_offsets is None else np.asarray(
        field_focus_offsets, dtype=float)
    if dose_values.size == 0 or focus_values.size == 0 or (dose_values <= 0).any():
        raise ValueError("doses must be positive and foci non-empty")
    if fields < 1 or wafers < 1 or repeats < 1:
        raise ValueError("fields, wafers and repeats must be at least 1")
    if offsets.shape != (fields,):
        raise ValueError(f"field_focus_offsets needs one offset per field ({fields})")
    for name, value in (("noise_sigma", noise_sigma), ("missing_fraction", missing_fraction),
                        ("outlier_fraction", outlier_fraction)):
        if not value >= 0 or (name != "noise_sigma" and value >= 1):
            raise ValueError(f"{name} out of range: {value}")

    truth = MockTruth(float(target_cd), float(e0), float(beta), float(alpha), float(f0),
                      float(isofocal_tilt), float(quartic), tuple(float(o) for o in offsets),
                      (float(dose_values.min()), float(dose_values.max())),
                      (float(focus_values.min()), float(focus_values.max())))
    n_dose, n_focus = dose_values.size, focus_values.size
    shape = (wafers, fields, n_dose, n_focus, repeats)
    wafer_i, field_i, dose_i, focus_i, _ = (a.ravel() for a in np.indices(shape))
    dose = dose_values[dose_i]
    focus = focus_values[focus_i]
    cd = truth.cd(dose, focus, offsets[field_i])

    rng = np.random.default_rng(seed)
    n = cd.size
    if noise_sigma:
        cd = cd + rng.normal(0.0, noise_sigma, n)
    outliers = rng.choice(n, size=round(outlier_fraction * n), replace=False)
    cd[outliers] += (rng.choice([-1.0, 1.0], outliers.size)
                     * rng.uniform(0.15, 0.30, outliers.size) * target_cd)
    missing = rng.choice(n, size=round(missing_fraction * n), replace=False)
    cd[missing] = np.nan

    columns: dict[str, object] = {}
    if fields > 1 or wafers > 1:
        width = max(2, len(str(wafers)))
        columns["Wafer_ID"] = np.char.add("W", np.char.zfill((wafer_i + 1).astype(str), width))
        columns["Field"] = field_i + 1
    if die_coordinates:
        block = field_i * (n_focus + 1) + focus_i - 0.5 * (fields * (n_focus + 1) - 2)
        columns["X"] = block * DIE_PITCH_X_MM
        columns["Y"] = (dose_i - 0.5 * (n_dose - 1)) * DIE_PITCH_Y_MM
    columns.update(Dose=dose, Focus=focus, CD=cd)
    return pd.DataFrame(columns), truth


def generate(*, doses: Sequence[float] = DEFAULT_DOSES, foci: Sequence[float] = DEFAULT_FOCI,
             target_cd: float = 45.0, e0: float = 24.0, beta: float = 45.0,
             alpha: float = 120.0, f0: float = 0.0, isofocal_tilt: float = 0.0,
             quartic: float = 0.0, fields: int = 1,
             field_focus_offsets: Sequence[float] | None = None, wafers: int = 1,
             repeats: int = 1, noise_sigma: float = 0.0, missing_fraction: float = 0.0,
             outlier_fraction: float = 0.0, die_coordinates: bool = False,
             seed: int = 0) -> pd.DataFrame:
    """The table of ``generate_with_truth`` with the same parameters, without the truth."""
    parameters = dict(locals())  # exactly the keyword parameters above
    return generate_with_truth(**parameters)[0]
