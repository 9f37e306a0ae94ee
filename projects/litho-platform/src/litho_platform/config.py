"""Configuration: one typed settings object read from the environment.

``Settings.from_env`` is the only code that reads ``os.environ``. ``Settings.flask_config`` turns
it into Flask's config mapping; ``create_app`` applies a test's overrides on top and then calls
``check_config``, which refuses unsafe production settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

ENVIRONMENTS = ("development", "testing", "production")

# Used outside production only, so a forgotten secret is obvious and refused where it matters.
INSECURE_DEV_SECRET = "insecure-development-secret-do-not-use-in-production"
MIN_SECRET_LENGTH = 32

ROLE_TIERS = ("admin", "engineer", "viewer", "anonymous")


class ConfigError(RuntimeError):
    """The environment describes a configuration the service refuses to run with."""


def _text(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _integer(environ: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = _text(environ, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """Every setting the service reads, typed, with the embedded default where one is safe.

    ``database_url`` None means SQLite in the instance folder; ``celery_broker_url`` None means
    analysis jobs run in-process (Celery eager mode); ``redis_url`` None means the in-process
    cache and in-memory rate-limit counters.
    """

    app_env: str = "development"
    secret_key: str | None = None
    jwt_secret_key: str | None = None
    database_url: str | None = None
    redis_url: str | None = None
    celery_broker_url: str | None = None
    celery_result_backend: str | None = None
    ratelimit_storage_uri: str | None = None
    instance_path: str | None = None
    max_upload_mb: int = 32
    max_dataset_rows: int = 2_000_000
    access_token_minutes: int = 15
    refresh_token_days: int = 7
    port: int = 8000
    log_level: str = "INFO"
    rate_limit_admin: str = "1200/minute"
    rate_limit_engineer: str = "600/minute"
    rate_limit_viewer: str = "300/minute"
    rate_limit_anonymous: str = "60/minute"
    rate_limit_login: str = "5/minute"
    admin_username: str | None = None
    admin_password: str | None = None
    admin_email: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings; raises ConfigError on a malformed or unknown value."""
        env = os.environ if environ is None else environ
        app_env = (_text(env, "APP_ENV") or "development").lower()
        if app_env not in ENVIRONMENTS:
            raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, got {app_env!r}")
        defaults = cls()
        return cls(
            app_env=app_env,
            secret_key=_text(env, "SECRET_KEY"),
            jwt_secret_key=_text(env, "JWT_SECRET_KEY"),
            database_url=_text(env, "DATABASE_URL"),
            redis_url=_text(env, "REDIS_URL"),
            celery_broker_url=_text(env, "CELERY_BROKER_URL"),
            celery_result_backend=_text(env, "CELERY_RESULT_BACKEND"),
            ratelimit_storage_uri=_text(env, "RATELIMIT_STORAGE_URI"),
            instance_path=_text(env, "INSTANCE_PATH"),
            max_upload_mb=_integer(env, "MAX_UPLOAD_MB", defaults.max_upload_mb),
            max_dataset_rows=_integer(env, "MAX_DATASET_ROWS", defaults.max_dataset_rows),
            access_token_minutes=_integer(
                env, "JWT_ACCESS_TOKEN_MINUTES", defaults.access_token_minutes
            ),
            refresh_token_days=_integer(env, "JWT_REFRESH_TOKEN_DAYS", defaults.refresh_token_days),
            port=_integer(env, "PORT", defaults.port),
            log_level=(_text(env, "LOG_LEVEL") or defaults.log_level).upper(),
            rate_limit_admin=_text(env, "RATE_LIMIT_ADMIN") or defaults.rate_limit_admin,
            rate_limit_engineer=_text(env, "RATE_LIMIT_ENGINEER") or defaults.rate_limit_engineer,
            rate_limit_viewer=_text(env, "RATE_LIMIT_VIEWER") or defaults.rate_limit_viewer,
            rate_limit_anonymous=_text(env, "RATE_LIMIT_ANONYMOUS")
            or defaults.rate_limit_anonymous,
            rate_limit_login=_text(env, "RATE_LIMIT_LOGIN") or defaults.rate_limit_login,
            admin_username=_text(env, "LITHO_ADMIN_USERNAME"),
            admin_password=_text(env, "LITHO_ADMIN_PASSWORD"),
            admin_email=_text(env, "LITHO_ADMIN_EMAIL"),
        )

    def flask_config(self) -> dict[str, object]:
        """Flask config keys for these settings (SQLALCHEMY_DATABASE_URI None: instance SQLite)."""
        testing = self.app_env == "testing"
        production = self.app_env == "production"
        fallback_secret = None if production else INSECURE_DEV_SECRET
        eager = self.celery_broker_url is None
        celery: dict[str, object] = {
            "broker_url": self.celery_broker_url or "memory://",
            "task_always_eager": eager,
            "task_ignore_result": True,
            "broker_connection_retry_on_startup": True,
        }
        if self.celery_result_backend:
            celery["result_backend"] = self.celery_result_backend
        cache: dict[str, object] = (
            {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": self.redis_url}
            if self.redis_url
            else {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
        )
        return {
            "APP_ENV": self.app_env,
            "TESTING": testing,
            "DEBUG": False,
            # Explicit: flask-restx and Flask both fall back to TESTING/DEBUG when this is unset,
            # which makes error handling differ between the test suite and production.
            "PROPAGATE_EXCEPTIONS": False,
            "SECRET_KEY": self.secret_key or fallback_secret,
            "JWT_SECRET_KEY": self.jwt_secret_key or fallback_secret,
            "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=self.access_token_minutes),
            "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=self.refresh_token_days),
            "JWT_TOKEN_LOCATION": ["headers"],
            "JWT_ALGORITHM": "HS256",
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "REDIS_URL": self.redis_url,
            "CELERY": celery,
            "MAX_CONTENT_LENGTH": self.max_upload_mb * 1024 * 1024,
            "MAX_DATASET_ROWS": self.max_dataset_rows,
            **cache,
            # Without a prefix, cache.clear() on a shared Redis would flush every other key too.
            "CACHE_KEY_PREFIX": "litho:",
            "CACHE_DEFAULT_TIMEOUT": 3600,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri or self.redis_url or "memory://",
            "RATE_LIMITS": {
                "admin": self.rate_limit_admin,
                "engineer": self.rate_limit_engineer,
                "viewer": self.rate_limit_viewer,
                "anonymous": self.rate_limit_anonymous,
            },
            "RATE_LIMIT_LOGIN": self.rate_limit_login,
            # argon2-cffi profile name; the cheapest one keeps a test suite of many logins fast.
            "ARGON2_PROFILE": "CHEAPEST" if testing else "RFC_9106_LOW_MEMORY",
            "ADMIN_USERNAME": self.admin_username,
            "ADMIN_PASSWORD": self.admin_password,
            "ADMIN_EMAIL": self.admin_email,
            "PORT": self.port,
            "LOG_LEVEL": self.log_level,
            "RESTX_MASK_SWAGGER": False,
            "RESTX_ERROR_404_HELP": False,
            "ERROR_INCLUDE_MESSAGE": False,
        }


def check_config(config: Mapping[str, object]) -> None:
    """Refuse configurations that must never serve: raises ConfigError with every reason.

    In production both SECRET_KEY and JWT_SECRET_KEY must be set, differ from the development
    fallback and be at least MIN_SECRET_LENGTH characters; TESTING must be off. Every
    environment needs known rate-limit tiers.
    """
    problems = []
    if config.get("APP_ENV") not in ENVIRONMENTS:
        problems.append(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}")
    if config.get("APP_ENV") == "production":
        for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
            secret = config.get(key)
            if not secret:
                problems.append(f"{key} is required in production")
            elif secret == INSECURE_DEV_SECRET:
                problems.append(f"{key} is the development default")
            elif len(str(secret)) < MIN_SECRET_LENGTH:
                problems.append(f"{key} must be at least {MIN_SECRET_LENGTH} characters")
        if config.get("TESTING"):
            problems.append("TESTING must be off in production")
    tiers = config.get("RATE_LIMITS")
    if not isinstance(tiers, Mapping) or set(tiers) != set(ROLE_TIERS):
        problems.append(f"RATE_LIMITS must name exactly the tiers {', '.join(ROLE_TIERS)}")
    if problems:
        raise ConfigError("; ".join(problems))
