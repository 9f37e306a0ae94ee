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

import random  # noqa: F401
from typing import Any, Protocol

from celery import Task, shared_task
from flask import current_app  # noqa: F401

from ch07_demo.services.archive import TRANSIENT_ARCHIVE_ERRORS  # noqa: F401

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
    raise NotImplementedError("validate, then rng.random() * min(cap_s, base_s * 2**attempt)")


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
    raise NotImplementedError(
        "retry TRANSIENT_ARCHIVE_ERRORS with self.retry(countdown=backoff_delay(...)); record "
        "terminal failures and re-raise"
    )
