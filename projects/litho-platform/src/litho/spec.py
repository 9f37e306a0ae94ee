"""The CD specification a process window is measured against."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Spec:
    """Target CD ``target_cd`` (nm) with a symmetric tolerance of ``tolerance_pct`` percent.

    A CD is in spec when ``|CD - target_cd| <= target_cd * tolerance_pct / 100``.
    Raises ValueError unless ``target_cd > 0`` and ``0 < tolerance_pct < 100``.
    """

    target_cd: float
    tolerance_pct: float

    def __post_init__(self) -> None:
        for name in ("target_cd", "tolerance_pct"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                raise ValueError(f"{name} must be a number, got {value!r}")
            object.__setattr__(self, name, float(value))
        if not math.isfinite(self.target_cd) or self.target_cd <= 0:
            raise ValueError(f"target_cd must be a positive CD in nm, got {self.target_cd}")
        if not math.isfinite(self.tolerance_pct) or not 0 < self.tolerance_pct < 100:
            raise ValueError(
                f"tolerance_pct must be between 0 and 100 (exclusive), got {self.tolerance_pct}"
            )

    @property
    def delta(self) -> float:
        """Half-width of the spec band in nm."""
        return self.target_cd * self.tolerance_pct / 100.0

    @property
    def cd_min(self) -> float:
        return self.target_cd - self.delta

    @property
    def cd_max(self) -> float:
        return self.target_cd + self.delta

    def in_spec(self, cd):
        """True where CD lies in [cd_min, cd_max]; works on scalars and arrays (NaN is False)."""
        return np.abs(np.asarray(cd, dtype=float) - self.target_cd) <= self.delta

    def to_dict(self) -> dict[str, float]:
        return {
            "target_cd": self.target_cd,
            "tolerance_pct": self.tolerance_pct,
            "cd_min": self.cd_min,
            "cd_max": self.cd_max,
        }
