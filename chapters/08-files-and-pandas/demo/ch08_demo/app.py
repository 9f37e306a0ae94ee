"""The application factory: a list of named steps, read top to bottom."""

from __future__ import annotations

from flask import Flask

from ch08_demo.api import build_api
from ch08_demo.config import Settings
from ch08_demo.errors import register_error_handlers
from ch08_demo.extensions import db


def create_app(settings: Settings | None = None) -> Flask:
    """A new app configured by ``settings`` (default: read from the environment)."""
    app = Flask(__name__)
    settings = settings or Settings.from_env()
    app.config.from_mapping(settings.flask_config(app.instance_path))
    register_extensions(app)
    register_storage(app)
    register_api(app)
    register_error_handlers(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        # One table, no migrations: chapter 03 covers Alembic.
        db.create_all()


def register_storage(app: Flask) -> None:
    app.config["UPLOAD_DIR"].mkdir(parents=True, exist_ok=True)


def register_api(app: Flask) -> None:
    build_api(app)
