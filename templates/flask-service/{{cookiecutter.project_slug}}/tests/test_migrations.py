"""The Alembic migrations build exactly the schema the models describe."""

import os
from dataclasses import replace
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.config import Config
from {{ cookiecutter.project_slug }}.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def test_migrations_match_the_models_and_downgrade(config: Config, tmp_path: Path) -> None:
    database_url = os.environ.get("DATABASE_URL", f"sqlite:///{tmp_path / 'migrated.db'}")
    app = create_app(replace(config, database_url=database_url))
    with app.app_context():
        db.drop_all()
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []

        downgrade(directory=MIGRATIONS, revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
        db.engine.dispose()
