"""The batch chord's callback and error callback (see services/batches.py)."""

from __future__ import annotations

from celery import shared_task

from litho_platform.services import analyses, batches


@shared_task(
    name=batches.AGGREGATE_BATCH_TASK,
    ignore_result=True,
    autoretry_for=analyses.TRANSIENT_ERRORS,
    max_retries=6,
    retry_backoff=1,
    retry_backoff_max=60,
    retry_jitter=True,
)
def aggregate_batch(batch_id: int) -> None:
    """Compute the overlap of a batch's succeeded analyses once all have finished."""
    batches.aggregate(batch_id)


@shared_task(name=batches.FAIL_BATCH_TASK, ignore_result=True)
def fail_batch(batch_id: int) -> None:
    """Mark a batch failed when its chord failed (a member's retries ran out)."""
    batches.fail_batch(batch_id)
