"""Readiness checks of the service's dependencies: the database always, the cache and the
broker when the configuration uses external ones."""

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


def _run(check: Callable[[], None]) -> dict[str, object]:
    try:
        check()
    except Exception as exc:  # any failure means not ready; the detail says which and why
        return {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "detail": "reachable"}


def readiness() -> dict[str, dict[str, object]]:
    """``{name: {"ok": bool, "detail": str}}`` for each dependency in use."""
    checks = {"database": _run(_database)}
    if current_app.config["CACHE_TYPE"] != "SimpleCache":
        checks["cache"] = _run(_cache)
    if not current_app.config["CELERY"]["task_always_eager"]:
        checks["broker"] = _run(_broker)
    return checks
