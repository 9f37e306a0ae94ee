"""Tables of the demo."""

from ch05_demo.models.fem import FemPoint, FemRun

__all__ = ["FemPoint", "FemRun"]
