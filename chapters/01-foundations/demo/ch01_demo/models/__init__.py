"""The demo's tables: FEM wafers and their CD measurements."""

from ch01_demo.models.wafer import Measurement, Wafer

__all__ = ["Measurement", "Wafer"]
