"""The application factory: a list of named steps, read top to bottom."""

from __future__ import annotations

from flask import Flask

from ch04_demo.api import build_api
from ch04_demo.auth import register_jwt_callbacks
from ch04_demo.config import Settings
from ch04_demo.errors import register_error_handlers
from ch04_demo.extensions import db, jwt
from ch04_demo.security import register_security


def create_app(settings: Settings | None = None) -> Flask:
    """A new app configured by ``settings`` (default: read from the environment)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.from_mapping(settings.flask_config())
    register_extensions(app)
    register_api(app)
    register_security(app, settings.cors_origins, settings.force_https)
    register_error_handlers(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    jwt.init_app(app)
    # The callbacks live on the one JWTManager; registering them again is harmless.
    register_jwt_callbacks(jwt)


def register_api(app: Flask) -> None:
    build_api(app)
