"""The application factory: a list of named steps, read top to bottom."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ch06_demo.config import Settings
from ch06_demo.errors import ProblemApi, register_error_handlers
from ch06_demo.extensions import cache, db, jwt, limiter
from ch06_demo.services.accounts import DEMO_ACCOUNTS, AccountDirectory


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the demo app; ``overrides`` (e.g. a test config) win over the environment."""
    app = Flask(__name__)
    app.config.from_mapping(Settings.from_env().flask_config())
    app.config.from_mapping(overrides or {})
    register_proxy_fix(app)
    register_extensions(app)
    register_accounts(app)
    register_api(app)
    register_error_handlers(app)
    create_schema(app)
    return app


def register_proxy_fix(app: Flask) -> None:
    """Trust exactly TRUSTED_PROXY_HOPS proxies: ``request.remote_addr`` becomes the address
    the outermost trusted proxy saw, which is what per-client rate limits must key on."""
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    jwt.init_app(app)
    cache.init_app(app)
    limiter.init_app(app)


def register_accounts(app: Flask) -> None:
    app.extensions["ch06_accounts"] = AccountDirectory(
        DEMO_ACCOUNTS, method=app.config["PASSWORD_HASH_METHOD"]
    )


def register_api(app: Flask) -> ProblemApi:
    """One Api per app: restx keeps per-app state (the bound app, the cached spec) on it."""
    from ch06_demo.api import auth, system, wafers

    api = ProblemApi(
        app,
        title="Litho wafer API (chapter 06)",
        version="1.0",
        description="Tiered rate limits, cached responses and conditional GET",
        doc="/swagger",
        catch_all_404s=True,
        authorizations={"Bearer": {"type": "apiKey", "in": "header", "name": "Authorization",
                                   "description": "Bearer <access_token from /auth/login>"}},
    )
    for ns in (auth.ns, wafers.ns, system.ns):
        api.add_namespace(ns)
    return api


def create_schema(app: Flask) -> None:
    """Create the table and, unless SEED_DEMO_DATA is off, load the demo wafers."""
    from ch06_demo.services.seed import seed_demo_data

    with app.app_context():
        db.create_all()
        if app.config["SEED_DEMO_DATA"]:
            seed_demo_data(db.session)
