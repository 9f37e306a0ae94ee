"""Synthetic FEM data with a known answer: CD = c0 − β·ln(E/e0) + α·(F − f0)², plus noise.

At best focus (F = f0) the CD is c0 at dose e0, so with target CD c0 the dose-to-size is e0 and
the best focus f0; with spec half-width δ the window at focus F is the dose band where
|β·ln(E/e0) − α·(F − f0)²| ≤ δ (LITHO.md). Defaults are the realistic ones: 45 nm at 24 mJ/cm².
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Truth:
    c0: float = 45.0      # nm: CD at best focus and dose-to-size
    beta: float = 45.0    # nm per unit ln(dose): β ≈ T, so ±10 % CD is ≈ 20 % EL
    e0: float = 24.0      # mJ/cm²: dose-to-size
    alpha: float = 120.0  # nm/µm²: Bossung curvature
    f0: float = 0.03      # µm: best focus

    def cd(self, dose, focus):
        dose, focus = np.asarray(dose, dtype=float), np.asarray(focus, dtype=float)
        return self.c0 - self.beta * np.log(dose / self.e0) + self.alpha * (focus - self.f0) ** 2


def mock_fem(truth: Truth = Truth(), doses=None, foci=None, noise_nm: float = 0.0,
             seed: int = 0) -> pd.DataFrame:
    """Every (dose, focus) pair of the grid once: columns dose (mJ/cm²), focus (µm), cd (nm).

    Default grid: 15 doses 18-32 mJ/cm², 13 foci −0.3…+0.3 µm (wide enough that the 5 % and
    10 % rectangles of the default spec are not clipped). ``noise_nm`` is the standard
    deviation of Gaussian noise added to CD, reproducible through ``seed``.
    """
    doses = np.arange(18.0, 33.0) if doses is None else np.asarray(doses, dtype=float)
    foci = np.linspace(-0.3, 0.3, 13) if foci is None else np.asarray(foci, dtype=float)
    dose, focus = (a.ravel() for a in np.meshgrid(doses, foci, indexing="ij"))
    cd = truth.cd(dose, focus) + np.random.default_rng(seed).normal(0.0, noise_nm, dose.size)
    return pd.DataFrame({"dose": dose, "focus": np.round(focus, 6), "cd": cd})
