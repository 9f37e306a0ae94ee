"""The application factory: a list of named steps, read top to bottom."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib
from flask import Flask

from ch09_demo.config import Settings
from ch09_demo.errors import ProblemApi, register_error_handlers
from ch09_demo.extensions import db

# Headless: plots are rendered to bytes, never to a window. Set before anything imports pyplot.
matplotlib.use("Agg")


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
    from ch09_demo.api import analyses, fem

    api = ProblemApi(
        app,
        title="Process-window analysis (chapter 09)",
        version="1.0",
        description="FEM in, process window and Bossung plot out: thin routes over a service",
        doc="/swagger",
        catch_all_404s=True,
    )
    for ns in (analyses.ns, fem.ns):
        api.add_namespace(ns)
    return api


def create_schema(app: Flask) -> None:
    """Create the table and, unless SEED_DEMO_DATA is off, store one analysis of mock data."""
    from ch09_demo.services.analyses import seed_demo_analysis

    with app.app_context():
        db.create_all()
        if app.config["SEED_DEMO_DATA"]:
            seed_demo_analysis(db.session)
