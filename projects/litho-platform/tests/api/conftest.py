"""Fixtures for the service's tests: a fresh app per test (its own instance folder and SQLite
file), users of every role with tokens, and FEM files made by the engine's generator.

Nothing is shared between tests: each app gets a new database, a new in-process cache and new
rate-limit counters (the limiter keeps them per app).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient

from litho import generate_with_truth
from litho_platform import create_app
from litho_platform.extensions import db
from litho_platform.models import Role
from litho_platform.services import users

PROJECT_DIR = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = PROJECT_DIR / "examples"
PASSWORD = "Reticle-Bossung-42"
LAX_LIMITS = dict.fromkeys(("admin", "engineer", "viewer", "anonymous"), "100000/minute")

# Variables the service reads; a developer's or CI's environment must not leak into tests.
SERVICE_VARIABLES = (
    "APP_ENV",
    "SECRET_KEY",
    "JWT_SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "RATELIMIT_STORAGE_URI",
    "INSTANCE_PATH",
    "MAX_UPLOAD_MB",
    "MAX_DATASET_ROWS",
    "JWT_ACCESS_TOKEN_MINUTES",
    "JWT_REFRESH_TOKEN_DAYS",
    "PORT",
    "LOG_LEVEL",
    "RATE_LIMIT_ADMIN",
    "RATE_LIMIT_ENGINEER",
    "RATE_LIMIT_VIEWER",
    "RATE_LIMIT_ANONYMOUS",
    "RATE_LIMIT_LOGIN",
    "LITHO_ADMIN_USERNAME",
    "LITHO_ADMIN_PASSWORD",
    "LITHO_ADMIN_EMAIL",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SERVICE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("APP_ENV", "testing")


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Flask]:
    """Build an app on a fresh instance folder with its schema created; keyword arguments are
    config overrides (TESTING=False gives production-like error handling)."""
    counter = iter(range(1000))

    def build(**overrides) -> Flask:
        config = {
            "INSTANCE_PATH": str(tmp_path / f"instance{next(counter)}"),
            "RATE_LIMITS": dict(LAX_LIMITS),
            "RATE_LIMIT_LOGIN": "100000/minute",
        }
        config.update(overrides)
        app = create_app(config)
        with app.app_context():
            db.create_all()
        return app

    return build


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class ApiUser:
    """A registered user with a logged-in token pair."""

    id: int
    username: str
    role: Role
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@pytest.fixture
def make_user(app: Flask, client: FlaskClient) -> Callable[..., ApiUser]:
    """Create a user of a role (through the service) and log in (through the API)."""

    def create(username: str, role: Role = Role.ENGINEER) -> ApiUser:
        with app.app_context():
            user = users.register(username, f"{username}@fab.example", PASSWORD, role=role)
            user_id = user.id
        response = client.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.json
        return ApiUser(
            user_id, username, role, response.json["access_token"], response.json["refresh_token"]
        )

    return create


@pytest.fixture
def sign_in() -> Callable[..., dict[str, str]]:
    """Create a user on any app (e.g. one built with special config) and return auth headers."""

    def create(app: Flask, username: str = "alice", role: Role = Role.ENGINEER) -> dict[str, str]:
        with app.app_context():
            users.register(username, f"{username}@fab.example", PASSWORD, role=role)
        response = app.test_client().post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        )
        return {"Authorization": f"Bearer {response.json['access_token']}"}

    return create


@pytest.fixture
def engineer(make_user) -> ApiUser:
    return make_user("engineer1")


@pytest.fixture
def other_engineer(make_user) -> ApiUser:
    return make_user("engineer2")


@pytest.fixture
def viewer(make_user) -> ApiUser:
    return make_user("viewer1", Role.VIEWER)


@pytest.fixture
def admin(make_user) -> ApiUser:
    return make_user("admin1", Role.ADMIN)


def fem_csv(**parameters) -> bytes:
    """A FEM table from the engine's generator (LITHO.md's truth model), as CSV bytes."""
    frame, _ = generate_with_truth(**parameters)
    return frame.to_csv(index=False).encode()


@pytest.fixture
def fem_bytes() -> Callable[..., bytes]:
    return fem_csv


@pytest.fixture
def upload(client: FlaskClient) -> Callable[..., object]:
    """POST a file to /api/v1/datasets as multipart; returns the response."""

    def send(user: ApiUser, content: bytes, filename: str = "fem.csv", **form):
        data = {"file": (io.BytesIO(content), filename), **form}
        return client.post(
            "/api/v1/datasets", data=data, headers=user.headers, content_type="multipart/form-data"
        )

    return send


@pytest.fixture
def dataset_id(upload, engineer: ApiUser) -> int:
    """A small noisy two-field dataset of the engineer's."""
    response = upload(
        engineer,
        fem_csv(fields=2, field_focus_offsets=[0.0, 0.04], noise_sigma=0.2, seed=7),
        "two_fields.csv",
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def stored_files(app: Flask) -> list[Path]:
    directory = Path(app.instance_path) / "datasets"
    return sorted(directory.iterdir()) if directory.exists() else []


@pytest.fixture
def files_in_store(app: Flask) -> Callable[[], list[Path]]:
    return lambda: stored_files(app)


def frame_to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


@pytest.fixture
def parquet_bytes() -> Callable[[pd.DataFrame], bytes]:
    return frame_to_parquet


def assert_problem(response, status: int, code: str | None = None) -> dict:
    """The response is an RFC 9457 problem of this status (and code); returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    assert body["detail"]
    assert body["instance"] == response.request.path
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def problem() -> Callable[..., dict]:
    return assert_problem
