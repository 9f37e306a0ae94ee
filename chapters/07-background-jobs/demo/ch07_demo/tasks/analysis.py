"""The analysis job: summarise each wafer of a job, reporting progress after each one."""

from __future__ import annotations

import time

from celery import Task, shared_task
from flask import current_app

from ch07_demo.extensions import db
from ch07_demo.models import Job
from ch07_demo.services.archive import TRANSIENT_ARCHIVE_ERRORS
from ch07_demo.services.fem import summarise_wafer

PROGRESS = "PROGRESS"


@shared_task(
    bind=True,
    name="ch07.analyse_wafers",
    # Retry the whole job on a transient archive error, after 2, 4, 8 ... s (at most 60 s),
    # each delay drawn at random below that ceiling (jitter), five times at most.
    autoretry_for=TRANSIENT_ARCHIVE_ERRORS,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def analyse_wafers(self: Task, job_id: str) -> dict:
    """Summarise every wafer of job ``job_id``; report ``PROGRESS`` with ``done``/``total``."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise LookupError(f"no job {job_id}: was it committed before it was sent?")
    archive = current_app.extensions["metrology_archive"]
    summaries = []
    for done, wafer_id in enumerate(job.wafer_ids, start=1):
        measurements = archive.fetch(wafer_id)
        if job.step_ms:
            time.sleep(job.step_ms / 1000)  # the demo's stand-in for slow metrology work
        summaries.append(
            summarise_wafer(wafer_id, measurements, job.target_cd_nm, job.tolerance_pct)
        )
        self.update_state(
            state=PROGRESS, meta={"done": done, "total": len(job.wafer_ids), "wafer_id": wafer_id}
        )
    points = sum(s["points"] for s in summaries)
    passing = sum(s["in_spec"] for s in summaries)
    return {
        "wafers": summaries,
        "points": points,
        "in_spec_fraction": round(passing / points, 4) if points else None,
    }
