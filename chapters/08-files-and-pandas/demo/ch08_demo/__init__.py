"""Chapter 08 demo: FEM CSV uploads, row-level validation, streamed exports, retention."""

from ch08_demo.app import create_app

__all__ = ["create_app"]
