"""Settings read from the environment once, by the app factory."""

from __future__ import annotations

import os
import secrets
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


@dataclass(frozen=True)
class Settings:
    """What the demo can be told from outside; every field has a safe embedded default."""

    secret_key: str
    database_url: str
    seed_demo_data: bool
    max_per_page: int
    max_batch: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            # No default that looks like a secret: without SECRET_KEY each process signs its
            # cursors with a fresh random key, so a restart invalidates them (by design).
            secret_key=environ.get("SECRET_KEY") or secrets.token_urlsafe(32),
            # In-memory SQLite: nothing to install, fresh seeded data on every start.
            database_url=environ.get("DATABASE_URL", "sqlite://"),
            seed_demo_data=environ.get("SEED_DEMO_DATA", "1") not in {"0", "false", "no"},
            max_per_page=_positive_int(environ, "MAX_PER_PAGE", 100),
            max_batch=_positive_int(environ, "MAX_BATCH", 500),
        )

    def flask_config(self) -> dict[str, object]:
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SEED_DEMO_DATA": self.seed_demo_data,
            "MAX_PER_PAGE": self.max_per_page,
            "MAX_BATCH": self.max_batch,
            # Unset, Flask and restx re-raise unexpected exceptions in debug and testing mode
            # only: a crash would be a problem-details 500 in production and a traceback in
            # tests. Pinned, both behave alike.
            "PROPAGATE_EXCEPTIONS": False,
            # Drop restx's X-Fields header from every operation in Swagger UI.
            "RESTX_MASK_SWAGGER": False,
        }
