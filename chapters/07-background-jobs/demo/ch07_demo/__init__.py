"""Chapter 07 demo: Celery bound to the app factory; jobs with progress, retries, beat."""

from ch07_demo.app import create_app

__all__ = ["create_app"]
