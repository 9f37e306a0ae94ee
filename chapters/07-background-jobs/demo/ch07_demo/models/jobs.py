"""A submitted analysis job: what was asked. Its state and result live in Celery's backend."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from ch07_demo.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class Job(db.Model):
    """One analysis job. ``id`` is also the Celery task id, so the status API finds its state."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # Unique: a second submission with the same key finds this row instead of making another.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    wafer_ids: Mapped[list[str]] = mapped_column(JSON)
    target_cd_nm: Mapped[float]
    tolerance_pct: Mapped[float]
    # Simulated metrology time per wafer, so that progress can be watched with a real worker.
    step_ms: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def request_fields(self) -> dict:
        """What the client asked for: two submissions with one key must agree on this."""
        return {
            "wafer_ids": list(self.wafer_ids),
            "target_cd_nm": self.target_cd_nm,
            "tolerance_pct": self.tolerance_pct,
            "step_ms": self.step_ms,
        }
