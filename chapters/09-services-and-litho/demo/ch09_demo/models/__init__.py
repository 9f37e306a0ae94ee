"""Tables of the demo."""

from ch09_demo.models.analysis import Analysis

__all__ = ["Analysis"]
