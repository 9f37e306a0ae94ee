"""Configuration per environment, read from the process environment.

``APP_ENV`` picks one of three classes; a handful of variables override its values. The result is
a plain dict for ``app.config``, so the factory never reads ``os.environ`` itself and a test can
hand it any environment it likes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

# Public on purpose: anything signed with it (session cookies, tokens) is forgeable, which is why
# production refuses it.
DEV_SECRET_KEY = "dev-only-secret-key-not-for-production"

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(RuntimeError):
    """The environment does not describe a configuration the app may start with."""


class BaseConfig:
    SECRET_KEY: str | None = DEV_SECRET_KEY
    DEBUG = False
    TESTING = False
    # Flask (and flask-restx) re-raise unhandled exceptions when TESTING or DEBUG is on unless this
    # is set. Pinning it means tests see the same 500 problem document that production sends.
    PROPAGATE_EXCEPTIONS = False
    # The embedded default: in-memory SQLite, seeded at start by ``python -m ch01_demo``.
    SQLALCHEMY_DATABASE_URI: str | None = "sqlite://"
    PORT = 5000
    LOG_LEVEL = "INFO"
    READINESS_TIMEOUT_S = 2.0
    # Pinned rather than "latest": moving the default breaks every client that sends no version.
    API_DEFAULT_VERSION = 2
    RESTX_MASK_SWAGGER = False


class DevelopmentConfig(BaseConfig):
    DEBUG = True
    LOG_LEVEL = "DEBUG"


class TestingConfig(BaseConfig):
    TESTING = True


class ProductionConfig(BaseConfig):
    # No defaults for what must differ per deployment: the environment has to provide them.
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def _log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
    return level


def _positive_float(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError("expected a number greater than 0")
    return value


# environment variable -> (Flask config key, parser)
_OVERRIDES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "SECRET_KEY": ("SECRET_KEY", str),
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "PORT": ("PORT", int),
    "LOG_LEVEL": ("LOG_LEVEL", _log_level),
    "READINESS_TIMEOUT_S": ("READINESS_TIMEOUT_S", _positive_float),
}


def config_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Flask settings for the environment named by ``APP_ENV`` (default ``development``).

    ``SECRET_KEY``, ``DATABASE_URL``, ``PORT``, ``LOG_LEVEL`` and ``READINESS_TIMEOUT_S`` override
    the class defaults. Raises ``ConfigError`` naming the variable when ``APP_ENV`` is unknown, a
    value does not parse, or production lacks ``SECRET_KEY`` / ``DATABASE_URL`` or uses the
    development secret.
    """
    env = os.environ if environ is None else environ
    name = env.get("APP_ENV", "development")
    if name not in CONFIGS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}, got {name!r}")
    config_class = CONFIGS[name]
    settings = {key: getattr(config_class, key) for key in dir(config_class) if key.isupper()}
    settings["APP_ENV"] = name

    for variable, (key, parse) in _OVERRIDES.items():
        if variable not in env:
            continue
        try:
            settings[key] = parse(env[variable])
        except ValueError as exc:
            raise ConfigError(f"{variable}={env[variable]!r} is invalid: {exc}") from None

    if name == "production":
        if settings["SECRET_KEY"] in (None, "", DEV_SECRET_KEY):
            raise ConfigError("SECRET_KEY must be set to a real secret in production")
        if not settings["SQLALCHEMY_DATABASE_URI"]:
            raise ConfigError("DATABASE_URL must be set in production")
    return settings
