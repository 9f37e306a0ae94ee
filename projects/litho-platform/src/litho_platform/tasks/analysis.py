"""The analysis job: retried with back-off when a service it needs fails, never when the data
or the parameters are at fault (those fail the analysis at once, in ``analyses.run``)."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import TimeLimitExceeded

from litho_platform.services import analyses

MAX_RETRIES = 6


def _after_failure(task, exc, task_id, args, kwargs, einfo) -> None:
    """Celery's on_failure: runs outside the task's app context, in the pool process once the
    retries are spent, or in the worker's main process when the hard time limit killed the pool
    process. Either way the analysis must not stay ``running``."""
    analysis_id = args[0] if args else kwargs["analysis_id"]
    if isinstance(exc, TimeLimitExceeded):
        limit = task.flask_app.config["ANALYSIS_TIME_LIMIT"]
        message, outcome = f"The analysis exceeded its hard time limit of {limit} s.", "timed_out"
    else:
        message = "The analysis could not run: a service it needs stayed unavailable."
        outcome = "failed"
    with task.flask_app.app_context():
        analyses.fail(analysis_id, message, outcome)


@shared_task(
    bind=True,
    name=analyses.RUN_ANALYSIS_TASK,
    ignore_result=True,
    autoretry_for=analyses.TRANSIENT_ERRORS,
    max_retries=MAX_RETRIES,
    # 1, 2, 4 ... 60 s, each drawn at random below that bound (full jitter), so workers that
    # failed together do not retry together.
    retry_backoff=1,
    retry_backoff_max=60,
    retry_jitter=True,
    on_failure=_after_failure,
)
def run_analysis(self, analysis_id: int) -> None:
    """Run analysis ``analysis_id`` (queued → running → succeeded | failed)."""
    try:
        analyses.run(analysis_id)
    except analyses.AnalysisBusy as busy:
        raise self.retry(countdown=busy.retry_after) from None
