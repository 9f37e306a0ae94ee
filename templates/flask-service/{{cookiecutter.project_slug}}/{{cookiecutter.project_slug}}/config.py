"""Typed configuration, read from the environment.

Every setting has a development default, so `make run` and `make test` need no servers
({% if cookiecutter.database == "postgresql" %}SQLite instead of PostgreSQL, {% endif %}an in-process cache, in-memory rate
limits{% if cookiecutter.use_celery == "yes" %}, tasks run eagerly{% endif %}). With APP_ENV=production, `Config.check` refuses
to start on a default secret or on a backend that only suits one process on a laptop.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
{%- if cookiecutter.auth == "jwt" %}
from datetime import timedelta
{%- endif %}
from typing import Any

ENVIRONMENTS = ("development", "testing", "production")

# Known to everyone who has read this file, so production refuses it.
DEVELOPMENT_SECRET = "development-only-secret-not-for-production"
MIN_SECRET_LENGTH = 32

DEFAULT_DATABASE_URL = "sqlite:///{{ cookiecutter.project_slug }}.db"


class ConfigError(ValueError):
    """The environment describes a configuration the service refuses to run with."""


@dataclass(frozen=True)
class Config:
    """All settings of the service; environment variable names are the upper-case field names."""

    app_env: str = "development"
    secret_key: str = DEVELOPMENT_SECRET
    database_url: str = DEFAULT_DATABASE_URL
    log_level: str = "INFO"
    # Number of reverse proxies (ingress, load balancer) in front of the service whose
    # X-Forwarded-* headers are trusted; 0 trusts none.
    trusted_proxies: int = 0
    ratelimit_default: str = "300 per minute"
    ratelimit_write: str = "60 per minute"
{%- if cookiecutter.auth == "jwt" %}
    ratelimit_login: str = "10 per minute"
{%- endif %}
    ratelimit_storage_uri: str | None = None
    cache_default_timeout: int = 300
    # Namespaces this service's keys in a shared cache or limiter storage.
    key_prefix: str = "{{ cookiecutter.project_slug }}"
{%- if cookiecutter.use_redis == "yes" %}
    redis_url: str | None = None
{%- endif %}
{%- if cookiecutter.use_celery == "yes" %}
    celery_broker_url: str | None = None
    celery_result_backend: str | None = None
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
    jwt_secret_key: str = DEVELOPMENT_SECRET
    jwt_access_token_minutes: int = 15
    jwt_refresh_token_days: int = 30
{%- endif %}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Build the configuration from `environ` (default: the process environment).

        Raises ConfigError when a variable cannot be parsed; call `check` for the rules
        that depend on APP_ENV.
        """
        env = os.environ if environ is None else environ
        defaults = cls()

        def text(name: str, default: str) -> str:
            return env.get(name.upper(), default)

        def optional(name: str) -> str | None:
            return env.get(name.upper()) or None

        def integer(name: str, default: int) -> int:
            raw = env.get(name.upper())
            if raw is None or raw == "":
                return default
            try:
                return int(raw)
            except ValueError:
                raise ConfigError(f"{name.upper()} must be an integer, got {raw!r}") from None

        return cls(
            app_env=text("app_env", defaults.app_env),
            secret_key=text("secret_key", defaults.secret_key),
{%- if cookiecutter.database == "postgresql" %}
            database_url=normalise_database_url(text("database_url", defaults.database_url)),
{%- else %}
            database_url=text("database_url", defaults.database_url),
{%- endif %}
            log_level=text("log_level", defaults.log_level).upper(),
            trusted_proxies=integer("trusted_proxies", defaults.trusted_proxies),
            ratelimit_default=text("ratelimit_default", defaults.ratelimit_default),
            ratelimit_write=text("ratelimit_write", defaults.ratelimit_write),
{%- if cookiecutter.auth == "jwt" %}
            ratelimit_login=text("ratelimit_login", defaults.ratelimit_login),
{%- endif %}
            ratelimit_storage_uri=optional("ratelimit_storage_uri"),
            cache_default_timeout=integer("cache_default_timeout", defaults.cache_default_timeout),
            key_prefix=text("key_prefix", defaults.key_prefix),
{%- if cookiecutter.use_redis == "yes" %}
            redis_url=optional("redis_url"),
{%- endif %}
{%- if cookiecutter.use_celery == "yes" %}
            celery_broker_url=optional("celery_broker_url"),
            celery_result_backend=optional("celery_result_backend"),
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
            jwt_secret_key=text("jwt_secret_key", defaults.jwt_secret_key),
            jwt_access_token_minutes=integer(
                "jwt_access_token_minutes", defaults.jwt_access_token_minutes
            ),
            jwt_refresh_token_days=integer(
                "jwt_refresh_token_days", defaults.jwt_refresh_token_days
            ),
{%- endif %}
        )

    @property
    def testing(self) -> bool:
        return self.app_env == "testing"

    def check(self) -> None:
        """Raise ConfigError listing every setting that is unsafe for APP_ENV."""
        if self.app_env not in ENVIRONMENTS:
            raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}")
        if self.app_env != "production":
            return
        problems = []
        secrets = {"SECRET_KEY": self.secret_key}
{%- if cookiecutter.auth == "jwt" %}
        secrets["JWT_SECRET_KEY"] = self.jwt_secret_key
{%- endif %}
        for name, value in secrets.items():
            if value == DEVELOPMENT_SECRET or len(value) < MIN_SECRET_LENGTH:
                problems.append(
                    f"{name} must be a random value of at least {MIN_SECRET_LENGTH} characters"
                )
{%- if cookiecutter.database == "postgresql" %}
        if not self.database_url.startswith("postgresql"):
            problems.append("DATABASE_URL must point at PostgreSQL")
{%- endif %}
{%- if cookiecutter.use_redis == "yes" %}
        if not self.redis_url:
            problems.append("REDIS_URL must be set: in-memory limits are per process")
{%- endif %}
{%- if cookiecutter.use_celery == "yes" %}
        if not self.celery_broker_url:
            problems.append("CELERY_BROKER_URL must be set: eager tasks would block requests")
{%- endif %}
        if problems:
            raise ConfigError("Refusing to start in production: " + "; ".join(problems))

    def flask_config(self) -> dict[str, Any]:
        """The Flask config mapping (extension settings included) for this configuration."""
{%- if cookiecutter.use_redis == "yes" %}
        limiter_storage = self.ratelimit_storage_uri or self.redis_url or "memory://"
{%- else %}
        limiter_storage = self.ratelimit_storage_uri or "memory://"
{%- endif %}
        settings: dict[str, Any] = {
            "TESTING": self.testing,
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            # Replaces connections the database closed (restart, idle timeout) instead
            # of failing the next request with them.
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
            "LOG_LEVEL": self.log_level,
            "TRUSTED_PROXIES": self.trusted_proxies,
            "RESTX_MASK_SWAGGER": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_DEFAULT": self.ratelimit_default,
            "RATELIMIT_WRITE": self.ratelimit_write,
{%- if cookiecutter.auth == "jwt" %}
            "RATELIMIT_LOGIN": self.ratelimit_login,
{%- endif %}
            "RATELIMIT_STORAGE_URI": limiter_storage,
            "CACHE_TYPE": "SimpleCache",
            "CACHE_DEFAULT_TIMEOUT": self.cache_default_timeout,
            # Without a prefix, cache.clear() on Redis would flush the whole database.
            "CACHE_KEY_PREFIX": f"{self.key_prefix}:cache:",
        }
{%- if cookiecutter.use_redis == "yes" %}
        if self.redis_url:
            settings.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=self.redis_url)
        if limiter_storage.startswith("redis"):
            settings["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": f"{self.key_prefix}:limits"}
        settings["REDIS_URL"] = self.redis_url
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
        settings.update(
            JWT_SECRET_KEY=self.jwt_secret_key,
            JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=self.jwt_access_token_minutes),
            JWT_REFRESH_TOKEN_EXPIRES=timedelta(days=self.jwt_refresh_token_days),
        )
{%- endif %}
{%- if cookiecutter.use_celery == "yes" %}
        settings["CELERY"] = {
            # No broker configured means the embedded default: run tasks in-process.
            "task_always_eager": self.celery_broker_url is None,
            "task_eager_propagates": True,
            "broker_url": self.celery_broker_url or "memory://",
            "result_backend": self.celery_result_backend,
            "task_ignore_result": True,
            "broker_connection_retry_on_startup": True,
            # Keep the app's JSON logging in the worker too.
            "worker_hijack_root_logger": False,
        }
{%- endif %}
        return settings

{%- if cookiecutter.database == "postgresql" %}


def normalise_database_url(url: str) -> str:
    """Select the psycopg 3 driver for plain postgres:// and postgresql:// URLs.

    SQLAlchemy would otherwise pick psycopg2, which is not installed.
    """
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url
{%- endif %}
