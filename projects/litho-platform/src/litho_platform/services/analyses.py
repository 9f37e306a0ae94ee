"""Analyses: check parameters, queue the job, run it with the engine, serve results and history.

An analysis is created ``queued`` and handed to the Celery task ``run_analysis`` by id. On the
embedded default the task runs in-process before the POST returns; with a broker, a worker
runs it. ``run`` moves it through ``running`` (progress 0..1 with the engine's stage names) to
``succeeded`` with the engine's result, or ``failed`` with a message.

A run first *claims* the analysis in one conditional UPDATE: from ``queued``, or from a
``running`` whose lease has expired. The lease is the task's hard time limit plus a margin: a
run older than that cannot still be alive, because the worker kills any task past its hard
limit. So a message redelivered after its worker died (acks_late) takes the analysis over and
finishes it, a duplicate delivery while a run is alive waits for the lease (``AnalysisBusy``),
and a delivery for an analysis that has finished does nothing: each analysis completes once.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import datetime, timedelta
from typing import Any

import kombu.exceptions
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from litho import AnalysisOptions, FemValidationError, Spec, analyze, analyze_groups
from litho import columns as litho_columns
from litho_platform import metrics
from litho_platform.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ServiceUnavailableError,
    UnprocessableError,
)
from litho_platform.extensions import cache, db
from litho_platform.local_cache import local_cache
from litho_platform.models import Analysis, AnalysisStatus, Caller, Role
from litho_platform.models.base import utcnow
from litho_platform.services import results_cache
from litho_platform.services.datasets import get_dataset, load_fem, visible_to
from litho_platform.services.pagination import Page, paginate

logger = logging.getLogger("litho_platform.analyses")

ANALYSIS_SORTS = {"created_at": Analysis.created_at, "id": Analysis.id}
RUN_ANALYSIS_TASK = "litho_platform.run_analysis"
# Progress is written to the database at most this often (in fraction of the job).
PROGRESS_STEP = 0.05
# Added to the hard time limit to make the lease: covers the moment between the claim and the
# start of the task's clock, and small clock differences between worker hosts.
LEASE_MARGIN_S = 2
# Failures of a service the job needs, not of the job: the task retries them with back-off.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    kombu.exceptions.OperationalError,
    ConnectionError,
    TimeoutError,
)
# A finished analysis never changes, so its whole JSON document is cached; a bounded lifetime
# limits how long one could outlive its deletion if Redis was down when it was deleted.
VIEW_TIMEOUT_S = 300
TERMINAL = (AnalysisStatus.SUCCEEDED.value, AnalysisStatus.FAILED.value)


class AnalysisBusy(Exception):  # noqa: N818 (a state to wait out, not an error)
    """Another run holds the analysis's lease; try again after ``retry_after`` seconds."""

    def __init__(self, analysis_id: int, retry_after: float) -> None:
        super().__init__(f"analysis {analysis_id} is running elsewhere")
        self.retry_after = retry_after


def _problem(field: str, message: str) -> UnprocessableError:
    return UnprocessableError(
        f"{field}: {message}",
        code="invalid_parameters",
        errors=[{"field": field, "message": message}],
    )


def _option_named_in(message: str) -> str:
    # The engine's messages name the option, except the EL checks, which say "EL".
    for name in ("el_pct", "model", "focus_degree"):
        if name in message:
            return name
    return "el_ref" if message.startswith("EL reference") else "el_pct"


def check_parameters(dataset_columns: list[str], body: dict[str, Any]) -> dict[str, Any]:
    """Validate analysis parameters with the engine's own types; the stored, normalised form.

    Raises UnprocessableError naming the field for an invalid spec, options or ``by`` column
    (``by`` must name an identity column the dataset has: Wafer_ID, Field or Feature).
    """
    try:
        spec = Spec(body["target_cd"], body["tolerance_pct"])
    except ValueError as exc:
        field = "tolerance_pct" if "tolerance_pct" in str(exc) else "target_cd"
        raise _problem(field, str(exc)) from None
    option_values: dict[str, Any] = {"el_ref": body.get("el_ref") or "center"}
    if body.get("el_pct") is not None:
        option_values["el_pct"] = tuple(body["el_pct"])
    for name in ("model", "focus_degree"):
        if body.get(name) is not None:
            option_values[name] = body[name]
    try:
        options = AnalysisOptions(**option_values)
    except ValueError as exc:
        raise _problem(_option_named_in(str(exc)), str(exc)) from None
    by = body.get("by")
    if by:
        column = litho_columns.canonical_name(by)
        groupable = [c for c in litho_columns.IDENTITY if c in dataset_columns]
        if column not in groupable:
            names = ", ".join(litho_columns.DISPLAY[c] for c in groupable) or "none"
            raise _problem("by", f"the dataset has no column {by!r} to group by; it has: {names}")
        by = column
    return {
        "target_cd": spec.target_cd,
        "tolerance_pct": spec.tolerance_pct,
        "el_pct": list(options.el_pct),
        "model": options.model,
        "focus_degree": options.focus_degree,
        "el_ref": options.el_ref,
        "by": by or None,
    }


def create_analysis(user: Caller, body: dict[str, Any]) -> Analysis:
    """Queue an analysis of one of the user's datasets (NotFoundError if not theirs) and
    dispatch it; on the embedded default it has finished when this returns.

    ServiceUnavailableError when the broker cannot be reached: the analysis is then marked
    failed (it was never queued) and the client may retry.
    """
    dataset = get_dataset(user, body["dataset_id"])
    parameters = check_parameters(dataset.summary["columns"], body)
    analysis = Analysis(owner_id=user.id, dataset_id=dataset.id, parameters=parameters)
    db.session.add(analysis)
    db.session.commit()
    celery_app = current_app.extensions["celery"]
    dispatch(lambda: celery_app.tasks[RUN_ANALYSIS_TASK].delay(analysis.id), [analysis.id])
    # An in-process run committed through its own session; show what it wrote.
    db.session.refresh(analysis)
    return analysis


def dispatch(send, analysis_ids: list[int]) -> None:
    """Call ``send`` (which publishes the jobs of these analyses); if the broker cannot take
    them, fail the analyses and raise ServiceUnavailableError."""
    try:
        send()
    except kombu.exceptions.OperationalError as exc:
        logger.error("the job queue is unavailable: %s", exc)
        message = "The analysis could not be queued: the job queue was unavailable."
        for analysis_id in analysis_ids:
            fail(analysis_id, message)
        raise ServiceUnavailableError(
            "The job queue is unavailable; nothing was started. Try again shortly.",
            code="queue_unavailable",
        ) from None


def json_safe(value: Any) -> Any:
    """Results go to a JSON column and out through JSON responses: non-finite floats become
    None, since NaN and Infinity are not JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value


class _ProgressWriter:
    """Writes the engine's progress reports to the analysis row, throttled to PROGRESS_STEP."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.written = -1.0

    def __call__(self, fraction: float, stage: str) -> None:
        if fraction - self.written < PROGRESS_STEP and stage == self.analysis.stage:
            return
        self.analysis.progress = min(fraction, 0.99)
        self.analysis.stage = stage
        db.session.commit()
        self.written = fraction


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["ANALYSIS_TIME_LIMIT"] + LEASE_MARGIN_S)


def _claim(analysis_id: int) -> bool:
    """Take the analysis for this run; False if there is nothing to run (gone or finished).

    Raises AnalysisBusy while another run's lease is alive.
    """
    now = utcnow()
    lease = _lease()
    claimed = db.session.execute(
        update(Analysis)
        .where(
            Analysis.id == analysis_id,
            or_(
                Analysis.status == AnalysisStatus.QUEUED.value,
                and_(
                    Analysis.status == AnalysisStatus.RUNNING.value,
                    Analysis.started_at < now - lease,
                ),
            ),
        )
        .values(
            status=AnalysisStatus.RUNNING.value,
            attempts=Analysis.attempts + 1,
            started_at=now,
            stage="load",
            progress=0.0,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed:
        return True
    row = db.session.execute(
        select(Analysis.status, Analysis.started_at).where(Analysis.id == analysis_id)
    ).one_or_none()
    if row is None or row.status in TERMINAL:
        return False
    if row.status == AnalysisStatus.RUNNING.value:
        remaining = (row.started_at + lease - now).total_seconds()
        raise AnalysisBusy(analysis_id, max(1.0, remaining))
    return False


def _release(analysis_id: int) -> None:
    """Hand a run's claim back after a transient failure, so its retry need not wait for the
    lease; if the database is what failed this fails too, and the lease covers it."""
    try:
        db.session.rollback()
        db.session.execute(
            update(Analysis)
            .where(Analysis.id == analysis_id, Analysis.status == AnalysisStatus.RUNNING.value)
            .values(status=AnalysisStatus.QUEUED.value, stage=None, progress=0.0)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()


def spec_and_options(parameters: dict[str, Any]) -> tuple[Spec, AnalysisOptions]:
    """The engine's Spec and AnalysisOptions for stored (normalised) parameters."""
    spec = Spec(parameters["target_cd"], parameters["tolerance_pct"])
    options = AnalysisOptions(
        el_pct=tuple(parameters["el_pct"]),
        model=parameters["model"],
        focus_degree=parameters["focus_degree"],
        el_ref=parameters["el_ref"],
    )
    return spec, options


def run(analysis_id: int) -> None:
    """Run an analysis to succeeded or failed, if this run can claim it (see the module doc).

    Engine errors (data that cannot support the model, invalid options) fail the analysis with
    the engine's message, and so does the soft time limit; TRANSIENT_ERRORS are re-raised for
    the task to retry; anything else fails it with a generic message and is logged.
    """
    if not _claim(analysis_id):
        return
    clock = time.monotonic()
    analysis = db.session.get(Analysis, analysis_id)
    logger.info(
        "analysis started", extra={"analysis_id": analysis_id, "attempt": analysis.attempts}
    )
    parameters = analysis.parameters
    try:
        data = load_fem(analysis.dataset)
        spec, options = spec_and_options(parameters)
        progress = _ProgressWriter(analysis)
        if parameters.get("by"):
            grouped = analyze_groups(data, parameters["by"], spec, options, progress)
            results = {**grouped["overlap"], "groups": grouped["groups"]}
        else:
            results = analyze(data, spec, options, progress)
    except (FemValidationError, ValueError) as exc:
        _finish(analysis, AnalysisStatus.FAILED, clock, error=str(exc))
    except SoftTimeLimitExceeded:
        limit = current_app.config["ANALYSIS_SOFT_TIME_LIMIT"]
        message = f"The analysis exceeded its time limit of {limit} s and was stopped."
        _finish(analysis, AnalysisStatus.FAILED, clock, error=message, outcome="timed_out")
    except TRANSIENT_ERRORS:
        _release(analysis_id)
        raise
    except Exception:
        logger.exception("analysis %s failed unexpectedly", analysis_id)
        _finish(analysis, AnalysisStatus.FAILED, clock, error="The analysis failed unexpectedly.")
    else:
        _finish(analysis, AnalysisStatus.SUCCEEDED, clock, results=json_safe(results))


def _finish(
    analysis: Analysis,
    status: AnalysisStatus,
    clock: float,
    *,
    results: dict[str, Any] | None = None,
    error: str | None = None,
    outcome: str | None = None,
) -> None:
    analysis.status = status.value
    analysis.results = results
    analysis.error = error[:1000] if error else None
    analysis.finished_at = utcnow()
    if status == AnalysisStatus.SUCCEEDED:
        analysis.progress, analysis.stage = 1.0, "done"
    db.session.commit()
    seconds = time.monotonic() - clock
    metrics.observe_analysis(outcome or status.value, seconds)
    logger.info(
        "analysis finished",
        extra={
            "analysis_id": analysis.id,
            "status": status.value,
            "attempt": analysis.attempts,
            "duration_s": round(seconds, 3),
        },
    )


def fail(analysis_id: int, message: str, outcome: str = "failed") -> None:
    """Mark an analysis failed with ``message`` unless it has already finished: for runs that
    end outside ``run`` (retries exhausted, the hard time limit, a job that was never queued)."""
    analysis = db.session.get(Analysis, analysis_id)
    if analysis is None or analysis.status in TERMINAL:
        return
    clock = time.monotonic()
    if analysis.started_at is not None:
        clock -= (utcnow() - analysis.started_at).total_seconds()
    _finish(analysis, AnalysisStatus.FAILED, clock, error=message, outcome=outcome)


def get_analysis(user: Caller, analysis_id: int) -> Analysis:
    """The analysis if the user may see it (their own; an admin: any); NotFoundError else."""
    analysis = db.session.scalar(
        visible_to(select(Analysis), Analysis, user).where(Analysis.id == analysis_id)
    )
    if analysis is None:
        raise NotFoundError(f"Analysis {analysis_id} does not exist.")
    return analysis


def succeeded_analysis(user: Caller, analysis_id: int) -> Analysis:
    """Like get_analysis, but ConflictError unless it has succeeded (there is nothing to show)."""
    analysis = get_analysis(user, analysis_id)
    if analysis.status != AnalysisStatus.SUCCEEDED:
        raise ConflictError(
            f"Analysis {analysis_id} is {analysis.status}; results exist once it has succeeded.",
            code="analysis_not_succeeded",
        )
    return analysis


def cached_view(user: Caller, analysis_id: int) -> bytes | None:
    """The cached JSON document of a finished analysis the user may see, or None (not cached,
    or not theirs: the database path then answers, with its 404).

    This process's memory first (see app.LOCAL_VIEW_SECONDS), then the shared cache.
    """
    views = local_cache(current_app, "views")
    entry = views.get(analysis_id)
    if entry is None:
        entry = cache.get(results_cache.view_key(analysis_id))
        if entry is None:
            return None
        views.put(analysis_id, entry)
    owner_id, document = entry
    if owner_id != user.id and user.role != Role.ADMIN:
        return None
    return document


def remember_view(analysis: Analysis, document: bytes) -> None:
    """Cache the JSON document of a succeeded analysis (others still change)."""
    if analysis.status == AnalysisStatus.SUCCEEDED:
        entry = (analysis.owner_id, document)
        local_cache(current_app, "views").put(analysis.id, entry)
        cache.set(results_cache.view_key(analysis.id), entry, VIEW_TIMEOUT_S)


def results_of(analysis: Analysis) -> dict[str, Any] | None:
    """The results (cached once succeeded: they never change), or None before that."""
    if analysis.status != AnalysisStatus.SUCCEEDED:
        return None
    key = results_cache.results_key(analysis.id)
    results = cache.get(key)
    if results is None:
        results = analysis.results
        cache.set(key, results)
    return results


def list_analyses(
    user: Caller,
    page: int,
    per_page: int,
    *,
    dataset_id: int | None = None,
    status: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    owner_id: int | None = None,
    sort: str = "-created_at",
) -> Page:
    """The user's analysis history (an admin's: everyone's, optionally one owner's), filtered
    by dataset, status and creation time (``created_after`` inclusive, ``created_before``
    exclusive)."""
    if owner_id is not None and user.role != Role.ADMIN:
        raise ForbiddenError("Only an admin may filter by owner.")
    stmt = visible_to(select(Analysis), Analysis, user)
    if owner_id is not None:
        stmt = stmt.where(Analysis.owner_id == owner_id)
    if dataset_id is not None:
        stmt = stmt.where(Analysis.dataset_id == dataset_id)
    if status:
        stmt = stmt.where(Analysis.status == status)
    if created_after is not None:
        stmt = stmt.where(Analysis.created_at >= created_after)
    if created_before is not None:
        stmt = stmt.where(Analysis.created_at < created_before)
    column = ANALYSIS_SORTS[sort.lstrip("-")]
    stmt = stmt.order_by(
        column.desc() if sort.startswith("-") else column.asc(), Analysis.id.desc()
    )
    return paginate(stmt, page, per_page)


def delete_analysis(user: Caller, analysis_id: int) -> None:
    analysis = get_analysis(user, analysis_id)
    db.session.execute(delete(Analysis).where(Analysis.id == analysis.id))
    db.session.commit()
    results_cache.forget([analysis_id])
