"""Exercise 02: liveness and readiness probes for the litho platform.

``GET /health/live`` says the process is up; ``GET /health/ready`` says whether its dependencies
(database, cache, broker) answer, so that Kubernetes sends traffic only to instances that can
serve it. Add ``ns`` to an ``Api`` under ``/health`` and bind a ``Readiness`` with ``init_app``.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask_restx import Namespace, Resource
from sqlalchemy import Engine

Check = Callable[[], object]  # raises when its dependency is unusable; the return value is ignored

NO_STORE = {"Cache-Control": "no-store"}

ns = Namespace("health", description="Liveness and readiness probes")


class Readiness:
    """A registry of named readiness checks, each run with its own timeout."""

    def __init__(self, default_timeout_s: float = 2.0) -> None:
        raise NotImplementedError("keep default_timeout_s and an empty, ordered registry of checks")

    def init_app(self, app: Flask) -> None:
        """Make this the registry that ``/health/ready`` of ``app`` runs.

        Stored as ``app.extensions["readiness"]``.
        """
        raise NotImplementedError("store this registry in app.extensions['readiness']")

    def add_check(self, name: str, check: Check, *, timeout_s: float | None = None) -> None:
        """Register ``check`` under ``name``, bounded by ``timeout_s`` (default_timeout_s if None).

        Raises ``ValueError`` when ``name`` is already registered.
        """
        raise NotImplementedError("register the check with its timeout; refuse a duplicate name")

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
        raise NotImplementedError(
            "run the checks concurrently, each in app.app_context(), with timeouts"
        )


def database_check(engine: Engine) -> Check:
    """A check that opens a connection from ``engine`` and runs ``SELECT 1``."""
    raise NotImplementedError("return a function that runs SELECT 1 on a connection from engine")


@ns.route("/live")
class Liveness(Resource):
    def get(self):
        """200 ``{"status": "pass"}`` with ``Cache-Control: no-store``; runs no check at all."""
        raise NotImplementedError("answer 200 {'status': 'pass'} with Cache-Control: no-store")


@ns.route("/ready")
class ReadinessProbe(Resource):
    def get(self):
        """The report of ``current_app.extensions["readiness"].run(app)``: 200 when its status is
        "pass", 503 otherwise; always ``Cache-Control: no-store``.
        """
        raise NotImplementedError("run the app's Readiness and answer 200 or 503 with its report")
