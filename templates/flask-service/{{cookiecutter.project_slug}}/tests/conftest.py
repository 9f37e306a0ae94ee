"""Fixtures: a fresh app and database per test, built from a test configuration.

Tests run on in-memory SQLite unless DATABASE_URL is set{% if cookiecutter.database == "postgresql" %} (CI points it at PostgreSQL){% endif %}.
{%- if cookiecutter.use_redis == "yes" %}
Tests that need a real Redis skip without one, or fail when REQUIRE_SERVICES=1.
{%- endif %}
"""

import os
{%- if cookiecutter.use_redis == "yes" %}
import uuid
{%- endif %}
from collections.abc import Callable, Iterator
from dataclasses import replace
{%- if cookiecutter.auth == "jwt" %}
from functools import partial
{%- endif %}
from typing import Any

import pytest
{%- if cookiecutter.use_redis == "yes" %}
import redis
{%- endif %}
from flask import Flask
from flask.testing import FlaskClient
{%- if cookiecutter.auth == "jwt" %}
from werkzeug.security import generate_password_hash
{%- endif %}

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.config import Config
from {{ cookiecutter.project_slug }}.extensions import db
{%- if cookiecutter.auth == "jwt" %}
from {{ cookiecutter.project_slug }}.services import auth

EMAIL = "engineer@example.com"
PASSWORD = "correct horse battery"
{%- endif %}


@pytest.fixture
def config() -> Config:
    return Config.from_env(
        {"APP_ENV": "testing", "DATABASE_URL": os.environ.get("DATABASE_URL", "sqlite://")}
    )


@pytest.fixture
def make_app(config: Config) -> Iterator[Callable[..., Flask]]:
    """Build apps with `config` changed by keyword (Config field names), tables created."""
    apps = []

    def build(**changes: Any) -> Flask:
        app = create_app(replace(config, **changes))
        with app.app_context():
            db.drop_all()
            db.create_all()
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
{%- if cookiecutter.auth == "jwt" %}


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash new passwords with one PBKDF2 round in tests.

    Production's scrypt costs about 0.1 s per hash on purpose; tests hash dozens.
    """
    monkeypatch.setattr(
        auth, "generate_password_hash", partial(generate_password_hash, method="pbkdf2:sha256:1")
    )


@pytest.fixture
def authorize() -> Callable[[Flask], dict[str, str]]:
    """Return a function giving the headers that let a request change data in an app.

    It registers an account in that app's database and logs in through the API.
    """

    def login(app: Flask) -> dict[str, str]:
        with app.app_context():
            auth.register_user(db.session, EMAIL, PASSWORD)
        credentials = {"email": EMAIL, "password": PASSWORD}
        response = app.test_client().post("/auth/login", json=credentials)
        return {"Authorization": f"Bearer {response.json['access_token']}"}

    return login
{%- else %}


@pytest.fixture
def authorize() -> Callable[[Flask], dict[str, str]]:
    """Return a function giving the headers that let a request change data in an app.

    The service has no authentication, so there are none.
    """
    return lambda _app: {}
{%- endif %}


@pytest.fixture
def write_headers(app: Flask, authorize: Callable[[Flask], dict[str, str]]) -> dict[str, str]:
    return authorize(app)
{%- if cookiecutter.use_redis == "yes" %}


@pytest.fixture
def redis_url() -> str:
    """URL of a Redis that answers; skips (or fails with REQUIRE_SERVICES=1) without one."""
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        message = f"Redis is not reachable at {url} ({error}); set REDIS_URL or start Redis"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    finally:
        client.close()
    return url


@pytest.fixture
def unique_prefix() -> str:
    """A key prefix no other test run shares, for tests that write to a real Redis."""
    return f"test-{uuid.uuid4().hex}"
{%- endif %}
