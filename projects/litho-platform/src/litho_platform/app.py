"""The application factory: a list of named steps, each doing one thing."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from litho_platform import commands, errors, observability
from litho_platform.api import register_api
from litho_platform.config import ConfigError, Settings, check_config
from litho_platform.extensions import cache, db, jwt, limiter, migrate
from litho_platform.services import tokens, users
from litho_platform.tasks import celery_init_app

# The project folder (editable install): Alembic scripts and, unless INSTANCE_PATH says
# otherwise, the instance folder with the SQLite database and the stored datasets.
PROJECT_DIR = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = PROJECT_DIR / "migrations"
DEFAULT_INSTANCE_DIR = PROJECT_DIR / "instance"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment (``Settings.from_env``), then ``test_config`` on top.

    Raises ConfigError when the result is unsafe (see ``config.check_config``).
    """
    settings = Settings.from_env()
    overrides = dict(test_config or {})
    app = Flask(
        __name__,
        instance_path=str(
            Path(
                overrides.pop("INSTANCE_PATH", None)
                or settings.instance_path
                or DEFAULT_INSTANCE_DIR
            ).resolve()
        ),
    )
    configure(app, settings, overrides)
    observability.configure_logging(app)
    observability.register_request_hooks(app)
    register_extensions(app)
    errors.register_error_handlers(app)
    register_api(app)
    commands.register_commands(app)
    bootstrap_admin(app)
    return app


def configure(app: Flask, settings: Settings, overrides: Mapping[str, Any]) -> None:
    app.config.from_mapping(settings.flask_config())
    app.config.from_mapping(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        database = Path(app.instance_path) / "litho.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"
    check_config(app.config)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked on each connection.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True
    )
    jwt.init_app(app)
    tokens.register_jwt_callbacks(jwt)
    errors.register_jwt_error_callbacks(jwt)
    cache.init_app(app)
    limiter.init_app(app)
    celery_init_app(app)


def bootstrap_admin(app: Flask) -> None:
    """Create the admin named by LITHO_ADMIN_USERNAME/LITHO_ADMIN_PASSWORD if missing.

    Skipped until the schema exists, so ``flask db upgrade`` itself can build the app.
    """
    username, password = app.config["ADMIN_USERNAME"], app.config["ADMIN_PASSWORD"]
    if not username or not password:
        return
    with app.app_context():
        if not inspect(db.engine).has_table("users"):
            return
        try:
            created = users.ensure_admin(username, password, app.config["ADMIN_EMAIL"])
        except errors.ProblemError as exc:
            reasons = "; ".join(item["message"] for item in exc.errors or []) or exc.detail
            raise ConfigError(f"LITHO_ADMIN_USERNAME/PASSWORD refused: {reasons}") from None
        except IntegrityError:
            # Another worker process created the same admin a moment earlier.
            db.session.rollback()
            created = False
        if created:
            app.logger.info("created admin user %s", username)
