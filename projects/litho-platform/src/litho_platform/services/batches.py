"""Batches: one analysis per dataset with shared parameters, and the overlap of their windows.

A batch is a Celery chord: its header runs ``run_analysis`` once per member analysis, in
parallel on the workers; its body, ``aggregate_batch``, runs once all of them have finished and
computes the common process window of the members that succeeded. The overlap is the engine's
own: the members' tables are joined with the dataset as the wafer and handed to
``analyze_groups``, whose ``overlap`` intersects the groups' ED windows on one grid. If the chord
itself fails (a member's retries ran out), ``fail_batch`` marks the batch failed.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from celery import chord
from flask import current_app
from sqlalchemy import select

from litho import FemData, FemValidationError, analyze_groups
from litho import columns as litho_columns
from litho_platform.errors import NotFoundError, ServiceUnavailableError, UnprocessableError
from litho_platform.extensions import db
from litho_platform.models import Analysis, AnalysisBatch, AnalysisStatus, Caller
from litho_platform.models.base import utcnow
from litho_platform.services import analyses
from litho_platform.services.datasets import get_dataset, load_fem, visible_to

AGGREGATE_BATCH_TASK = "litho_platform.aggregate_batch"
FAIL_BATCH_TASK = "litho_platform.fail_batch"
MAX_DATASETS = 50
# The engine groups by an identity column; each member dataset becomes one "wafer".
GROUP_COLUMN = litho_columns.WAFER_ID


def create_batch(user: Caller, body: dict[str, Any]) -> AnalysisBatch:
    """Queue one analysis per dataset in ``body["dataset_ids"]`` (2 to MAX_DATASETS distinct
    datasets of the user's) with the body's analysis parameters, and start the chord.

    UnprocessableError for repeated datasets or invalid parameters (``by`` is not accepted:
    the batch itself is the grouping), NotFoundError for a dataset the user may not see,
    ServiceUnavailableError when the broker cannot be reached. On the embedded default the
    batch has finished when this returns.
    """
    dataset_ids = list(body["dataset_ids"])
    if len(set(dataset_ids)) != len(dataset_ids):
        raise UnprocessableError(
            "Each dataset may appear once in a batch.",
            code="invalid_parameters",
            errors=[{"field": "dataset_ids", "message": "repeated dataset ids"}],
        )
    datasets = [get_dataset(user, dataset_id) for dataset_id in dataset_ids]
    # Without grouping the parameters do not depend on a dataset's columns.
    parameters = analyses.check_parameters([], {**body, "by": None})
    batch = AnalysisBatch(owner_id=user.id, parameters=parameters)
    members = [
        Analysis(owner_id=user.id, dataset_id=dataset.id, parameters=parameters, batch=batch)
        for dataset in datasets
    ]
    db.session.add_all([batch, *members])
    db.session.commit()
    member_ids = [member.id for member in members]
    tasks = current_app.extensions["celery"].tasks
    header = [tasks[analyses.RUN_ANALYSIS_TASK].si(member_id) for member_id in member_ids]
    callback = tasks[AGGREGATE_BATCH_TASK].si(batch.id).on_error(
        tasks[FAIL_BATCH_TASK].si(batch.id)
    )
    try:
        analyses.dispatch(lambda: chord(header)(callback), member_ids)
    except ServiceUnavailableError:
        fail_batch(batch.id, "The batch could not be queued: the job queue was unavailable.")
        raise
    # An in-process run committed through its own sessions; show what they wrote.
    db.session.expire_all()
    return db.session.get(AnalysisBatch, batch.id)


def status_of(batch: AnalysisBatch) -> str:
    """The batch's status; a queued batch reads ``running`` once any member has started."""
    if batch.status == AnalysisStatus.QUEUED.value and any(
        member.status != AnalysisStatus.QUEUED.value for member in batch.analyses
    ):
        return AnalysisStatus.RUNNING.value
    return batch.status


def get_batch(user: Caller, batch_id: int) -> AnalysisBatch:
    """The batch if the user may see it (their own; an admin: any); NotFoundError else."""
    batch = db.session.scalar(
        visible_to(select(AnalysisBatch), AnalysisBatch, user).where(AnalysisBatch.id == batch_id)
    )
    if batch is None:
        raise NotFoundError(f"Batch {batch_id} does not exist.")
    return batch


def _combined(members: list[Analysis]) -> FemData:
    """The members' stored tables in one, each labelled with its dataset id as the wafer."""
    frames, source_rows, dropped, duplicates = [], 0, 0, 0
    for member in members:
        data = load_fem(member.dataset)
        frame = data.frame[[litho_columns.DOSE, litho_columns.FOCUS, litho_columns.CD]].copy()
        frame[GROUP_COLUMN] = str(member.dataset_id)
        frames.append(frame)
        source_rows += data.source_rows
        dropped += data.dropped_missing_cd
        duplicates += data.duplicates_averaged
    return FemData(
        frame=pd.concat(frames, ignore_index=True),
        source_rows=source_rows,
        dropped_missing_cd=dropped,
        duplicates_averaged=duplicates,
        warnings=[],
    )


def aggregate(batch_id: int) -> None:
    """Finish a batch once its members have: the overlap of the succeeded members' windows, or
    failed when none succeeded. A batch that has already finished is left alone."""
    batch = db.session.get(AnalysisBatch, batch_id)
    if batch is None or batch.status in analyses.TERMINAL:
        return
    succeeded = [m for m in batch.analyses if m.status == AnalysisStatus.SUCCEEDED.value]
    failed = [m.id for m in batch.analyses if m.status != AnalysisStatus.SUCCEEDED.value]
    if not succeeded:
        _finish(batch, AnalysisStatus.FAILED, error="No analysis of the batch succeeded.")
        return
    spec, options = analyses.spec_and_options(batch.parameters)
    try:
        overlap = analyze_groups(_combined(succeeded), GROUP_COLUMN, spec, options)["overlap"]
    except (FemValidationError, ValueError) as exc:
        _finish(batch, AnalysisStatus.FAILED, error=str(exc))
        return
    overlap["warnings"] = list(overlap["warnings"]) + [
        f"analysis {analysis_id} did not succeed and is not in the overlap"
        for analysis_id in failed
    ]
    aggregate_result = {
        **overlap,
        "dataset_ids": [m.dataset_id for m in succeeded],
        "analysis_ids": [m.id for m in succeeded],
    }
    _finish(batch, AnalysisStatus.SUCCEEDED, aggregate=analyses.json_safe(aggregate_result))


def fail_batch(batch_id: int, message: str = "An analysis of the batch could not run.") -> None:
    """Mark a batch failed unless it has already finished."""
    batch = db.session.get(AnalysisBatch, batch_id)
    if batch is not None and batch.status not in analyses.TERMINAL:
        _finish(batch, AnalysisStatus.FAILED, error=message)


def _finish(
    batch: AnalysisBatch,
    status: AnalysisStatus,
    *,
    aggregate: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    batch.status = status.value
    batch.aggregate = aggregate
    batch.error = error[:1000] if error else None
    batch.finished_at = utcnow()
    db.session.commit()
