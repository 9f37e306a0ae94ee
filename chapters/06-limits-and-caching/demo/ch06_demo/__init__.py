"""Chapter 06 demo: a read-heavy wafer API with tiered rate limits, cached responses and ETags."""

from ch06_demo.app import create_app

__all__ = ["create_app"]
