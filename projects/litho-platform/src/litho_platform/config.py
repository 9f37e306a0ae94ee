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
from pathlib import Path

from celery.schedules import crontab

from litho_platform.rate_limits import REDIS_SCHEMES, parse_limit

ENVIRONMENTS = ("development", "testing", "production")

# Used outside production only, so a forgotten secret is obvious and refused where it matters.
INSECURE_DEV_SECRET = "insecure-development-secret-do-not-use-in-production"
MIN_SECRET_LENGTH = 32

ROLE_TIERS = ("admin", "engineer", "viewer", "anonymous")

# Who writes each request's log line: the app, or the server whose access log carries it
# (observability.py; deployment/gunicorn/gunicorn.conf.py chooses "server" for itself).
REQUEST_LOGS = ("app", "server")

# The Alembic scripts sit beside the package in the project folder (editable install); an image
# that installs the package elsewhere points MIGRATIONS_DIR (or --directory) at its copy.
DEFAULT_MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

# Werkzeug ProxyFix: how many proxies in front of the app may set each X-Forwarded-* header.
PROXY_FIX_HEADERS = ("for", "proto", "host", "port", "prefix")

RETENTION_TASK = "litho_platform.delete_expired_datasets"


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
    cache and in-memory rate-limit counters. Time limits and timeouts are in seconds;
    ``retention_days`` 0 keeps datasets forever; ``worker_metrics_port`` 0 turns the Celery
    worker's metrics endpoint off; ``auth_cache_seconds`` 0 checks every token in the database;
    ``request_log`` is one of REQUEST_LOGS.
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
    request_log: str = "app"
    rate_limit_admin: str = "1200/minute"
    rate_limit_engineer: str = "600/minute"
    rate_limit_viewer: str = "300/minute"
    rate_limit_anonymous: str = "60/minute"
    rate_limit_login: str = "5/minute"
    admin_username: str | None = None
    admin_password: str | None = None
    admin_email: str | None = None
    migrations_dir: str | None = None
    db_pool_size: int = 5
    db_max_overflow: int = 5
    db_pool_timeout_s: int = 10
    proxy_fix: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
    analysis_soft_time_limit_s: int = 240
    analysis_time_limit_s: int = 270
    celery_visibility_timeout_s: int = 600
    retention_days: int = 30
    prometheus_multiproc_dir: str | None = None
    worker_metrics_port: int = 9808
    auth_cache_seconds: int = 30

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
            request_log=(_text(env, "REQUEST_LOG") or defaults.request_log).lower(),
            rate_limit_admin=_text(env, "RATE_LIMIT_ADMIN") or defaults.rate_limit_admin,
            rate_limit_engineer=_text(env, "RATE_LIMIT_ENGINEER") or defaults.rate_limit_engineer,
            rate_limit_viewer=_text(env, "RATE_LIMIT_VIEWER") or defaults.rate_limit_viewer,
            rate_limit_anonymous=_text(env, "RATE_LIMIT_ANONYMOUS")
            or defaults.rate_limit_anonymous,
            rate_limit_login=_text(env, "RATE_LIMIT_LOGIN") or defaults.rate_limit_login,
            admin_username=_text(env, "LITHO_ADMIN_USERNAME"),
            admin_password=_text(env, "LITHO_ADMIN_PASSWORD"),
            admin_email=_text(env, "LITHO_ADMIN_EMAIL"),
            migrations_dir=_text(env, "MIGRATIONS_DIR"),
            db_pool_size=_integer(env, "DB_POOL_SIZE", defaults.db_pool_size),
            db_max_overflow=_integer(
                env, "DB_MAX_OVERFLOW", defaults.db_max_overflow, minimum=0
            ),
            db_pool_timeout_s=_integer(env, "DB_POOL_TIMEOUT", defaults.db_pool_timeout_s),
            proxy_fix=(
                _integer(env, "PROXY_FIX_X_FOR", 0, minimum=0),
                _integer(env, "PROXY_FIX_X_PROTO", 0, minimum=0),
                _integer(env, "PROXY_FIX_X_HOST", 0, minimum=0),
                _integer(env, "PROXY_FIX_X_PORT", 0, minimum=0),
                _integer(env, "PROXY_FIX_X_PREFIX", 0, minimum=0),
            ),
            analysis_soft_time_limit_s=_integer(
                env, "ANALYSIS_SOFT_TIME_LIMIT", defaults.analysis_soft_time_limit_s
            ),
            analysis_time_limit_s=_integer(
                env, "ANALYSIS_TIME_LIMIT", defaults.analysis_time_limit_s
            ),
            celery_visibility_timeout_s=_integer(
                env, "CELERY_VISIBILITY_TIMEOUT", defaults.celery_visibility_timeout_s
            ),
            retention_days=_integer(env, "RETENTION_DAYS", defaults.retention_days, minimum=0),
            prometheus_multiproc_dir=_text(env, "PROMETHEUS_MULTIPROC_DIR"),
            worker_metrics_port=_integer(
                env, "WORKER_METRICS_PORT", defaults.worker_metrics_port, minimum=0
            ),
            auth_cache_seconds=_integer(
                env, "AUTH_CACHE_SECONDS", defaults.auth_cache_seconds, minimum=0
            ),
        )

    def _database_options(self) -> dict[str, object]:
        # A pooled connection can die under the app (a database restart, a proxy's idle
        # timeout): pre-ping replaces it instead of failing the request that draws it.
        options: dict[str, object] = {"pool_pre_ping": True}
        if self.database_url and not self.database_url.startswith("sqlite"):
            options.update(
                pool_size=self.db_pool_size,
                max_overflow=self.db_max_overflow,
                pool_timeout=self.db_pool_timeout_s,
                pool_recycle=1800,
            )
        return options

    def _celery_config(self) -> dict[str, object]:
        eager = self.celery_broker_url is None
        broker = self.celery_broker_url or "memory://"
        celery: dict[str, object] = {
            "broker_url": broker,
            "task_always_eager": eager,
            "task_ignore_result": True,
            "broker_connection_retry_on_startup": True,
            # A message is acknowledged once its task has finished, and given back to the
            # broker when the process running it dies: a worker killed mid-analysis loses
            # nothing. Prefetching one message at a time keeps a busy worker from holding
            # queued analyses that an idle one could run.
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            # After a lost broker connection the broker redelivers unacknowledged messages to
            # another worker; stopping the tasks of that connection keeps them from running twice.
            "worker_cancel_long_running_tasks_on_connection_loss": True,
            "task_soft_time_limit": self.analysis_soft_time_limit_s,
            "task_time_limit": self.analysis_time_limit_s,
            # A request must not hang on a broker that is down: a few quick tries, then 503.
            "task_publish_retry_policy": {
                "max_retries": 2,
                "interval_start": 0,
                "interval_step": 0.5,
                "interval_max": 1,
            },
            "beat_schedule": {},
        }
        if broker.startswith(("redis://", "rediss://")):
            # Redis redelivers a message nobody acknowledged after the visibility timeout: it
            # must outlast the hard time limit, or a slow analysis would run twice. The sweep
            # settings make a restarted worker find abandoned messages within seconds of it.
            celery["broker_transport_options"] = {
                "visibility_timeout": self.celery_visibility_timeout_s,
                "unacked_restore_interval": 1,
                "unacked_restore_throttle": 5,
                "socket_timeout": 10,
                "socket_connect_timeout": 2,
            }
        if self.celery_result_backend:
            celery["result_backend"] = self.celery_result_backend
        if self.retention_days:
            celery["beat_schedule"] = {
                "delete-expired-datasets": {
                    "task": RETENTION_TASK,
                    "schedule": crontab(minute=17),
                }
            }
        return celery

    def flask_config(self) -> dict[str, object]:
        """Flask config keys for these settings (SQLALCHEMY_DATABASE_URI None: instance SQLite)."""
        testing = self.app_env == "testing"
        production = self.app_env == "production"
        fallback_secret = None if production else INSECURE_DEV_SECRET
        cache: dict[str, object] = (
            {
                # Flask-Caching's RedisCache, made to treat an unreachable Redis as a miss.
                "CACHE_TYPE": "litho_platform.cache_backend.TolerantRedisCache",
                "CACHE_REDIS_URL": self.redis_url,
                "CACHE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
            if self.redis_url
            else {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
        )
        limiter_storage = self.ratelimit_storage_uri or self.redis_url or "memory://"
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
            "SQLALCHEMY_ENGINE_OPTIONS": self._database_options(),
            "MIGRATIONS_DIR": self.migrations_dir or str(DEFAULT_MIGRATIONS_DIR),
            "PROXY_FIX": dict(zip(PROXY_FIX_HEADERS, self.proxy_fix, strict=True)),
            "REDIS_URL": self.redis_url,
            "CELERY": self._celery_config(),
            "ANALYSIS_SOFT_TIME_LIMIT": self.analysis_soft_time_limit_s,
            "ANALYSIS_TIME_LIMIT": self.analysis_time_limit_s,
            "RETENTION_DAYS": self.retention_days,
            "PROMETHEUS_MULTIPROC_DIR": self.prometheus_multiproc_dir,
            "WORKER_METRICS_PORT": self.worker_metrics_port,
            "AUTH_CACHE_SECONDS": self.auth_cache_seconds,
            "MAX_CONTENT_LENGTH": self.max_upload_mb * 1024 * 1024,
            "MAX_DATASET_ROWS": self.max_dataset_rows,
            **cache,
            # Without a prefix, cache.clear() on a shared Redis would flush every other key too.
            "CACHE_KEY_PREFIX": "litho:",
            "CACHE_DEFAULT_TIMEOUT": 3600,
            "RATELIMIT_ENABLED": True,
            # In Redis, limits fall back to per-process counters while it is down (rate_limits.py).
            "RATELIMIT_STORAGE_URI": limiter_storage,
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
            "REQUEST_LOG": self.request_log,
            "RESTX_MASK_SWAGGER": False,
            "RESTX_ERROR_404_HELP": False,
            "ERROR_INCLUDE_MESSAGE": False,
        }


def check_config(config: Mapping[str, object]) -> None:
    """Refuse configurations that must never serve: raises ConfigError with every reason.

    In production both SECRET_KEY and JWT_SECRET_KEY must be set, differ from the development
    fallback and be at least MIN_SECRET_LENGTH characters; TESTING must be off. Every
    environment needs known rate-limit tiers. With a broker, a result backend is required (the
    batch endpoint's chord waits on it), the soft time limit must come before the hard one, and
    a Redis broker's visibility timeout must outlast the hard limit.
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
    else:
        problems.extend(_limit_problems({**tiers, "login": config.get("RATE_LIMIT_LOGIN")}))
    if config.get("REQUEST_LOG", "app") not in REQUEST_LOGS:
        problems.append(f"REQUEST_LOG must be one of {', '.join(REQUEST_LOGS)}")
    storage = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if storage != "memory://" and not storage.startswith(REDIS_SCHEMES):
        problems.append("RATELIMIT_STORAGE_URI must be memory:// or a Redis URL")
    problems.extend(_celery_problems(config.get("CELERY") or {}))
    if problems:
        raise ConfigError("; ".join(problems))


def _limit_problems(limits_by_tier: Mapping[str, object]) -> list[str]:
    problems = []
    for tier, text in limits_by_tier.items():
        try:
            parse_limit(str(text))
        except ValueError:
            problems.append(
                f"the {tier} rate limit {text!r} must be one limit such as '600/minute'"
            )
    return problems


def _celery_problems(celery: Mapping[str, object]) -> list[str]:
    problems = []
    soft, hard = celery.get("task_soft_time_limit"), celery.get("task_time_limit")
    if soft is not None and hard is not None and soft >= hard:
        problems.append("ANALYSIS_SOFT_TIME_LIMIT must be below ANALYSIS_TIME_LIMIT")
    if celery.get("task_always_eager"):
        return problems
    if not celery.get("result_backend"):
        problems.append("CELERY_RESULT_BACKEND is required with CELERY_BROKER_URL")
    visibility = (celery.get("broker_transport_options") or {}).get("visibility_timeout")
    if visibility is not None and hard is not None and visibility <= hard:
        problems.append("CELERY_VISIBILITY_TIMEOUT must exceed ANALYSIS_TIME_LIMIT")
    return problems
