"""Fixtures for chapter 04: fresh apps, fresh databases, fast argon2, isolated Redis keys.

Every app here runs with ``TESTING`` off and ``PROPAGATE_EXCEPTIONS`` False, as in production:
an error that would be a 500 there is a 500 here too.

``ch04_demo`` is imported inside the fixtures: pytest loads this file before the grading
plugin has put the chapter demos on ``sys.path``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

# argon2 at its cheapest: the tests check behaviour, not cost.
FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 8, "argon2_parallelism": 1}
SECRET = "test-secret-key-that-is-long-enough-for-hs256"


@pytest.fixture
def demo_app() -> Flask:
    """The demo on a fresh in-memory SQLite database, tables created, no users."""
    from ch04_demo import create_app
    from ch04_demo.config import Settings
    from ch04_demo.extensions import db

    app = create_app(Settings(database_url="sqlite://", jwt_secret_key=SECRET,
                              cors_origins=("https://fab-dashboard.example",), **FAST_ARGON2))
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


@pytest.fixture
def engine() -> Iterator[Engine]:
    """An empty SQLite database with the demo's tables."""
    from ch04_demo.extensions import db

    engine = create_engine("sqlite://")
    db.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def make_jwt_app() -> Callable[..., Flask]:
    """Build a bare Flask app with its own JWTManager, configured like production.

    ``make_jwt_app(**config)`` returns the app; its manager is ``app.extensions
    ["flask-jwt-extended"]``.
    """
    from flask_jwt_extended import JWTManager

    def build(**config) -> Flask:
        app = Flask("ch04_tests")
        app.config.update(
            TESTING=False,
            PROPAGATE_EXCEPTIONS=False,
            JWT_SECRET_KEY=SECRET,
            JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=15),
            JWT_REFRESH_TOKEN_EXPIRES=timedelta(days=14),
        )
        app.config.update(config)
        JWTManager(app)
        return app

    return build


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[tuple[str, str]]:
    """``(redis_url, prefix)``: a key prefix of this test's own; its keys are deleted after."""
    import redis

    prefix = f"ch04-test:{uuid.uuid4().hex}:"
    yield redis_url, prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()
