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


@dataclass(frozen=True)
class Settings:
    """What the demo can be told from outside; every field has a safe embedded default."""

    database_url: str
    max_content_length: int
    max_json_depth: int
    max_points: int
    problem_type_base: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            database_url=environ.get("DATABASE_URL", "sqlite://"),
            # 81 points of a 9 x 9 FEM are about 6 KiB of JSON; 256 KiB leaves room for a dense
            # matrix and refuses a 100 MB upload before it is read.
            max_content_length=_positive_int(environ, "MAX_CONTENT_LENGTH", 256 * 1024),
            max_json_depth=_positive_int(environ, "MAX_JSON_DEPTH", 8),
            max_points=_positive_int(environ, "MAX_POINTS", 2000),
            problem_type_base=environ.get(
                "PROBLEM_TYPE_BASE", "https://litho.example/problems/"
            ),
        )

    def flask_config(self) -> dict[str, object]:
        return {
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            # Werkzeug refuses a larger body with 413 when the view reads it.
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "MAX_JSON_DEPTH": self.max_json_depth,
            "MAX_POINTS": self.max_points,
            "PROBLEM_TYPE_BASE": self.problem_type_base,
            # Pinned: unset, Flask and restx re-raise unexpected exceptions in debug and testing
            # mode only, so tests would see tracebacks where production sends a 500.
            "PROPAGATE_EXCEPTIONS": False,
            "RESTX_MASK_SWAGGER": False,
        }
