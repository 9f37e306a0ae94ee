"""Exceptions the services raise on purpose; errors.py gives each its status code."""

from __future__ import annotations


class NotFound(LookupError):
    """No such thing, or not one the caller may see (the two are answered alike)."""


class Conflict(Exception):
    """The request conflicts with data already stored (a taken username or lot name)."""


class Unprocessable(ValueError):
    """Well-formed input the rules refuse; ``errors`` maps each field to what is wrong."""

    def __init__(self, detail: str, errors: dict[str, list[str]]) -> None:
        super().__init__(detail)
        self.errors = errors


class InvalidCredentials(Exception):
    """Unknown username or wrong password: deliberately one exception, one message."""


class InvalidApiKey(Exception):
    """The X-API-Key header holds no key this service issued, or a revoked one."""
