"""The demo's tables."""

from ch06_demo.models.wafers import Wafer

__all__ = ["Wafer"]
