"""Chapter 09 demo: a process-window analysis service behind thin flask-restx routes."""

from ch09_demo.app import create_app

__all__ = ["create_app"]
