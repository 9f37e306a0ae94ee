"""The demo's tables."""

from ch07_demo.models.jobs import Job

__all__ = ["Job"]
