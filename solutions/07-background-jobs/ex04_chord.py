"""Exercise 04: a chord over many wafer files, with a summarising callback.

A batch analyses many files in parallel (the chord's header, one task per file) and then
summarises them once (the chord's body, called with the list of every member's result, in the
header's order). Two kinds of member failure, handled differently:

- **expected, per file**: the file is missing or corrupt (``WaferNotFound``,
  ``CorruptWaferFile``). The member *returns* a failure record instead of raising, so the batch
  still completes and its summary names the file and why: a summary that quietly counts only
  the good files misreports the batch.
- **unexpected**: a member raises anything else. Celery then never calls the body: the chord
  fails with a ``ChordError`` naming the member, and the body's error callback runs instead.
  The batch is recorded as failed, and no summary is stored.

A chord needs a result backend that counts finished members (Redis does); eager mode runs it
inline and is no test of it. The app provides ``current_app.extensions["metrology_archive"]``,
``extensions["batch_summaries"]`` (a dict batch id -> summary) and ``extensions["batch_failures"]``
(a list).
"""

from __future__ import annotations

from typing import Any

from celery import Celery, chord, group, shared_task
from flask import current_app

from ch07_demo.services.archive import CorruptWaferFile, WaferNotFound
from ch07_demo.services.fem import in_spec

ANALYSE_FILE = "ch07.ex04.analyse_file"
SUMMARISE_BATCH = "ch07.ex04.summarise_batch"
BATCH_FAILED = "ch07.ex04.batch_failed"


@shared_task(name=ANALYSE_FILE)
def analyse_file(file_id: str, target_cd_nm: float, tolerance_pct: float) -> dict[str, Any]:
    """One member of the chord: the in-spec count of one wafer file.

    ``archive.fetch(file_id)``; success: ``{"file_id", "ok": True, "points": n, "in_spec": k}``
    with k the measurements within spec (``|CD - T| <= T·tol/100``). ``WaferNotFound`` or
    ``CorruptWaferFile``: ``{"file_id", "ok": False, "reason": "<ExceptionClass>: <message>"}``.
    Any other exception propagates.
    """
    try:
        measurements = current_app.extensions["metrology_archive"].fetch(file_id)
    except (WaferNotFound, CorruptWaferFile) as exc:
        return {"file_id": file_id, "ok": False, "reason": f"{type(exc).__name__}: {exc}"}
    passing = sum(in_spec(m.cd_nm, target_cd_nm, tolerance_pct) for m in measurements)
    return {"file_id": file_id, "ok": True, "points": len(measurements), "in_spec": passing}


@shared_task(name=SUMMARISE_BATCH)
def summarise_batch(results: list[dict[str, Any]], batch_id: str) -> dict[str, Any]:
    """The chord's body: one summary of every member's result, stored and returned.

    ``{"batch_id", "files": len(results), "succeeded": [file ids with ok, in order],
    "failed": [{"file_id", "reason"} for members with ok False, in order], "points": sum of
    points of the succeeded, "in_spec": sum of their in_spec, "in_spec_fraction": in_spec /
    points rounded to 4 places (None when points is 0), "complete": no member failed}``.
    Stored as ``extensions["batch_summaries"][batch_id]`` before it is returned.
    """
    succeeded = [r for r in results if r["ok"]]
    points = sum(r["points"] for r in succeeded)
    passing = sum(r["in_spec"] for r in succeeded)
    failed = [{"file_id": r["file_id"], "reason": r["reason"]} for r in results if not r["ok"]]
    summary = {
        "batch_id": batch_id,
        "files": len(results),
        "succeeded": [r["file_id"] for r in succeeded],
        "failed": failed,
        "points": points,
        "in_spec": passing,
        "in_spec_fraction": round(passing / points, 4) if points else None,
        "complete": not failed,
    }
    current_app.extensions["batch_summaries"][batch_id] = summary
    return summary


@shared_task(name=BATCH_FAILED)
def batch_failed(request: Any, exc: BaseException, traceback: str, batch_id: str) -> None:
    """The body's error callback (Celery calls it as ``(request, exc, traceback, *args)``).

    Appends ``{"batch_id": batch_id, "reason": str(exc), "callback_id": request.id}`` to
    ``extensions["batch_failures"]``: ``exc`` is the ``ChordError`` that names the failed member
    and its exception; ``request`` is the request of the body that will never run.
    """
    current_app.extensions["batch_failures"].append(
        {"batch_id": batch_id, "reason": str(exc), "callback_id": request.id}
    )


def build_batch(
    celery_app: Celery,
    file_ids: list[str],
    batch_id: str,
    *,
    target_cd_nm: float,
    tolerance_pct: float,
) -> chord:
    """The batch as a chord of ``celery_app``'s tasks, not yet sent (the caller applies it).

    Header: one ``analyse_file(file_id, target_cd_nm, tolerance_pct)`` per file, in order.
    Body: ``summarise_batch(<results>, batch_id)`` with the error callback
    ``batch_failed(batch_id)`` attached to it (``on_error``). ``ValueError`` when ``file_ids``
    is empty or names a file twice.
    """
    if not file_ids:
        raise ValueError("a batch needs at least one file")
    if len(set(file_ids)) != len(file_ids):
        raise ValueError("a batch names each file once")
    header = group(
        celery_app.signature(ANALYSE_FILE, args=(file_id, target_cd_nm, tolerance_pct))
        for file_id in file_ids
    )
    body = celery_app.signature(SUMMARISE_BATCH, args=(batch_id,))
    body.on_error(celery_app.signature(BATCH_FAILED, args=(batch_id,)))
    return chord(header, body, app=celery_app)
