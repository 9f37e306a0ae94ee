"""The application factory: a list of named steps, read top to bottom."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from ch05_demo import errors, request_id
from ch05_demo.config import Settings
from ch05_demo.extensions import db


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the demo app; ``overrides`` (e.g. a test config) win over the environment."""
    app = Flask(__name__)
    app.config.from_mapping(Settings.from_env().flask_config())
    app.config.from_mapping(overrides or {})
    register_extensions(app)
    register_request_hooks(app)
    register_api(app)
    register_error_handlers(app)
    create_schema(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)


def register_request_hooks(app: Flask) -> None:
    request_id.init_app(app)


def register_api(app: Flask) -> None:
    # Imported here, once the extensions exist, so importing the package stays cheap and acyclic.
    from ch05_demo.api import create_api

    create_api(app)


def register_error_handlers(app: Flask) -> None:
    errors.register_error_handlers(app)


def create_schema(app: Flask) -> None:
    from ch05_demo import models  # noqa: F401  (registers the tables)

    with app.app_context():
        db.create_all()
