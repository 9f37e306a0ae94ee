"""Engine set-up that depends on the database behind the URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event


def _foreign_keys_on(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def enforce_sqlite_foreign_keys(engine: Engine) -> None:
    """Make SQLite enforce foreign keys (and ``ON DELETE CASCADE``) on every connection of engine.

    SQLite parses ``REFERENCES`` clauses but ignores them unless each connection opts in, so
    without this a cascade that works on PostgreSQL silently leaves orphans on SQLite. Other
    backends are left alone.
    """
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _foreign_keys_on)
