"""Errors the services raise when they refuse a request; the API renders them as problems."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A request the service refuses. ``extensions`` become extra members of the problem body."""

    status = 400

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class InvalidInput(ServiceError):
    """A body or query parameter that is malformed or out of range (400); ``errors`` says which."""


class NotFound(ServiceError):
    """The addressed resource does not exist, or not for this caller (404)."""

    status = 404


class PreconditionFailed(ServiceError):
    """An ``If-Match`` that does not match the current representation (412)."""

    status = 412
