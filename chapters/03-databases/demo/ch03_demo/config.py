"""Settings read from the environment once, by the app factory.

The interesting part is ``engine_options``: connection-pool settings only make sense for a
database server, and SQLite needs different ones (see the chapter README, "Pool settings").
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url

# A relative SQLite path: Flask-SQLAlchemy puts the file in the app's instance folder.
DEFAULT_DATABASE_URL = "sqlite:///ch03_demo.sqlite3"


class ConfigError(ValueError):
    """An environment variable does not hold a value the app can start with."""


def normalise_database_url(url: str) -> str:
    """Point ``postgres://`` and ``postgresql://`` URLs at psycopg 3, the driver installed here.

    SQLAlchemy reads a bare ``postgresql://`` as psycopg2, and hosting platforms still hand out
    ``postgres://``; an explicit ``postgresql+driver://`` URL is left alone.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _number(environ: Mapping[str, str], name: str, default: float, kind: type, minimum: float):
    raw = environ.get(name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a {kind.__name__}, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


@dataclass(frozen=True)
class Settings:
    """What the demo can be told from outside; every field has a safe embedded default."""

    database_url: str = DEFAULT_DATABASE_URL
    # Connections each process keeps open, and how many more it may open under a burst.
    pool_size: int = 5
    max_overflow: int = 10
    # Seconds a request waits for a free connection before failing instead of queueing forever.
    pool_timeout: float = 10.0
    # Seconds after which a connection is replaced rather than reused: below the idle timeout of
    # any firewall, load balancer or PgBouncer between the app and PostgreSQL.
    pool_recycle: int = 1800
    # Test each connection with a cheap round trip when it leaves the pool, so a connection the
    # server dropped (restart, failover) is replaced instead of failing the request.
    pool_pre_ping: bool = True
    echo_sql: bool = False
    testing: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Settings from ``DATABASE_URL``, ``DB_POOL_*``, ``SQL_ECHO``; ConfigError if invalid."""
        return cls(
            database_url=normalise_database_url(environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)),
            pool_size=_number(environ, "DB_POOL_SIZE", cls.pool_size, int, 1),
            max_overflow=_number(environ, "DB_MAX_OVERFLOW", cls.max_overflow, int, 0),
            pool_timeout=_number(environ, "DB_POOL_TIMEOUT", cls.pool_timeout, float, 0.1),
            pool_recycle=_number(environ, "DB_POOL_RECYCLE", cls.pool_recycle, int, 1),
            pool_pre_ping=_flag(environ, "DB_POOL_PRE_PING", cls.pool_pre_ping),
            echo_sql=_flag(environ, "SQL_ECHO", cls.echo_sql),
        )

    @property
    def backend(self) -> str:
        """``sqlite``, ``postgresql``, ...: the database behind ``database_url``."""
        return make_url(self.database_url).get_backend_name()

    def engine_options(self) -> dict[str, Any]:
        """Keyword arguments for ``create_engine``, chosen by backend."""
        if self.backend == "sqlite":
            # SQLite is a file (or memory) inside this process: no server to drop idle
            # connections, so recycling and pre-ping buy nothing, and one writer at a time means
            # a bigger pool only queues writers on the file lock. For ":memory:" Flask-SQLAlchemy
            # picks StaticPool (one shared connection), which rejects pool_size outright.
            return {}
        return {
            "pool_size": self.pool_size,
            "max_overflow": self.max_overflow,
            "pool_timeout": self.pool_timeout,
            "pool_recycle": self.pool_recycle,
            "pool_pre_ping": self.pool_pre_ping,
        }

    def flask_config(self) -> dict[str, Any]:
        return {
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": self.engine_options(),
            "SQLALCHEMY_ECHO": self.echo_sql,
            "TESTING": self.testing,
            # Unset, Flask and restx re-raise unexpected exceptions in debug and testing mode
            # only. Pinned, tests see the same 500 problem document production sends.
            "PROPAGATE_EXCEPTIONS": False,
            # Drop restx's X-Fields header from every operation in Swagger UI.
            "RESTX_MASK_SWAGGER": False,
        }
