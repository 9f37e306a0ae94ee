"""Settings read from the environment once, by the app factory.

Secrets are never defaulted outside development: ``APP_ENV=production`` without
``JWT_SECRET_KEY`` and ``API_KEY_PEPPER`` is a ConfigError at start-up, not a guessable key.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///ch04_demo.sqlite3"
ENVIRONMENTS = ("development", "production")


class ConfigError(ValueError):
    """An environment variable does not hold a value the app can start with."""


def _int(environ: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def _origins(raw: str | None) -> tuple[str, ...]:
    return tuple(o.strip() for o in (raw or "").split(",") if o.strip())


@dataclass(frozen=True)
class Settings:
    """What the demo can be told from outside."""

    env: str = "development"
    database_url: str = DEFAULT_DATABASE_URL
    # A fresh random key per process in development: tokens die with the process, and no key
    # that works against someone else's deployment ever sits in the source.
    jwt_secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    # Mixed into every API key hash (HMAC), so a leaked table of hashes cannot be checked
    # against guesses without the pepper, which lives in the environment, not the database.
    api_key_pepper: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    access_minutes: int = 15
    refresh_days: int = 14
    # argon2id cost. RFC 9106's second recommendation is t=3, m=64 MiB, p=4; tests lower it.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    # Browser origins allowed to call the API (CORS); none by default.
    cors_origins: tuple[str, ...] = ()
    # Redirect http to https and send HSTS; on in production, where TLS ends at the proxy.
    force_https: bool = False
    testing: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        env = environ.get("APP_ENV", "development")
        if env not in ENVIRONMENTS:
            raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")
        production = env == "production"
        required = {}
        for name, attr in (("JWT_SECRET_KEY", "jwt_secret_key"),
                           ("API_KEY_PEPPER", "api_key_pepper")):
            value = environ.get(name)
            if value is None and production:
                raise ConfigError(f"{name} must be set when APP_ENV=production")
            if value is not None:
                if len(value) < 32:
                    raise ConfigError(f"{name} must be at least 32 characters")
                required[attr] = value
        return cls(
            env=env,
            database_url=environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            access_minutes=_int(environ, "JWT_ACCESS_MINUTES", cls.access_minutes, 1),
            refresh_days=_int(environ, "JWT_REFRESH_DAYS", cls.refresh_days, 1),
            argon2_time_cost=_int(environ, "ARGON2_TIME_COST", cls.argon2_time_cost, 1),
            argon2_memory_kib=_int(environ, "ARGON2_MEMORY_KIB", cls.argon2_memory_kib, 8),
            argon2_parallelism=_int(environ, "ARGON2_PARALLELISM", cls.argon2_parallelism, 1),
            cors_origins=_origins(environ.get("CORS_ORIGINS")),
            force_https=production,
            **required,
        )

    def flask_config(self) -> dict[str, Any]:
        return {
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "TESTING": self.testing,
            # Unset, restx re-raises unexpected exceptions in debug and testing mode only, and
            # lets Flask-JWT-Extended's errors become 401/422 there but 500 in production.
            # Pinned off, tests see what production sends (errors.ProblemApi handles the rest).
            "PROPAGATE_EXCEPTIONS": False,
            "RESTX_MASK_SWAGGER": False,
            "JWT_SECRET_KEY": self.jwt_secret_key,
            "JWT_ALGORITHM": "HS256",
            # Only this algorithm is accepted when decoding: a token saying alg=none, or
            # RS256 with the HMAC secret as "public key", is refused before its claims are read.
            "JWT_DECODE_ALGORITHMS": ["HS256"],
            "JWT_TOKEN_LOCATION": ["headers"],
            "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=self.access_minutes),
            "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=self.refresh_days),
            "API_KEY_PEPPER": self.api_key_pepper,
            "ARGON2_TIME_COST": self.argon2_time_cost,
            "ARGON2_MEMORY_KIB": self.argon2_memory_kib,
            "ARGON2_PARALLELISM": self.argon2_parallelism,
        }
