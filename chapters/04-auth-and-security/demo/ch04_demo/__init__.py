"""Chapter 04 demo: accounts, argon2 passwords, access and refresh JWTs, revocation, roles,
API keys, security headers and CORS."""

from ch04_demo.app import create_app

__all__ = ["create_app"]
