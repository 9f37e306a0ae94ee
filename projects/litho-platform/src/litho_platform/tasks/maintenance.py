"""Periodic jobs that Celery beat schedules (config.py's beat_schedule)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from flask import current_app

from litho_platform.config import RETENTION_TASK
from litho_platform.models.base import utcnow
from litho_platform.services import datasets


@shared_task(name=RETENTION_TASK, ignore_result=True)
def delete_expired_datasets() -> int:
    """Delete datasets (files, analyses, cached results) older than RETENTION_DAYS; 0 days
    keeps everything. Returns how many datasets were deleted."""
    days = current_app.config["RETENTION_DAYS"]
    if not days:
        return 0
    return datasets.delete_expired(utcnow() - timedelta(days=days))
