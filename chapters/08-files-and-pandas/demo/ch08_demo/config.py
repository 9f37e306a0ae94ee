"""Settings read from the environment once, by the app factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Relative to the app's instance folder (chapters/08-files-and-pandas/demo/instance/).
DEFAULT_DATABASE_URL = "sqlite:///ch08_demo.sqlite3"
DEFAULT_UPLOAD_DIR = "uploads"


class ConfigError(ValueError):
    """An environment variable does not hold a value the app can start with."""


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """What the demo can be told from outside; every field has a safe embedded default."""

    database_url: str = DEFAULT_DATABASE_URL
    # None: <instance folder>/uploads. Stored files live here under names the server chose.
    upload_dir: Path | None = None
    # The largest upload accepted, counted while the body streams in.
    max_upload_bytes: int = 20 * 1024 * 1024
    # Rows per chunk when a stored file is read back (exports, condition summaries).
    read_chunk_rows: int = 50_000
    # Datasets older than this are removed by POST /retention/cleanup unless it says otherwise.
    retention_days: int = 30
    testing: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Settings from ``DATABASE_URL``, ``UPLOAD_DIR``, ``MAX_UPLOAD_BYTES``,
        ``READ_CHUNK_ROWS`` and ``RETENTION_DAYS``; ConfigError if invalid."""
        upload_dir = environ.get("UPLOAD_DIR")
        return cls(
            database_url=environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            upload_dir=Path(upload_dir) if upload_dir else None,
            max_upload_bytes=_positive_int(environ, "MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            read_chunk_rows=_positive_int(environ, "READ_CHUNK_ROWS", cls.read_chunk_rows),
            retention_days=_positive_int(environ, "RETENTION_DAYS", cls.retention_days),
        )

    def flask_config(self, instance_path: str) -> dict[str, Any]:
        upload_dir = self.upload_dir or Path(instance_path) / DEFAULT_UPLOAD_DIR
        return {
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "UPLOAD_DIR": Path(upload_dir),
            "MAX_UPLOAD_BYTES": self.max_upload_bytes,
            # Werkzeug's own guard for multipart bodies, a little above ours so that the
            # service's streaming check is the one that answers. It also caps form parsing.
            "MAX_CONTENT_LENGTH": self.max_upload_bytes + 64 * 1024,
            "READ_CHUNK_ROWS": self.read_chunk_rows,
            "RETENTION_DAYS": self.retention_days,
            "TESTING": self.testing,
            "PROPAGATE_EXCEPTIONS": False,
            "RESTX_MASK_SWAGGER": False,
        }
