"""The demo's tables: lots of wafers, and CD measurements taken on focus-exposure wafers."""

from ch02_demo.models.litho import Lot, Measurement, Wafer

__all__ = ["Lot", "Measurement", "Wafer"]
