"""Settings read from the environment once, by the app factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a positive integer, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {raw!r}")
    return value


def _driver_url(url: str) -> str:
    """Point ``postgres://`` and ``postgresql://`` URLs at psycopg 3, the driver installed."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


@dataclass(frozen=True)
class Settings:
    """What the demo can be told from outside; every field has a safe embedded default."""

    database_url: str
    seed_demo_data: bool
    max_measurements: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            # In-memory SQLite: nothing to install, a fresh seeded analysis on every start.
            database_url=_driver_url(environ.get("DATABASE_URL", "sqlite://")),
            seed_demo_data=environ.get("SEED_DEMO_DATA", "1") not in {"0", "false", "no"},
            max_measurements=_positive_int(environ, "MAX_MEASUREMENTS", 20_000),
        )

    def flask_config(self) -> dict[str, object]:
        return {
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SEED_DEMO_DATA": self.seed_demo_data,
            "MAX_MEASUREMENTS": self.max_measurements,
            # Pinned, so an unexpected exception is a problem-details 500 in every mode
            # (restx would otherwise re-raise it in debug and testing mode only).
            "PROPAGATE_EXCEPTIONS": False,
            "RESTX_MASK_SWAGGER": False,
        }
