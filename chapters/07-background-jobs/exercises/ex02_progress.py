"""Exercise 02: a task that reports its progress, and a status API that says where a job is.

A job over many wafers takes minutes. The client that submitted it polls a status URL and wants
one clear JSON document whatever Celery's state: still queued, started, how far along, the
result, or why it failed (never a traceback). Celery's state names are the vocabulary:
PENDING, STARTED, PROGRESS (a custom state set by the task), RETRY, SUCCESS, FAILURE.

The wafers come from the app's metrology archive, ``current_app.extensions["metrology_archive"]``
(an object with ``fetch(wafer_id) -> list[Measurement]``); ``summarise_wafer`` of the demo turns
one wafer's measurements into its summary.
"""

from __future__ import annotations

import uuid  # noqa: F401
from typing import Any

from celery import Celery, Task, shared_task
from celery.result import AsyncResult
from flask import Blueprint, current_app, jsonify, request, url_for  # noqa: F401

from ch07_demo.services.fem import summarise_wafer  # noqa: F401

PROGRESS = "PROGRESS"
TASK_NAME = "ch07.ex02.measure_wafers"
# Submitted job ids -> their wafer ids, per app: a stand-in for the demo's jobs table. Celery
# reports PENDING for any id it has never heard of, so only this record tells "queued" from
# "no such job".
JOBS_EXTENSION = "ch07_ex02_jobs"


@shared_task(bind=True, name=TASK_NAME)
def measure_wafers(
    self: Task, wafer_ids: list[str], target_cd_nm: float, tolerance_pct: float
) -> dict[str, Any]:
    """Summarise each wafer in order and report progress after each one.

    For each wafer: ``archive.fetch(wafer_id)``, then ``summarise_wafer(wafer_id, measurements,
    target_cd_nm, tolerance_pct)``, then ``self.update_state(state="PROGRESS", meta={"done": i,
    "total": n, "wafer_id": wafer_id})`` with i = 1..n. So a job of n wafers reports exactly n
    PROGRESS states, the last one with ``done == total == n``, before its SUCCESS.

    Returns ``{"wafers": [summary, ...] (in the given order), "points": total points,
    "in_spec": total in-spec points, "in_spec_fraction": in_spec / points rounded to 4 places
    (None when there are no points)}``. An archive error propagates (the job fails).
    """
    raise NotImplementedError(
        "fetch and summarise each wafer, calling self.update_state(state=PROGRESS, meta=...) "
        "after each"
    )


def job_status(result: AsyncResult) -> dict[str, Any]:
    """One JSON-ready document for a job, whatever its Celery state.

    Always the keys ``id`` (``result.id``), ``state`` (``result.state``), ``ready`` (True for
    SUCCESS and FAILURE), ``progress``, ``result`` and ``error``:

    - PENDING, STARTED (and any other state): ready False; progress, result, error None;
    - PROGRESS: ``progress`` = ``{"done", "total", "percent"}`` from the task's meta, percent =
      100·done/total rounded to 1 place (0.0 when total is 0), plus ``"wafer_id"`` when the
      meta has it; result and error None;
    - RETRY: ready False; ``error`` = ``{"type", "message"}`` of the exception that caused the
      retry (its class name and ``str()``); progress and result None;
    - SUCCESS: ready True; ``result`` = the task's return value; progress and error None;
    - FAILURE: ready True; ``error`` = ``{"type", "message"}`` of the exception; result and
      progress None. Never a traceback, anywhere in the document.
    """
    raise NotImplementedError("map result.state and result.info to the documented keys")


def create_jobs_blueprint(celery_app: Celery) -> Blueprint:
    """A blueprint (name ``"ex02_jobs"``) submitting ``measure_wafers`` jobs and reporting them.

    ``POST /measure-jobs`` with JSON ``{"wafer_ids": [str, ...] (1 to 50 non-empty strings, no
    repeats), "target_cd_nm": number > 0, "tolerance_pct": number > 0 and <= 50}`` (no other
    keys; booleans are not numbers): sends the task through ``celery_app`` with a new uuid4
    task id, records the id in ``current_app.extensions["ch07_ex02_jobs"]`` (a dict: id ->
    wafer ids, created on first use), answers **202** with ``job_status`` of the new job and
    ``Location: /measure-jobs/<id>``. Invalid JSON or payload: **400** with
    ``{"error": "<what is wrong>"}``; nothing is sent and nothing recorded.

    ``GET /measure-jobs/<id>``: **200** with ``job_status(celery_app.AsyncResult(id))``;
    **404** with ``{"error": ...}`` for an id this app never submitted.
    """
    raise NotImplementedError(
        "validate the payload, send the task with a new id, record it, answer 202; GET answers "
        "200 or 404"
    )
