"""The application factory: a list of named steps, read top to bottom."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from ch01_demo import errors, request_id, request_log
from ch01_demo.api import create_api
from ch01_demo.config import config_from_env
from ch01_demo.extensions import db
from ch01_demo.services.health import database_ping


def create_app(environ: Mapping[str, str] | None = None) -> Flask:
    """Build the demo app from environment variables (``os.environ`` when ``environ`` is None).

    Tests pass their own mapping, e.g. ``create_app({"APP_ENV": "testing"})``: the process
    environment of whoever runs the tests cannot change what the tests see.
    """
    app = Flask(__name__)
    app.config.from_mapping(config_from_env(environ))
    configure_logging(app)
    register_extensions(app)
    register_request_hooks(app)
    register_api(app)
    register_error_handlers(app)
    register_health_checks(app)
    return app


def configure_logging(app: Flask) -> None:
    # First, so that Flask finds our handler and does not install its default one on app.logger.
    request_log.configure_logging(app)


def register_extensions(app: Flask) -> None:
    db.init_app(app)


def register_request_hooks(app: Flask) -> None:
    # Request IDs first: the request log, and everything logged during the request, use the ID.
    request_id.init_app(app)
    request_log.init_app(app)


def register_api(app: Flask) -> None:
    create_api(app)


def register_error_handlers(app: Flask) -> None:
    errors.register_error_handlers(app)


def register_health_checks(app: Flask) -> None:
    # name -> callable that raises when the dependency is unusable; /health/ready runs them all.
    app.extensions["readiness_checks"] = {"database": database_ping}
