"""The application factory: a list of named steps, read top to bottom."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from ch02_demo.config import Settings
from ch02_demo.errors import ProblemApi, register_error_handlers
from ch02_demo.extensions import db


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the demo app; ``overrides`` (e.g. a test config) win over the environment."""
    app = Flask(__name__)
    app.config.from_mapping(Settings.from_env().flask_config())
    app.config.from_mapping(overrides or {})
    register_extensions(app)
    register_api(app)
    register_error_handlers(app)
    create_schema(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)


def register_api(app: Flask) -> ProblemApi:
    """One Api per app: restx keeps per-app state (the bound app, the cached spec) on it."""
    # Imported here, once the extensions exist, so importing the package stays cheap and acyclic.
    from ch02_demo.api import lots, measurements, wafers

    api = ProblemApi(
        app,
        title="Litho data API (chapter 02)",
        version="1.0",
        description="Lots, wafers and FEM measurements: REST with flask-restx",
        doc="/swagger",
        catch_all_404s=True,  # unknown URLs get problem details too, not Flask's HTML page
    )
    for ns in (lots.ns, wafers.ns, measurements.ns):
        api.add_namespace(ns)
    return api


def create_schema(app: Flask) -> None:
    """Create the tables and, unless SEED_DEMO_DATA is off, load the demo data."""
    from ch02_demo.services.seed import seed_demo_data

    with app.app_context():
        db.create_all()
        if app.config["SEED_DEMO_DATA"]:
            seed_demo_data()
