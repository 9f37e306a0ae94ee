"""Chapter 02 demo: a flask-restx API over lots, wafers and FEM measurements."""

from ch02_demo.app import create_app

__all__ = ["create_app"]
