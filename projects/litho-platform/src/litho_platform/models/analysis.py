"""Analysis jobs: parameters, progress and, once succeeded, the results in LITHO.md's keys;
batches: one analysis per dataset and the overlap of their windows."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from litho_platform.extensions import db
from litho_platform.models.base import UTCDateTime, utcnow
from litho_platform.models.dataset import Dataset
from litho_platform.models.user import User


class AnalysisStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class AnalysisBatch(db.Model):
    """Several datasets analysed with one set of parameters; ``aggregate`` is the overlap of
    their windows (the engine's grouped-overlap result) once every member has finished."""

    __tablename__ = "analysis_batches"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=AnalysisStatus.QUEUED.value)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    aggregate: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    analyses: Mapped[list[Analysis]] = relationship(
        back_populates="batch", order_by="Analysis.id", passive_deletes=True
    )


class Analysis(db.Model):
    __tablename__ = "analyses"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=AnalysisStatus.QUEUED.value, index=True)
    progress: Mapped[float] = mapped_column(default=0.0)
    stage: Mapped[str | None] = mapped_column(String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Runs started: more than one means a worker died (or a service failed) during an earlier one.
    attempts: Mapped[int] = mapped_column(default=0)
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("analysis_batches.id", ondelete="SET NULL"), index=True
    )

    owner: Mapped[User] = relationship()
    dataset: Mapped[Dataset] = relationship()
    batch: Mapped[AnalysisBatch | None] = relationship(back_populates="analyses")
