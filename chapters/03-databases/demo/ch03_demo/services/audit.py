"""Reading the audit log (writing it is the flush listener's job, in models/audit.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ch03_demo.models import AuditEntry


def recent_entries(
    session: Session, limit: int = 50, entity: str | None = None
) -> list[AuditEntry]:
    """The newest ``limit`` audit entries first, optionally of one table (``lots``, ``wafers``)."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity is not None:
        stmt = stmt.where(AuditEntry.entity == entity)
    return list(session.scalars(stmt))
