"""Readiness checks: can this instance serve traffic right now?

Each check is a callable that raises when its dependency is unusable. The checks run concurrently,
each in a worker thread inside the app context, and the probe waits at most ``timeout_s`` for all
of them: a dependency that hangs makes the probe answer "fail" on time instead of hanging with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import text

from ch01_demo.extensions import db

Check = Callable[[], object]


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str  # "pass", "fail" or "timeout"
    duration_ms: float


def database_ping() -> None:
    """The cheapest round trip that proves the database accepts queries."""
    db.session.execute(text("SELECT 1"))


def _run_one(app: Flask, name: str, check: Check, request_id: str | None) -> CheckResult:
    started = time.perf_counter()
    try:
        with app.app_context():
            check()
    except Exception:
        # The details go to the log, never into the probe's public body. This thread has no
        # request context, so the request ID travels in explicitly.
        app.logger.exception("readiness check %r failed", name, extra={"request_id": request_id})
        status = "fail"
    else:
        status = "pass"
    return CheckResult(name, status, round((time.perf_counter() - started) * 1000, 3))


def run_checks(checks: Mapping[str, Check], timeout_s: float) -> list[CheckResult]:
    """Run ``checks`` concurrently; a check still running after ``timeout_s`` reports "timeout".

    Must be called inside an app context: each check gets an app context of the same app in its
    own thread. Results come back in the order of ``checks``.
    """
    if not checks:
        return []
    app = current_app._get_current_object()
    request_id = g.get("request_id") if has_request_context() else None
    executor = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readiness")
    try:
        futures = {
            name: executor.submit(_run_one, app, name, check, request_id)
            for name, check in checks.items()
        }
        wait(futures.values(), timeout=timeout_s)
        return [
            future.result() if future.done() else CheckResult(name, "timeout", timeout_s * 1000)
            for name, future in futures.items()
        ]
    finally:
        # Waiting for a hung check here would hang the probe after all. Its thread finishes or
        # stays stuck on its own; the client-side timeouts of each driver bound that.
        executor.shutdown(wait=False, cancel_futures=True)


def readiness_report(results: list[CheckResult]) -> dict:
    """The probe's body: overall status and one entry per check."""
    return {
        "status": "pass" if all(r.status == "pass" for r in results) else "fail",
        "checks": {r.name: {"status": r.status, "duration_ms": r.duration_ms} for r in results},
    }
