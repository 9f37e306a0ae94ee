"""Periodic housekeeping, scheduled by Celery beat (``beat_schedule`` in config.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from celery import shared_task
from flask import current_app
from sqlalchemy import select

from ch07_demo.extensions import db
from ch07_demo.models import Job


@shared_task(name="ch07.purge_finished_jobs", ignore_result=True)
def purge_finished_jobs(now: str | None = None) -> int:
    """Delete jobs older than ``JOB_RETENTION_HOURS`` and forget their results; the count.

    ``now`` (ISO 8601) exists for tests; beat sends no arguments. Idempotent: running it twice,
    or on two beat instances by mistake, deletes nothing twice.
    """
    moment = datetime.fromisoformat(now) if now else datetime.now(UTC)
    cutoff = moment - timedelta(hours=current_app.config["JOB_RETENTION_HOURS"])
    celery_app = current_app.extensions["celery"]
    old = db.session.scalars(select(Job).where(Job.created_at < cutoff)).all()
    for job in old:
        celery_app.AsyncResult(job.id).forget()
        db.session.delete(job)
    db.session.commit()
    return len(old)
