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

import uuid
from typing import Any

from celery import Celery, Task, shared_task
from celery.result import AsyncResult
from flask import Blueprint, current_app, jsonify, request, url_for

from ch07_demo.services.fem import summarise_wafer

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
    archive = current_app.extensions["metrology_archive"]
    summaries = []
    for done, wafer_id in enumerate(wafer_ids, start=1):
        measurements = archive.fetch(wafer_id)
        summaries.append(summarise_wafer(wafer_id, measurements, target_cd_nm, tolerance_pct))
        self.update_state(
            state=PROGRESS, meta={"done": done, "total": len(wafer_ids), "wafer_id": wafer_id}
        )
    points = sum(s["points"] for s in summaries)
    passing = sum(s["in_spec"] for s in summaries)
    return {
        "wafers": summaries,
        "points": points,
        "in_spec": passing,
        "in_spec_fraction": round(passing / points, 4) if points else None,
    }


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
    state = result.state
    info = result.info
    body: dict[str, Any] = {
        "id": result.id,
        "state": state,
        "ready": state in ("SUCCESS", "FAILURE"),
        "progress": None,
        "result": None,
        "error": None,
    }
    if state == PROGRESS and isinstance(info, dict):
        done, total = int(info.get("done", 0)), int(info.get("total", 0))
        body["progress"] = {
            "done": done,
            "total": total,
            "percent": round(100 * done / total, 1) if total else 0.0,
        }
        if "wafer_id" in info:
            body["progress"]["wafer_id"] = info["wafer_id"]
    elif state == "SUCCESS":
        body["result"] = info
    elif state in ("FAILURE", "RETRY") and isinstance(info, BaseException):
        body["error"] = {"type": type(info).__name__, "message": str(info)}
    return body


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
    blueprint = Blueprint("ex02_jobs", __name__)

    @blueprint.post("/measure-jobs")
    def submit():
        payload = request.get_json(silent=True)
        problem = _payload_problem(payload)
        if problem:
            return jsonify(error=problem), 400
        job_id = str(uuid.uuid4())
        task = celery_app.tasks[TASK_NAME]
        task.apply_async(
            args=(payload["wafer_ids"], payload["target_cd_nm"], payload["tolerance_pct"]),
            task_id=job_id,
        )
        current_app.extensions.setdefault(JOBS_EXTENSION, {})[job_id] = list(payload["wafer_ids"])
        location = url_for("ex02_jobs.status", job_id=job_id)
        return jsonify(job_status(celery_app.AsyncResult(job_id))), 202, {"Location": location}

    @blueprint.get("/measure-jobs/<job_id>")
    def status(job_id: str):
        if job_id not in current_app.extensions.get(JOBS_EXTENSION, {}):
            return jsonify(error=f"no job {job_id}"), 404
        return jsonify(job_status(celery_app.AsyncResult(job_id)))

    return blueprint


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _payload_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return "the body must be a JSON object"
    unknown = set(payload) - {"wafer_ids", "target_cd_nm", "tolerance_pct"}
    if unknown:
        return f"unknown keys: {', '.join(sorted(unknown))}"
    wafers = payload.get("wafer_ids")
    if (not isinstance(wafers, list) or not 1 <= len(wafers) <= 50
            or not all(isinstance(w, str) and w for w in wafers)):
        return "wafer_ids must be a list of 1 to 50 non-empty strings"
    if len(set(wafers)) != len(wafers):
        return "wafer_ids must not repeat a wafer"
    target = payload.get("target_cd_nm")
    if not _is_number(target) or not target > 0:
        return "target_cd_nm must be a number > 0"
    tolerance = payload.get("tolerance_pct")
    if not _is_number(tolerance) or not 0 < tolerance <= 50:
        return "tolerance_pct must be a number > 0 and <= 50"
    return None
