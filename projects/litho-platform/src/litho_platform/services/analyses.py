"""Analyses: check parameters, queue the job, run it with the engine, serve results and history.

An analysis is created ``queued`` and handed to the Celery task ``run_analysis`` by id. On the
embedded default the task runs in-process before the POST returns; with a broker, a worker
runs it. ``run`` moves it through ``running`` (progress 0..1 with the engine's stage names) to
``succeeded`` with the engine's result, or ``failed`` with a message.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from litho import AnalysisOptions, FemValidationError, Spec, analyze, analyze_groups
from litho import columns as litho_columns
from litho_platform.errors import ConflictError, ForbiddenError, NotFoundError, UnprocessableError
from litho_platform.extensions import cache, db
from litho_platform.models import Analysis, AnalysisStatus, Role, User
from litho_platform.models.base import utcnow
from litho_platform.services import results_cache
from litho_platform.services.datasets import get_dataset, load_fem, visible_to
from litho_platform.services.pagination import Page, paginate

ANALYSIS_SORTS = {"created_at": Analysis.created_at, "id": Analysis.id}
RUN_ANALYSIS_TASK = "litho_platform.run_analysis"
# Progress is written to the database at most this often (in fraction of the job).
PROGRESS_STEP = 0.05


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


def create_analysis(user: User, body: dict[str, Any]) -> Analysis:
    """Queue an analysis of one of the user's datasets (NotFoundError if not theirs) and
    dispatch it; on the embedded default it has finished when this returns."""
    dataset = get_dataset(user, body["dataset_id"])
    parameters = check_parameters(dataset.summary["columns"], body)
    analysis = Analysis(owner_id=user.id, dataset_id=dataset.id, parameters=parameters)
    db.session.add(analysis)
    db.session.commit()
    celery_app = current_app.extensions["celery"]
    celery_app.tasks[RUN_ANALYSIS_TASK].delay(analysis.id)
    # An in-process run committed through its own session; show what it wrote.
    db.session.refresh(analysis)
    return analysis


def _json_safe(value: Any) -> Any:
    """Results go to a JSON column and out through JSON responses: non-finite floats become
    None, since NaN and Infinity are not JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
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


def run(analysis_id: int) -> None:
    """Run a queued analysis to succeeded or failed; any other state is left alone, so a
    redelivered task does no harm. Engine errors (data that cannot support the model, invalid
    options) fail the analysis with the engine's message; anything else fails it with a
    generic message and is logged."""
    analysis = db.session.get(Analysis, analysis_id)
    if analysis is None or analysis.status != AnalysisStatus.QUEUED:
        return
    analysis.status = AnalysisStatus.RUNNING.value
    analysis.started_at = utcnow()
    analysis.stage = "load"
    db.session.commit()
    parameters = analysis.parameters
    try:
        data = load_fem(analysis.dataset)
        spec = Spec(parameters["target_cd"], parameters["tolerance_pct"])
        options = AnalysisOptions(
            el_pct=tuple(parameters["el_pct"]),
            model=parameters["model"],
            focus_degree=parameters["focus_degree"],
            el_ref=parameters["el_ref"],
        )
        progress = _ProgressWriter(analysis)
        if parameters.get("by"):
            grouped = analyze_groups(data, parameters["by"], spec, options, progress)
            results = {**grouped["overlap"], "groups": grouped["groups"]}
        else:
            results = analyze(data, spec, options, progress)
    except (FemValidationError, ValueError) as exc:
        _finish(analysis, AnalysisStatus.FAILED, error=str(exc))
        return
    except Exception:
        current_app.logger.exception("analysis %s failed unexpectedly", analysis_id)
        _finish(analysis, AnalysisStatus.FAILED, error="The analysis failed unexpectedly.")
        return
    _finish(analysis, AnalysisStatus.SUCCEEDED, results=_json_safe(results))


def _finish(
    analysis: Analysis,
    status: AnalysisStatus,
    *,
    results: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    analysis.status = status.value
    analysis.results = results
    analysis.error = error[:1000] if error else None
    analysis.finished_at = utcnow()
    if status == AnalysisStatus.SUCCEEDED:
        analysis.progress, analysis.stage = 1.0, "done"
    db.session.commit()


def get_analysis(user: User, analysis_id: int) -> Analysis:
    """The analysis if the user may see it (their own; an admin: any); NotFoundError else."""
    analysis = db.session.scalar(
        visible_to(select(Analysis), Analysis, user).where(Analysis.id == analysis_id)
    )
    if analysis is None:
        raise NotFoundError(f"Analysis {analysis_id} does not exist.")
    return analysis


def succeeded_analysis(user: User, analysis_id: int) -> Analysis:
    """Like get_analysis, but ConflictError unless it has succeeded (there is nothing to show)."""
    analysis = get_analysis(user, analysis_id)
    if analysis.status != AnalysisStatus.SUCCEEDED:
        raise ConflictError(
            f"Analysis {analysis_id} is {analysis.status}; results exist once it has succeeded.",
            code="analysis_not_succeeded",
        )
    return analysis


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
    user: User,
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


def delete_analysis(user: User, analysis_id: int) -> None:
    analysis = get_analysis(user, analysis_id)
    db.session.execute(delete(Analysis).where(Analysis.id == analysis.id))
    db.session.commit()
    results_cache.forget([analysis_id])
