"""Exercise 02: liveness and readiness probes for the litho platform.

``GET /health/live`` says the process is up; ``GET /health/ready`` says whether its dependencies
(database, cache, broker) answer, so that Kubernetes sends traffic only to instances that can
serve it. Add ``ns`` to an ``Api`` under ``/health`` and bind a ``Readiness`` with ``init_app``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

from flask import Flask, current_app
from flask_restx import Namespace, Resource
from sqlalchemy import Engine, text

Check = Callable[[], object]  # raises when its dependency is unusable; the return value is ignored

NO_STORE = {"Cache-Control": "no-store"}

ns = Namespace("health", description="Liveness and readiness probes")


class Readiness:
    """A registry of named readiness checks, each run with its own timeout."""

    def __init__(self, default_timeout_s: float = 2.0) -> None:
        self.default_timeout_s = default_timeout_s
        self._checks: dict[str, tuple[Check, float]] = {}

    def init_app(self, app: Flask) -> None:
        """Make this the registry that ``/health/ready`` of ``app`` runs.

        Stored as ``app.extensions["readiness"]``.
        """
        app.extensions["readiness"] = self

    def add_check(self, name: str, check: Check, *, timeout_s: float | None = None) -> None:
        """Register ``check`` under ``name``, bounded by ``timeout_s`` (default_timeout_s if None).

        Raises ``ValueError`` when ``name`` is already registered.
        """
        if name in self._checks:
            raise ValueError(f"a readiness check named {name!r} is already registered")
        self._checks[name] = (check, self.default_timeout_s if timeout_s is None else timeout_s)

    def run(self, app: Flask) -> dict:
        """Run every check and return the report.

        All checks start at once, each in a worker thread inside ``app.app_context()`` (so a
        check may use ``current_app`` or ``db.session``). The report::

            {"status": "pass" | "fail",
             "checks": {name: {"status": "pass", "duration_ms": float}
                            | {"status": "fail", "duration_ms": float, "error": "<type name>"}
                            | {"status": "timeout", "duration_ms": float}}}

        ``checks`` keeps registration order. A check passes when it returns, fails when it
        raises (``error`` is the exception's class name only: messages can hold hosts or
        credentials; the exception is logged with ``app.logger.exception``), and times out when it
        is still running after its timeout; ``run`` returns then without waiting for it.
        ``duration_ms`` is the check's wall time in milliseconds (its timeout for a timeout).
        ``status`` is "pass" when every check passed, including when none is registered.
        """

        def timed(name: str, check: Check) -> dict:
            started = time.perf_counter()
            try:
                with app.app_context():
                    check()
            except Exception as exc:
                app.logger.exception("readiness check %r failed", name)
                result = {"status": "fail", "error": type(exc).__name__}
            else:
                result = {"status": "pass"}
            return {**result, "duration_ms": round((time.perf_counter() - started) * 1000, 3)}

        executor = ThreadPoolExecutor(max_workers=max(len(self._checks), 1))
        try:
            futures = {
                name: executor.submit(timed, name, check)
                for name, (check, _) in self._checks.items()
            }
            started = time.perf_counter()
            checks = {}
            for name, future in futures.items():
                timeout_s = self._checks[name][1]
                # Every check started together: each may use what is left of its own timeout.
                wait([future], timeout=max(timeout_s - (time.perf_counter() - started), 0))
                if future.done():
                    checks[name] = future.result()
                else:
                    checks[name] = {"status": "timeout", "duration_ms": timeout_s * 1000}
        finally:
            # Waiting for a hung check would hang the probe with it.
            executor.shutdown(wait=False, cancel_futures=True)
        passed = all(result["status"] == "pass" for result in checks.values())
        return {"status": "pass" if passed else "fail", "checks": checks}


def database_check(engine: Engine) -> Check:
    """A check that opens a connection from ``engine`` and runs ``SELECT 1``."""

    def check() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    return check


@ns.route("/live")
class Liveness(Resource):
    def get(self):
        """200 ``{"status": "pass"}`` with ``Cache-Control: no-store``; runs no check at all."""
        return {"status": "pass"}, 200, NO_STORE


@ns.route("/ready")
class ReadinessProbe(Resource):
    def get(self):
        """The report of ``current_app.extensions["readiness"].run(app)``: 200 when its status is
        "pass", 503 otherwise; always ``Cache-Control: no-store``.
        """
        app = current_app._get_current_object()
        report = app.extensions["readiness"].run(app)
        return report, 200 if report["status"] == "pass" else 503, NO_STORE
