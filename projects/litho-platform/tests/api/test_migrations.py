"""Alembic: upgrade builds the models' schema from empty, downgrade returns to empty."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from litho_platform import create_app
from litho_platform.extensions import db


def test_upgrade_from_empty_matches_the_models_and_downgrade_empties(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert tables == {
            "alembic_version",
            "users",
            "revoked_tokens",
            "datasets",
            "analyses",
            "analysis_batches",
        }
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}


def test_migrated_schema_serves_requests(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        upgrade()
    client = app.test_client()
    response = client.post(
        "/api/v1/auth/register",
        json={"username": "alice", "email": "alice@fab.example", "password": "Reticle-Bossung-42"},
    )
    assert response.status_code == 201
