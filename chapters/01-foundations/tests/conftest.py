"""Fixtures for chapter 01: a fresh demo app per test, built from an explicit environment.

Graded tests (test_exNN_*.py) build their own small app around the exercise through ``ex``;
these fixtures serve the demo's tests.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient


@pytest.fixture
def app() -> Flask:
    """The demo app in the testing environment, its in-memory database seeded."""
    # Imported here, not at the top: pytest loads this file before the grading plugin has put
    # the chapters' demo folders on sys.path.
    from ch01_demo import create_app
    from ch01_demo.seed import init_db

    app = create_app({"APP_ENV": "testing"})
    with app.app_context():
        init_db()
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
