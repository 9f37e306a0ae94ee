"""The analysis job."""

from __future__ import annotations

from celery import shared_task

from litho_platform.services import analyses


@shared_task(name=analyses.RUN_ANALYSIS_TASK, ignore_result=True)
def run_analysis(analysis_id: int) -> None:
    """Run analysis ``analysis_id`` (queued → running → succeeded | failed)."""
    analyses.run(analysis_id)
