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

from celery import Celery, chord, group, shared_task  # noqa: F401
from flask import current_app  # noqa: F401

from ch07_demo.services.archive import CorruptWaferFile, WaferNotFound  # noqa: F401
from ch07_demo.services.fem import in_spec  # noqa: F401

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
    raise NotImplementedError(
        "fetch the file, count in-spec points; return a failure record for "
        "WaferNotFound/CorruptWaferFile"
    )


@shared_task(name=SUMMARISE_BATCH)
def summarise_batch(results: list[dict[str, Any]], batch_id: str) -> dict[str, Any]:
    """The chord's body: one summary of every member's result, stored and returned.

    ``{"batch_id", "files": len(results), "succeeded": [file ids with ok, in order],
    "failed": [{"file_id", "reason"} for members with ok False, in order], "points": sum of
    points of the succeeded, "in_spec": sum of their in_spec, "in_spec_fraction": in_spec /
    points rounded to 4 places (None when points is 0), "complete": no member failed}``.
    Stored as ``extensions["batch_summaries"][batch_id]`` before it is returned.
    """
    raise NotImplementedError(
        "sum the succeeded members, list the failed ones, store and return the summary"
    )


@shared_task(name=BATCH_FAILED)
def batch_failed(request: Any, exc: BaseException, traceback: str, batch_id: str) -> None:
    """The body's error callback (Celery calls it as ``(request, exc, traceback, *args)``).

    Appends ``{"batch_id": batch_id, "reason": str(exc), "callback_id": request.id}`` to
    ``extensions["batch_failures"]``: ``exc`` is the ``ChordError`` that names the failed member
    and its exception; ``request`` is the request of the body that will never run.
    """
    raise NotImplementedError(
        "append {batch_id, reason, callback_id} to extensions['batch_failures']"
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
    raise NotImplementedError(
        "validate file_ids, then chord(group(analyse_file signatures), summarise_batch signature "
        "with on_error(batch_failed signature))"
    )
