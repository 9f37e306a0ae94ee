"""Settings read from the environment once, by the app factory.

Without ``REDIS_URL`` the demo runs on the embedded default: rate-limit counters in process
memory (``memory://``) and a ``SimpleCache``, both private to one process. With ``REDIS_URL``
both move to Redis, which is what several gunicorn workers or replicas need to share.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass


def _non_negative_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a non-negative integer, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {raw!r}")
    return value


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() not in {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Settings:
    """What the demo can be told from outside; every field has a safe embedded default."""

    jwt_secret_key: str
    database_url: str
    redis_url: str | None
    trusted_proxy_hops: int
    cache_timeout: int
    ratelimit_enabled: bool
    seed_demo_data: bool

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            # No default that looks like a secret: without JWT_SECRET_KEY each process signs
            # with a fresh random key, so tokens die with the process (and with several
            # workers, a token from one worker is refused by the others: set it).
            jwt_secret_key=environ.get("JWT_SECRET_KEY") or secrets.token_urlsafe(32),
            database_url=environ.get("DATABASE_URL", "sqlite://"),
            redis_url=environ.get("REDIS_URL") or None,
            # 0 when clients connect directly; 1 behind one reverse proxy (nginx) that appends
            # the client address to X-Forwarded-For. Trusting more hops than there are proxies
            # lets a client choose its own address, and with it a fresh rate-limit bucket.
            trusted_proxy_hops=_non_negative_int(environ, "TRUSTED_PROXY_HOPS", 0),
            cache_timeout=_non_negative_int(environ, "CACHE_TIMEOUT", 300),
            ratelimit_enabled=_flag(environ, "RATELIMIT_ENABLED", True),
            seed_demo_data=_flag(environ, "SEED_DEMO_DATA", True),
        )

    def flask_config(self) -> dict[str, object]:
        shared = self.redis_url is not None
        return {
            "JWT_SECRET_KEY": self.jwt_secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SEED_DEMO_DATA": self.seed_demo_data,
            "TRUSTED_PROXY_HOPS": self.trusted_proxy_hops,
            # Flask-Limiter reads these once, in init_app.
            "RATELIMIT_ENABLED": self.ratelimit_enabled,
            "RATELIMIT_STORAGE_URI": self.redis_url if shared else "memory://",
            # Fail fast when Redis hangs instead of refusing: a rate-limit check must not
            # cost a request more than the request itself.
            "RATELIMIT_STORAGE_OPTIONS": (
                {"socket_connect_timeout": 0.5, "socket_timeout": 0.5} if shared else {}
            ),
            "RATELIMIT_KEY_PREFIX": "ch06",
            "RATELIMIT_STRATEGY": "fixed-window",
            "RATELIMIT_HEADERS_ENABLED": True,
            # Redis down: count in this process's memory with the same limits until the
            # storage answers again (Flask-Limiter retries with exponential backoff).
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": shared,
            "CACHE_TYPE": "RedisCache" if shared else "SimpleCache",
            "CACHE_REDIS_URL": self.redis_url,
            "CACHE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
            if shared else None,
            # The prefix every cache key of this app carries, so that cache.clear() deletes
            # this app's keys and nothing else in the Redis database (an empty prefix makes
            # it FLUSHDB).
            "CACHE_KEY_PREFIX": "ch06:cache:",
            "CACHE_DEFAULT_TIMEOUT": self.cache_timeout,
            "PASSWORD_HASH_METHOD": "scrypt",
            # Unset, Flask and restx re-raise unexpected exceptions in debug and testing mode
            # only. Pinned, a crash is a problem-details 500 in every mode.
            "PROPAGATE_EXCEPTIONS": False,
            "RESTX_MASK_SWAGGER": False,
        }
