"""The application factory: a list of named steps, read top to bottom."""

from __future__ import annotations

import random

from flask import Flask

from ch07_demo.api import build_api
from ch07_demo.config import Settings
from ch07_demo.errors import register_error_handlers
from ch07_demo.extensions import db
from ch07_demo.services.archive import MetrologyArchive
from ch07_demo.tasks import celery_init_app


def create_app(settings: Settings | None = None) -> Flask:
    """A new app configured by ``settings`` (default: read from the environment)."""
    app = Flask(__name__)
    app.config.from_mapping((settings or Settings.from_env()).flask_config())
    register_extensions(app)
    register_celery(app)
    register_api(app)
    register_error_handlers(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    app.extensions["metrology_archive"] = MetrologyArchive(
        flakiness=app.config["ARCHIVE_FLAKINESS"], rng=random.Random()
    )
    with app.app_context():
        # One table and no migrations in this chapter (chapter 03 covers Alembic).
        db.create_all()


def register_celery(app: Flask) -> None:
    celery_init_app(app)


def register_api(app: Flask) -> None:
    build_api(app)
