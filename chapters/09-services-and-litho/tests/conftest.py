"""Fixtures for chapter 09: a fresh demo app and in-memory database per test, TESTING off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient


@pytest.fixture
def make_demo_app() -> Callable[..., Flask]:
    """Build the demo with everything it reads from the environment pinned."""

    def build(**overrides: Any) -> Flask:
        # Imported here: pytest loads conftest files before the grading plugin has put the
        # chapter demos on sys.path.
        from ch09_demo import create_app

        return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SEED_DEMO_DATA": False,
                           "MAX_MEASUREMENTS": 20_000, **overrides})

    return build


@pytest.fixture
def demo_app(make_demo_app: Callable[..., Flask]) -> Flask:
    return make_demo_app()


@pytest.fixture
def demo_client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json", response.mimetype
    body = response.get_json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys(), body
    assert body["status"] == status
    return body


@pytest.fixture
def problem() -> Callable[[Any, int], dict[str, Any]]:
    """Assert a response is problem details with a status; returns the body."""
    return assert_problem
