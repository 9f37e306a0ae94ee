"""The audit log: one row per inserted, updated or deleted lot or wafer, written by a flush event.

Nothing in the services writes audit rows for ordinary changes: ``record_changes`` runs inside
every flush of the app's sessions, in the flush's own transaction, so a change and its audit
row are committed or rolled back together.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Index, String, event, func, insert, inspect
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column
from sqlalchemy.types import JSON

from ch03_demo.extensions import AuditedSession, db


class Audited:
    """Mixin: changes to rows of this model are written to the audit log."""


class AuditEntry(db.Model):
    """Who changed what, when: ``changes`` maps each column to ``[old, new]``."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint("action IN ('insert', 'update', 'delete', 'import')", name="known_action"),
        # "History of this wafer" is the query the log exists for.
        Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(8))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None]
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _diff(obj: object, action: str) -> dict[str, list[Any]]:
    """Column -> [old, new] for what this flush does to ``obj``.

    Reads loaded values and attribute history only: touching an unloaded attribute here would
    issue a query in the middle of the flush.
    """
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for column in state.mapper.column_attrs:
        if column.key == "id":
            continue
        if action == "update":
            history = state.attrs[column.key].history
            if history.has_changes():
                old = history.deleted[0] if history.deleted else None
                changes[column.key] = [_jsonable(old), _jsonable(history.added[0])]
        elif column.key in state.dict:
            value = _jsonable(state.dict[column.key])
            changes[column.key] = [None, value] if action == "insert" else [value, None]
    return changes


@event.listens_for(AuditedSession, "after_flush")
def record_changes(session: Session, flush_context: UOWTransaction) -> None:
    """Write one audit row per ``Audited`` object this flush inserted, updated or deleted.

    ``after_flush`` because new rows have their primary keys by then, while ``session.new``,
    ``dirty``, ``deleted`` and attribute history still describe what the flush did.
    """
    actor = session.info.get("actor", "system")
    touched = [
        *(("insert", obj) for obj in session.new),
        *(("update", obj) for obj in session.dirty),
        *(("delete", obj) for obj in session.deleted),
    ]
    rows = []
    for action, obj in touched:
        if not isinstance(obj, Audited):
            continue
        changes = _diff(obj, action)
        if action == "update" and not changes:
            continue  # only a relationship changed, or an attribute was set to its own value
        rows.append({
            "actor": actor,
            "action": action,
            "entity": obj.__tablename__,
            "entity_id": inspect(obj).mapper.primary_key_from_instance(obj)[0],
            "changes": changes,
        })
    if rows:
        # A Core insert on the flush's own connection: adding ORM objects while a flush is
        # running is not supported, and this keeps the rows in the flush's transaction.
        session.connection().execute(insert(AuditEntry.__table__), rows)
