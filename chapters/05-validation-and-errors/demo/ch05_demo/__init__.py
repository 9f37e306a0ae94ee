"""Chapter 05 demo: FEM measurement runs accepted or refused in one RFC 9457 error shape."""

from ch05_demo.app import create_app

__all__ = ["create_app"]
