"""Readiness checks: can this process reach everything it needs to serve requests?"""

import logging
from collections.abc import Callable, Mapping

{% if cookiecutter.use_celery == "yes" %}import redis
from celery import Celery
{% elif cookiecutter.use_redis == "yes" %}import redis
{% endif %}from sqlalchemy import text
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

# A probe must answer well within the orchestrator's probe timeout.
CHECK_TIMEOUT_SECONDS = 2


def check_database(session: Session) -> None:
    """Raise if the database does not answer a trivial query."""
    session.execute(text("SELECT 1"))
{%- if cookiecutter.use_redis == "yes" %}


def check_redis(url: str) -> None:
    """Raise if Redis at `url` does not answer PING."""
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
        socket_timeout=CHECK_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    finally:
        client.close()
{%- endif %}
{%- if cookiecutter.use_celery == "yes" %}


def check_broker(celery_app: Celery) -> None:
    """Raise if the Celery broker refuses a connection (one attempt, no back-off)."""
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(
            max_retries=1,
            interval_start=0,
            interval_step=0,
            timeout=CHECK_TIMEOUT_SECONDS,
        )
{%- endif %}


def run_checks(checks: Mapping[str, Callable[[], None]]) -> tuple[bool, dict[str, str]]:
    """Run every check; return (all passed, {name: "ok" or "error"}).

    Failures are logged with their traceback but reported only as "error", so the
    public probe does not leak hostnames or driver messages.
    """
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception:
            logger.warning("readiness check %s failed", name, exc_info=True)
            results[name] = "error"
        else:
            results[name] = "ok"
    return all(result == "ok" for result in results.values()), results
