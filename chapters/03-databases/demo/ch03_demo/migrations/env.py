"""Alembic environment of the demo.

Two ways in:

- ``flask db upgrade`` and friends (Flask-Migrate): the app's engine and metadata come from
  ``current_app``, with Flask-Migrate's options (``compare_type``, ``render_as_batch``).
- a connection handed over in ``config.attributes["connection"]``: how a test runs the
  migrations against a database it prepared, with no app at all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from logging.config import fileConfig
from typing import Any

from alembic import context
from flask import current_app
from sqlalchemy.engine import Connection

config = context.config
logger = logging.getLogger("alembic.env")


@contextmanager
def sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Suspend SQLite's foreign-key enforcement while the migrations run.

    A batch migration rebuilds a table on SQLite: create a copy, copy the rows, drop the
    original, rename the copy. With foreign keys enforced, dropping a parent table deletes its
    children through ON DELETE CASCADE. SQLite ignores this pragma inside a transaction, hence
    the commits around it. Other databases alter tables in place and pass through untouched.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def run_migrations(connection: Connection, **configure_args: Any) -> None:
    with sqlite_foreign_keys_off(connection):
        context.configure(connection=connection, **configure_args)
        with context.begin_transaction():
            context.run_migrations()


def skip_empty_autogenerate(migration_context: Any, revision: Any, directives: list) -> None:
    """``flask db migrate`` with no model change writes no empty revision file."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_with_flask_app() -> None:
    extension = current_app.extensions["migrate"]
    options = {
        "target_metadata": extension.db.metadata,
        "process_revision_directives": skip_empty_autogenerate,
        **extension.configure_args,
    }
    if context.is_offline_mode():
        # `flask db upgrade --sql`: print the SQL for a DBA instead of running it.
        url = extension.db.engine.url.render_as_string(hide_password=False)
        context.configure(url=url, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    with extension.db.engine.connect() as connection:
        run_migrations(connection, **options)


supplied = config.attributes.get("connection")
if supplied is not None:
    run_migrations(supplied, render_as_batch=True)
else:
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    run_with_flask_app()
