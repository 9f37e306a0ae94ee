"""The application factory: a list of named steps, each doing one thing."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import event, inspect
from werkzeug.middleware.proxy_fix import ProxyFix

from litho_platform import commands, errors, local_cache, metrics, observability
from litho_platform.api import register_api
from litho_platform.config import ConfigError, Settings, check_config
from litho_platform.extensions import cache, db, jwt, limiter, migrate
from litho_platform.services import tokens, users
from litho_platform.tasks import celery_init_app

# The project folder (editable install): unless INSTANCE_PATH says otherwise, the instance
# folder with the SQLite database and the stored datasets.
PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_INSTANCE_DIR = PROJECT_DIR / "instance"
# How long a gunicorn worker serves a finished analysis's document from its own memory before
# asking Redis again: the bound on seeing an analysis deleted through another worker.
LOCAL_VIEW_SECONDS = 10
# The longest a verified token's claims are remembered (never past the token's own expiry).
VERIFIED_TOKEN_SECONDS = 3600


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
    app.session_interface = NoCookieSession()
    trust_proxies(app)
    local_cache.install(
        app,
        auth=(app.config["AUTH_CACHE_SECONDS"], 10_000),
        views=(LOCAL_VIEW_SECONDS, 1_024),
        verified_tokens=(VERIFIED_TOKEN_SECONDS, 10_000),
    )
    observability.configure_logging(app)
    observability.register_request_hooks(app)
    register_extensions(app)
    errors.register_error_handlers(app)
    register_api(app)
    metrics.register_metrics_endpoint(app)
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


class NoCookieSession(SessionInterface):
    """The API authenticates with bearer tokens and keeps no cookie session. Flask's default,
    with SECRET_KEY set, builds a cookie signer on every request to find no cookie; this one
    hands out Flask's null session, which refuses any write, so accidental use fails loudly."""

    def open_session(self, app: Flask, request: Request) -> SessionMixin:
        return self.make_null_session(app)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        return None


def trust_proxies(app: Flask) -> None:
    """Behind nginx or an ingress, take the client's address (and scheme, host...) from the
    X-Forwarded-* headers that PROXY_FIX counts of proxies set; with none configured, the
    headers are ignored, since any client could forge them. Rate limits key on this address."""
    hops = app.config["PROXY_FIX"]
    if any(hops.values()):
        counts = {f"x_{name}": count for name, count in hops.items()}
        app.wsgi_app = ProxyFix(app.wsgi_app, **counts)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked on each connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _enforce_sqlite_foreign_keys(app: Flask) -> None:
    # On this app's engines only: a listener on every Engine would change the behaviour of any
    # other SQLite database in the process (another app's, a test's).
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    _enforce_sqlite_foreign_keys(app)
    migrate.init_app(
        app, db, directory=app.config["MIGRATIONS_DIR"], render_as_batch=True, compare_type=True
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
        if created:
            app.logger.info("created admin user %s", username)
