"""Errors the services raise when they refuse a request; the API renders them as problem details.

The services stay free of Flask: they say *what* is wrong (and which HTTP status that is),
``ch02_demo.errors.ProblemApi`` decides how it looks on the wire.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A request the service refuses. ``extensions`` become extra members of the problem body."""

    status = 400

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class InvalidQuery(ServiceError):
    """A query parameter is unknown, repeated or malformed (400)."""


class ResourceNotFound(ServiceError):
    """The addressed resource does not exist (404)."""

    status = 404


class Conflict(ServiceError):
    """The request clashes with the current state, e.g. an identifier already taken (409)."""

    status = 409


class Unprocessable(ServiceError):
    """Well-formed input that refers to something that does not exist (422)."""

    status = 422
