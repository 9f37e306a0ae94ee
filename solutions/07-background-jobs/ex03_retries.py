"""Exercise 03: retries with exponential backoff and jitter, for transient errors only.

The metrology archive times out and goes away for maintenance: asking again a little later
works. A wafer that does not exist or a file that does not parse fails the same way every time:
retrying it only delays the failure and loads the archive. So a task retries the transient
errors of ``TRANSIENT_ARCHIVE_ERRORS`` (in the demo's ``services/archive.py``) and nothing else,
waits longer after each attempt (exponential backoff, capped), and draws each wait at random
below that ceiling (jitter), so that a thousand tasks that failed together do not all come back
in the same second. When it gives up, the failure is recorded with its reason.

The app provides, in ``current_app``:

- ``extensions["metrology_archive"]``: ``fetch(wafer_id) -> list[Measurement]``;
- ``extensions["job_failures"]``: a list the task appends terminal failures to;
- ``extensions["retry_rng"]`` (optional): the random source of the jitter, default the
  ``random`` module;
- ``config["ARCHIVE_RETRY_BASE_S"]``, ``config["ARCHIVE_RETRY_CAP_S"]`` (floats, seconds) and
  ``config["ARCHIVE_MAX_RETRIES"]`` (int: retries after the first attempt).
"""

from __future__ import annotations

import random
from typing import Any, Protocol

from celery import Task, shared_task
from flask import current_app

from ch07_demo.services.archive import TRANSIENT_ARCHIVE_ERRORS

TASK_NAME = "ch07.ex03.fetch_wafer"


class RandomSource(Protocol):
    def random(self) -> float: ...


def backoff_delay(attempt: int, *, base_s: float, cap_s: float, rng: RandomSource) -> float:
    """Seconds to wait before retry number ``attempt`` (0 for the first retry), full jitter.

    The ceiling grows exponentially and is capped: ``ceiling = min(cap_s, base_s * 2**attempt)``;
    the delay is ``rng.random() * ceiling``: exactly one ``rng.random()`` call, so with
    ``random.Random(seed)`` the delays are reproducible, and each lies in ``[0, ceiling)``.

    ``ValueError`` when ``attempt < 0``, ``base_s <= 0`` or ``cap_s < base_s``.
    """
    if attempt < 0:
        raise ValueError(f"attempt must be >= 0, got {attempt}")
    if base_s <= 0:
        raise ValueError(f"base_s must be > 0, got {base_s}")
    if cap_s < base_s:
        raise ValueError(f"cap_s ({cap_s}) must be >= base_s ({base_s})")
    ceiling = min(cap_s, base_s * 2**attempt)
    return rng.random() * ceiling


@shared_task(bind=True, name=TASK_NAME)
def fetch_wafer(self: Task, wafer_id: str) -> dict[str, Any]:
    """Read one wafer from the archive; ``{"wafer_id": ..., "points": <measurement count>}``.

    - An error of ``TRANSIENT_ARCHIVE_ERRORS`` is retried with
      ``raise self.retry(exc=exc, countdown=backoff_delay(self.request.retries, ...),
      max_retries=config["ARCHIVE_MAX_RETRIES"])``, base, cap and rng from the app, until
      ``ARCHIVE_MAX_RETRIES`` retries have been spent; the attempt after the last retry that
      fails again is terminal.
    - Any other exception is terminal at once: never retried.
    - A terminal failure appends exactly one record to ``extensions["job_failures"]``:
      ``{"task": TASK_NAME, "task_id": self.request.id, "wafer_id": wafer_id,
      "reason": "<ExceptionClass>: <str(exc)>", "attempts": <attempts made, 1 + retries>,
      "transient": <whether the error was a transient one>}``, then re-raises the exception
      itself, so the task ends FAILURE with it. Retries record nothing.
    """
    config = current_app.config
    max_retries = config["ARCHIVE_MAX_RETRIES"]
    try:
        measurements = current_app.extensions["metrology_archive"].fetch(wafer_id)
    except TRANSIENT_ARCHIVE_ERRORS as exc:
        if self.request.retries >= max_retries:
            _record_terminal_failure(self, wafer_id, exc, transient=True)
            raise
        delay = backoff_delay(
            self.request.retries,
            base_s=config["ARCHIVE_RETRY_BASE_S"],
            cap_s=config["ARCHIVE_RETRY_CAP_S"],
            rng=current_app.extensions.get("retry_rng") or random,
        )
        raise self.retry(exc=exc, countdown=delay, max_retries=max_retries) from exc
    except Exception as exc:
        _record_terminal_failure(self, wafer_id, exc, transient=False)
        raise
    return {"wafer_id": wafer_id, "points": len(measurements)}


def _record_terminal_failure(task: Task, wafer_id: str, exc: Exception, *, transient: bool) -> None:
    current_app.extensions["job_failures"].append({
        "task": TASK_NAME,
        "task_id": task.request.id,
        "wafer_id": wafer_id,
        "reason": f"{type(exc).__name__}: {exc}",
        "attempts": task.request.retries + 1,
        "transient": transient,
    })
