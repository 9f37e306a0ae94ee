"""Settings read from the environment once, by the app factory.

With no ``CELERY_BROKER_URL`` the demo runs its jobs eagerly, inside the request that submits
them (the embedded default: no servers). With one, jobs go to the broker and a worker runs them:
``celery -A ch07_demo.worker worker -l info`` from the demo folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# A relative SQLite path: Flask-SQLAlchemy puts the file in the app's instance folder, which the
# web process and a worker started from the same folder share.
DEFAULT_DATABASE_URL = "sqlite:///ch07_demo.sqlite3"


class ConfigError(ValueError):
    """An environment variable does not hold a value the app can start with."""


def _integer(environ: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def _fraction(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number from 0 to 1, got {raw!r}") from None
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name} must be a number from 0 to 1, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """What the demo can be told from outside; every field has a safe embedded default."""

    database_url: str = DEFAULT_DATABASE_URL
    # None: eager mode, tasks run in the submitting process (no broker, no worker).
    celery_broker_url: str | None = None
    # None with a broker: the broker's URL (Redis keeps results too).
    celery_result_backend: str | None = None
    # Seconds a message may stay unacknowledged before Redis hands it to another worker. With
    # acks_late, this must exceed the longest task, or a slow task runs twice.
    visibility_timeout_s: int = 3600
    # Share of archive reads that fail with a transient error, to watch retries with a worker.
    archive_flakiness: float = 0.0
    # Finished jobs older than this are deleted by the beat-scheduled purge.
    job_retention_hours: int = 24
    testing: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Settings from ``DATABASE_URL``, ``CELERY_*`` and the rest; ConfigError if invalid."""
        return cls(
            database_url=environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            celery_broker_url=environ.get("CELERY_BROKER_URL") or None,
            celery_result_backend=environ.get("CELERY_RESULT_BACKEND") or None,
            visibility_timeout_s=_integer(
                environ, "CELERY_VISIBILITY_TIMEOUT", cls.visibility_timeout_s, 1
            ),
            archive_flakiness=_fraction(environ, "ARCHIVE_FLAKINESS", cls.archive_flakiness),
            job_retention_hours=_integer(
                environ, "JOB_RETENTION_HOURS", cls.job_retention_hours, 1
            ),
        )

    @property
    def eager(self) -> bool:
        return self.celery_broker_url is None

    def celery_config(self) -> dict[str, Any]:
        """The ``CELERY`` mapping ``celery_init_app`` hands to ``Celery.config_from_object``."""
        if self.eager:
            return {
                "broker_url": "memory://",
                # An in-process result store, so the status API works the same without Redis.
                "result_backend": "cache+memory://",
                "task_always_eager": True,
                # Keep eager results in the backend, as a worker would: the status API reads them.
                "task_store_eager_result": True,
                # A failing job is a FAILURE state to report, not an exception in the request.
                "task_eager_propagates": False,
            }
        return {
            "broker_url": self.celery_broker_url,
            "result_backend": self.celery_result_backend or self.celery_broker_url,
            # Acknowledge after the task ran, not when it was received: a worker killed mid-task
            # leaves the message to be redelivered instead of losing it (see the README).
            "task_acks_late": True,
            # A child process killed by the OS (OOM, SIGKILL) rejects its message: redelivered.
            "task_reject_on_worker_lost": True,
            # Reserve one message at a time: with acks_late, prefetched messages wait behind a
            # long task and are redelivered elsewhere once the visibility timeout passes.
            "worker_prefetch_multiplier": 1,
            # Report STARTED when a worker picks a job up (off by default).
            "task_track_started": True,
            "broker_transport_options": {"visibility_timeout": self.visibility_timeout_s},
            "result_expires": 24 * 3600,
            "beat_schedule": {
                "purge-finished-jobs": {
                    "task": "ch07.purge_finished_jobs",
                    "schedule": 3600.0,
                    # Not picked up within 50 minutes (no worker): drop it, the next one comes.
                    "options": {"expires": 3000},
                },
            },
        }

    def flask_config(self) -> dict[str, Any]:
        return {
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "CELERY": self.celery_config(),
            "ARCHIVE_FLAKINESS": self.archive_flakiness,
            "JOB_RETENTION_HOURS": self.job_retention_hours,
            "TESTING": self.testing,
            # Unset, Flask and restx re-raise unexpected exceptions in debug and testing mode
            # only. Pinned, tests see the same 500 problem document production sends.
            "PROPAGATE_EXCEPTIONS": False,
            "RESTX_MASK_SWAGGER": False,
        }
