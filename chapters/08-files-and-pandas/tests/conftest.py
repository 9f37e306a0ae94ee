"""Fixtures for chapter 08: a fresh demo app per test, on its own database and upload folder.

``ch08_demo`` is imported inside the fixtures: pytest loads this file before the grading
plugin has put the chapter demos on ``sys.path``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine


@pytest.fixture
def upload_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "uploads"
    folder.mkdir()
    return folder


@pytest.fixture
def app(tmp_path: Path, upload_dir: Path) -> Flask:
    """The demo on an empty SQLite file and an empty upload folder, small limits."""
    from ch08_demo import create_app
    from ch08_demo.config import Settings

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        upload_dir=upload_dir,
        max_upload_bytes=64 * 1024,
        read_chunk_rows=7,
        retention_days=30,
    )
    return create_app(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite file of its own with the demo's ``datasets`` table, for tests without an app."""
    from ch08_demo.extensions import db

    engine = create_engine(f"sqlite:///{tmp_path / 'datasets.sqlite3'}")
    db.metadata.create_all(engine)
    yield engine
    engine.dispose()
