"""Chapter 01 demo: foundations of a production Flask service, on FEM wafer data."""

from ch01_demo.app import create_app

__all__ = ["create_app"]
