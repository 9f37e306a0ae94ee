"""Submitting jobs and reading their status: the job row says what was asked, Celery the rest."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from celery.result import AsyncResult
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ch07_demo.models import Job
from ch07_demo.services.archive import known_wafer


class JobNotFound(LookupError):
    """No job has this id."""


class UnknownWafers(ValueError):
    """Some requested wafers are not in the archive; nothing was stored or sent."""

    def __init__(self, wafer_ids: list[str]) -> None:
        super().__init__(", ".join(wafer_ids))
        self.wafer_ids = wafer_ids


class IdempotencyConflict(Exception):
    """The key was used before for a different request; nothing was stored or sent."""


def submit_job(
    session: Session,
    request: Mapping[str, Any],
    idempotency_key: str | None,
    send: Callable[[str], object],
) -> tuple[Job, bool]:
    """Store the job, then send it; ``(job, created)``.

    ``request``: ``wafer_ids``, ``target_cd_nm``, ``tolerance_pct``, ``step_ms``. With an
    ``idempotency_key`` already used for the same request, the existing job comes back with
    ``created`` False and nothing is sent again; used for another request: IdempotencyConflict.
    ``send(job_id)`` is called after the commit, never before: a worker that picks the message
    up must find the row.
    """
    unknown = [w for w in request["wafer_ids"] if not known_wafer(w)]
    if unknown:
        raise UnknownWafers(unknown)
    if idempotency_key is not None:
        existing = _by_key(session, idempotency_key)
        if existing is not None:
            return _same_request(existing, request), False
    job = Job(id=str(uuid.uuid4()), idempotency_key=idempotency_key, **request)
    session.add(job)
    try:
        session.commit()
    except IntegrityError:
        # Another request with the same key committed between our read and our write.
        session.rollback()
        existing = _by_key(session, idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return _same_request(existing, request), False
    send(job.id)
    return job, True


def _by_key(session: Session, key: str) -> Job | None:
    return session.scalars(select(Job).where(Job.idempotency_key == key)).one_or_none()


def _same_request(job: Job, request: Mapping[str, Any]) -> Job:
    if job.request_fields() != dict(request):
        raise IdempotencyConflict(job.idempotency_key)
    return job


def get_job(session: Session, job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise JobNotFound(job_id)
    return job


def recent_jobs(session: Session, limit: int = 20) -> list[Job]:
    return list(session.scalars(select(Job).order_by(Job.created_at.desc()).limit(limit)))


def job_status(job: Job, result: AsyncResult) -> dict[str, Any]:
    """The job as the API shows it; Celery's state names, and nothing of a traceback.

    PENDING (queued, or unknown to the backend), STARTED (a worker took it), PROGRESS (with
    ``done``/``total``), RETRY (waiting to run again after ``error``), SUCCESS (with
    ``result``), FAILURE (with ``error``).
    """
    total = len(job.wafer_ids)
    state = result.state
    info = result.info
    done = 0
    if state == "PROGRESS" and isinstance(info, dict):
        done = int(info.get("done", 0))
    elif state == "SUCCESS":
        done = total
    error = None
    if state in ("FAILURE", "RETRY") and isinstance(info, BaseException):
        error = {"type": type(info).__name__, "message": str(info)}
    return {
        "id": job.id,
        "state": state,
        "created_at": job.created_at,
        "request": job.request_fields(),
        "progress": {"done": done, "total": total, "percent": round(100 * done / total, 1)},
        "result": result.result if state == "SUCCESS" else None,
        "error": error,
    }
