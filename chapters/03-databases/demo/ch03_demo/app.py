"""The application factory: a list of named steps, read top to bottom."""

from __future__ import annotations

import click
from flask import Flask, request

from ch03_demo.api import build_api
from ch03_demo.config import Settings
from ch03_demo.database import enforce_sqlite_foreign_keys
from ch03_demo.diagnostics import count_request_queries
from ch03_demo.errors import register_error_handlers
from ch03_demo.extensions import MIGRATIONS_DIR, db, migrate


def create_app(settings: Settings | None = None) -> Flask:
    """A new app configured by ``settings`` (default: read from the environment)."""
    app = Flask(__name__)
    app.config.from_mapping((settings or Settings.from_env()).flask_config())
    register_extensions(app)
    register_request_hooks(app)
    register_api(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    # Flask-Migrate adds `flask db ...`; the migrations live inside the package.
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    with app.app_context():
        # The engine exists once init_app has run; listeners go on this app's engine only.
        enforce_sqlite_foreign_keys(db.engine)
        count_request_queries(app, db.engine)


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def remember_actor() -> None:
        # db.session is scoped to the app context: this request's session, and its info dict,
        # are gone when the request ends, so the actor cannot leak into the next one.
        db.session.info["actor"] = request.headers.get("X-Actor", "anonymous")[:64]


def register_api(app: Flask) -> None:
    build_api(app)


def register_commands(app: Flask) -> None:
    @app.cli.command("seed")
    def seed() -> None:
        """Add the demo lots to an empty database (run `flask db upgrade` first)."""
        from ch03_demo.services.seed import seed_demo_data

        seeded = seed_demo_data(db.session)
        click.echo("seeded the demo lots" if seeded else "lots exist already: nothing to do")
