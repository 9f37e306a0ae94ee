"""Counting the statements sent to the database: the number that exposes an N+1.

``QueryCounter`` counts around a block of code (tests use it to prove a query count);
``count_request_queries`` counts per request and reports it in an ``X-Query-Count`` header.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, has_app_context
from sqlalchemy import Engine, event


class QueryCounter:
    """Records every statement ``engine`` sends to the database while the block runs.

    It listens to ``before_cursor_execute``, so it sees what really reaches the database: a lazy
    load triggered by an attribute access counts as much as an explicit ``select()``.

        with QueryCounter(engine) as queries:
            overview(session)
        assert queries.count <= 3, queries.statements
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc_info: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


def _count_in_app_context(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    # The listener is per engine but g is per app context, i.e. per request: concurrent requests
    # on other threads count into their own g.
    if has_app_context():
        g.query_count = g.get("query_count", 0) + 1


def _add_query_count_header(response: Response) -> Response:
    response.headers["X-Query-Count"] = str(g.get("query_count", 0))
    return response


def count_request_queries(app: Flask, engine: Engine) -> None:
    """Report the number of statements each request of ``app`` ran in ``X-Query-Count``."""
    event.listen(engine, "before_cursor_execute", _count_in_app_context)
    app.after_request(_add_query_count_header)
