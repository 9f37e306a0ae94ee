"""Readiness: the database decides, the cache and the broker are reported.

Every request but the probes needs the database, so without it the instance is not ready. The
cache and the rate-limit counters (Redis) and the broker are different: the API degrades
without them (cache misses, per-process limits, 503 for new analyses only), and since every
instance shares them, failing readiness on them would take every instance out of the load
balancer at once and turn a partial outage into a total one. They are checked and reported
(``status: degraded``) but do not fail the probe.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from sqlalchemy import text

from litho_platform.extensions import cache, db

CHECK_TIMEOUT_S = 2.0


def _database() -> None:
    db.session.execute(text("SELECT 1"))


def _cache() -> None:
    cache.set("health:probe", "ok", timeout=10)
    if cache.get("health:probe") != "ok":
        raise RuntimeError("the cache did not return what was written")


def _broker() -> None:
    celery_app = current_app.extensions["celery"]
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=0, timeout=CHECK_TIMEOUT_S)


def _run(check: Callable[[], None], required: bool) -> dict[str, object]:
    try:
        check()
    except Exception as exc:  # any failure means unavailable; the detail says which and why
        return {"ok": False, "required": required, "detail": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "required": required, "detail": "reachable"}


def readiness() -> dict[str, dict[str, object]]:
    """``{name: {"ok", "required", "detail"}}`` for each dependency in use; the instance is
    ready when every required one is ok."""
    checks = {"database": _run(_database, required=True)}
    if current_app.config["CACHE_TYPE"] != "SimpleCache":
        checks["cache"] = _run(_cache, required=False)
    if not current_app.config["CELERY"]["task_always_eager"]:
        checks["broker"] = _run(_broker, required=False)
    return checks
