"""Errors the services raise when they refuse a request; the API renders them as problem details.

A service says *what* is wrong, in domain terms; which HTTP status that is, and how it looks on
the wire, is decided in one place by the API layer (``ch09_demo.errors.STATUS_OF``). No Flask
and no status codes here: a CLI or a Celery task raises and catches the same errors.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A request the service refuses. ``extensions`` become extra members of the problem body."""

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class InvalidFem(ServiceError):
    """The measurements cannot be analysed: ``problems`` lists each with its JSON pointer."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        count = len(problems)
        super().__init__(f"{count} problem{'s' * (count != 1)} in the measurements",
                         problems=problems)
        self.problems = problems


class TargetOutOfRange(ServiceError):
    """The target CD is not printed at best focus anywhere in the sampled doses.

    The answer would be an extrapolation, which the analysis never makes."""


class AnalysisNotFound(ServiceError):
    """No stored analysis has this id."""


class InvalidSpec(ServiceError):
    """The spec or the requested latitudes cannot be used; ``errors`` names each field."""

