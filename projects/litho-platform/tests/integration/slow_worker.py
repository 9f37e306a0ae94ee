"""A Celery worker whose analyses pause at one engine stage, so a test can catch a run in the
middle: ``python slow_worker.py STAGE SECONDS CELERY-ARGUMENTS...``.

The pause comes after the stage's progress has been committed (the analysis reads ``running``
at that stage) and is patched in before the pool forks, so every pool process has it.
"""

from __future__ import annotations

import sys
import time

from celery.__main__ import main

from litho_platform.services import analyses

STAGE, SECONDS = sys.argv[1], float(sys.argv[2])
_write_progress = analyses._ProgressWriter.__call__


def _pausing(self, fraction: float, stage: str) -> None:
    _write_progress(self, fraction, stage)
    if stage == STAGE:
        time.sleep(SECONDS)


analyses._ProgressWriter.__call__ = _pausing
sys.argv = ["celery", *sys.argv[3:]]
main()
