"""Fixtures for chapter 02: a fresh app and a fresh in-memory database for every test."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_restx import Namespace
from sqlalchemy import func, select

from ch02_demo import create_app
from ch02_demo.app import register_extensions
from ch02_demo.errors import ProblemApi, register_error_handlers
from ch02_demo.extensions import db
from ch02_demo.models import Lot, Measurement, Wafer

TEST_SECRET = "chapter-02-test-secret"


@pytest.fixture
def make_demo_app() -> Callable[..., Flask]:
    """Build the demo with its seeded data (3 lots, 9 wafers, 243 measurements), TESTING off.

    Everything the demo reads from the environment is pinned, so the shell running the tests
    cannot change what they see; keyword arguments override single settings.
    """

    def build(**overrides: Any) -> Flask:
        return create_app({
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SEED_DEMO_DATA": True,
            "MAX_PER_PAGE": 100,
            "MAX_BATCH": 500,
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
def exercise_app() -> Callable[[Namespace], Flask]:
    """Build an app around an exercise's Namespace, the way the demo builds its own.

    Unexpected exceptions propagate, so an unfinished exercise fails with its
    ``NotImplementedError`` message instead of an anonymous 500.
    """

    def build(namespace: Namespace) -> Flask:
        app = Flask("ch02_exercise")
        app.config.from_mapping(
            TESTING=True,
            PROPAGATE_EXCEPTIONS=True,
            SECRET_KEY=TEST_SECRET,
            SQLALCHEMY_DATABASE_URI="sqlite://",
            RESTX_MASK_SWAGGER=False,
        )
        register_extensions(app)
        api = ProblemApi(app, doc="/swagger")
        api.add_namespace(namespace)
        register_error_handlers(app)
        with app.app_context():
            db.create_all()
        return app

    return build


@pytest.fixture
def seed() -> Callable[..., list[int]]:
    """Insert rows given as dicts; returns the ids of the measurements, in the given order.

    Wafers default to lot ``L1``, created if needed when wafers are given without lots.
    """

    def insert(
        app: Flask,
        *,
        lots: Iterable[Mapping[str, Any]] = (),
        wafers: Iterable[Mapping[str, Any]] = (),
        measurements: Iterable[Mapping[str, Any]] = (),
    ) -> list[int]:
        lots, wafers = list(lots), list(wafers)
        with app.app_context():
            if wafers and not lots and db.session.get(Lot, "L1") is None:
                lots = [{"id": "L1"}]
            db.session.add_all(
                Lot(**{"product": "P45-logic", "layer": "poly", **lot}) for lot in lots
            )
            db.session.add_all(
                Wafer(**{"lot_id": "L1", "kind": "fem", **wafer}) for wafer in wafers
            )
            rows = [Measurement(**{"field": 1, "feature": "dense", **m}) for m in measurements]
            db.session.add_all(rows)
            db.session.commit()
            return [row.id for row in rows]

    return insert


@pytest.fixture
def row_count() -> Callable[[Flask, type], int]:
    """How many rows a table holds: proves what a request stored, or did not."""

    def count(app: Flask, model: type) -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(model))

    return count


@pytest.fixture
def parse_link_header() -> Callable[[str], dict[str, str]]:
    """``'<u1>; rel="next", <u2>; rel="last"'`` -> ``{"next": "u1", "last": "u2"}``."""

    def parse(header: str) -> dict[str, str]:
        return {rel: url for url, rel in re.findall(r'<([^>]*)>\s*;\s*rel="([^"]+)"', header)}

    return parse


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    assert body["status"] == status
    return body


@pytest.fixture
def problem() -> Callable[[Any, int], dict[str, Any]]:
    """Assert a response is problem details with a status; returns the body."""
    return assert_problem
