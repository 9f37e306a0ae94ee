"""Fixtures for chapter 05: a fresh app per test, production-like (TESTING off) unless asked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ch05_demo import create_app
from ch05_demo.extensions import db
from ch05_demo.models import FemPoint, FemRun

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance", "request_id"}


def fem_payload(**changes: Any) -> dict[str, Any]:
    """A valid 3 x 3 FEM run (doses 22-26 mJ/cm², foci -0.1 to 0.1 µm); keywords replace keys."""
    grid = [-0.1, 0.0, 0.1]
    points = [
        {"field": 1 + 3 * d + f, "dose": dose, "focus": focus,
         "cd": round(45 - 45 * (dose / 24 - 1) - 80 * focus**2, 3)}
        for d, dose in enumerate((22.0, 24.0, 26.0))
        for f, focus in enumerate(grid)
    ]
    return {"wafer_id": "W01", "lot_id": "L24-001", "feature": "dense",
            "focus_grid": grid, "measurements": points, **changes}


@pytest.fixture
def payload() -> Callable[..., dict[str, Any]]:
    return fem_payload


@pytest.fixture
def make_demo_app() -> Callable[..., Flask]:
    """The demo with every setting pinned (the shell's environment cannot change it)."""

    def build(**overrides: Any) -> Flask:
        return create_app({
            "TESTING": False,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "MAX_CONTENT_LENGTH": 256 * 1024,
            "MAX_JSON_DEPTH": 8,
            "MAX_POINTS": 2000,
            "PROBLEM_TYPE_BASE": "https://litho.example/problems/",
            **overrides,
        })

    return build


@pytest.fixture
def demo_app(make_demo_app: Callable[..., Flask]) -> Flask:
    return make_demo_app()


@pytest.fixture
def demo_client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


@pytest.fixture
def stored_rows() -> Callable[[Flask], tuple[int, int]]:
    """(runs, points) stored: proves what a request stored, or did not."""

    def count(app: Flask) -> tuple[int, int]:
        with app.app_context():
            return tuple(
                db.session.scalar(select(func.count()).select_from(model))
                for model in (FemRun, FemPoint)
            )

    return count


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status and a request ID; returns its body."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, f"expected {status}, got {response.status_code} {text}"
    assert response.mimetype == "application/problem+json", (
        f"Content-Type {response.headers.get('Content-Type')!r}, expected "
        f"application/problem+json: {text}"
    )
    body = response.get_json()
    assert body.keys() >= PROBLEM_MEMBERS, f"problem members missing: {body}"
    assert body["status"] == status, body
    header = response.headers.get("X-Request-ID")
    assert body["request_id"], f"no request_id in {body}"
    assert body["request_id"] == header, f"request_id {body['request_id']!r} vs header {header!r}"
    return body


@pytest.fixture
def problem() -> Callable[[Any, int], dict[str, Any]]:
    return assert_problem
