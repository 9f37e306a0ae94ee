"""Datasets: validate with the engine, store the canonical table, list, export, delete.

What is stored is the engine's validated, canonical table (``FemData.frame``) as Parquet, named
by a generated key under ``<instance>/datasets``; the user's file name never touches the file
system. Validation happens before anything is written, so a rejected upload leaves no row and
no file. Visibility: a user sees their own datasets, an admin sees all; anything else is 404.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from flask import current_app
from sqlalchemy import Select, delete, func, select
from werkzeug.datastructures import FileStorage

from litho import FemData, FemValidationError, read_fem
from litho_platform.errors import ForbiddenError, NotFoundError, UnprocessableError
from litho_platform.extensions import db
from litho_platform.models import Analysis, AnalysisBatch, Caller, Dataset, Role
from litho_platform.services import results_cache
from litho_platform.services.files import (
    check_content,
    display_name,
    neutralise_formulas,
    safe_filename,
    upload_format,
)
from litho_platform.services.pagination import Page, paginate

DATASET_SORTS = {
    "created_at": Dataset.created_at,
    "name": Dataset.name,
    "points": Dataset.points,
    "size_bytes": Dataset.size_bytes,
}
EXPORT_CHUNK_ROWS = 100_000

logger = logging.getLogger("litho_platform.datasets")


def data_dir() -> Path:
    return Path(current_app.instance_path) / "datasets"


def visible_to(stmt: Select, model: type[Dataset] | type[Analysis], user: Caller) -> Select:
    """Restrict a query to what the user may see: everything for an admin, else their own."""
    return stmt if user.role == Role.ADMIN else stmt.where(model.owner_id == user.id)


def get_dataset(user: Caller, dataset_id: int) -> Dataset:
    """The dataset if the user may see it; NotFoundError otherwise (existence is not revealed)."""
    dataset = db.session.scalar(
        visible_to(select(Dataset), Dataset, user).where(Dataset.id == dataset_id)
    )
    if dataset is None:
        raise NotFoundError(f"Dataset {dataset_id} does not exist.")
    return dataset


def list_datasets(
    user: Caller,
    page: int,
    per_page: int,
    *,
    q: str | None = None,
    source: str | None = None,
    owner_id: int | None = None,
    sort: str = "-created_at",
) -> Page:
    """The user's datasets (an admin's: everyone's, optionally one owner's), filtered by a
    case-insensitive name substring and source, sorted by a DATASET_SORTS key ('-' descends)."""
    if owner_id is not None and user.role != Role.ADMIN:
        raise ForbiddenError("Only an admin may filter by owner.")
    stmt = visible_to(select(Dataset), Dataset, user)
    if owner_id is not None:
        stmt = stmt.where(Dataset.owner_id == owner_id)
    if q:
        stmt = stmt.where(func.lower(Dataset.name).contains(q.lower(), autoescape=True))
    if source:
        stmt = stmt.where(Dataset.source == source)
    column = DATASET_SORTS[sort.lstrip("-")]
    stmt = stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), Dataset.id.desc())
    return paginate(stmt, page, per_page)


def _validation_problem(exc: FemValidationError) -> UnprocessableError:
    count = sum(1 for p in exc.problems if not p.message.startswith("and "))
    noun = "problem" if count == 1 else "problems"
    return UnprocessableError(
        f"The data cannot be analysed ({count} {noun}); nothing was stored.",
        code="fem_validation",
        errors=[problem.to_dict() for problem in exc.problems],
    )


def summarise(data: FemData) -> dict[str, Any]:
    """What a dataset holds, independent of any spec: sizes, ranges, groups, cleaning notes."""
    frame = data.frame
    groups = {
        name: int(frame[name].nunique())
        for name in ("wafer_id", "field", "feature")
        if name in frame.columns
    }
    return {
        "points": len(frame),
        "source_rows": data.source_rows,
        "conditions": int(frame[["dose", "focus"]].drop_duplicates().shape[0]),
        "doses": int(frame["dose"].nunique()),
        "foci": int(frame["focus"].nunique()),
        "dose_range": [float(frame["dose"].min()), float(frame["dose"].max())],
        "focus_range": [float(frame["focus"].min()), float(frame["focus"].max())],
        "cd_range": [float(frame["cd"].min()), float(frame["cd"].max())],
        "duplicates_averaged": data.duplicates_averaged,
        "dropped_missing_cd": data.dropped_missing_cd,
        "columns": list(frame.columns),
        "groups": groups,
        "warnings": list(data.warnings),
    }


def _store(
    owner: Caller,
    data: FemData,
    *,
    name: str,
    filename: str,
    file_format: str,
    payload: bytes,
    source: str,
    extra_summary: dict[str, Any] | None = None,
) -> Dataset:
    directory = data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    storage_key = uuid.uuid4().hex
    path = directory / f"{storage_key}.parquet"
    partial = path.with_suffix(".partial")
    frame = data.frame.copy()
    # Parquet wants one type per column; identity columns may mix numbers and text.
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype(str)
    try:
        frame.to_parquet(partial, index=False)
        partial.replace(path)
        dataset = Dataset(
            owner_id=owner.id,
            name=name,
            filename=filename,
            storage_key=storage_key,
            file_format=file_format,
            size_bytes=len(payload),
            sha256=hashlib.sha256(payload).hexdigest(),
            points=len(data.frame),
            source=source,
            summary={**summarise(data), **(extra_summary or {})},
        )
        db.session.add(dataset)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        partial.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        raise
    return dataset


def create_from_upload(owner: Caller, upload: FileStorage | None, name: str | None) -> Dataset:
    """Validate an uploaded CSV/Parquet file and store it.

    Errors, each leaving nothing stored: UnsupportedMediaTypeError (extension not .csv/.parquet,
    or content contradicting it), UnprocessableError (empty file; any FEM validation problem,
    listed with spreadsheet row numbers; more than MAX_DATASET_ROWS rows). The request-size
    limit (413) is enforced by Flask before this runs.
    """
    if upload is None:
        raise UnprocessableError(
            "No file was sent; use the multipart form field 'file'.",
            code="file_missing",
            errors=[{"field": "file", "message": "required"}],
        )
    file_format = upload_format(upload.filename)
    payload = upload.read()
    check_content(payload, file_format)
    filename = safe_filename(upload.filename, file_format)
    try:
        data = read_fem(payload, filename=filename, max_rows=current_app.config["MAX_DATASET_ROWS"])
    except FemValidationError as exc:
        raise _validation_problem(exc) from None
    return _store(
        owner,
        data,
        name=display_name(name, upload.filename),
        filename=filename,
        file_format=file_format,
        payload=payload,
        source="upload",
    )


def create_from_frame(
    owner: Caller,
    frame: pd.DataFrame,
    *,
    name: str,
    source: str,
    extra_summary: dict[str, Any] | None = None,
) -> Dataset:
    """Validate an in-memory table (the mock generator's output) and store it as CSV would be;
    ``extra_summary`` keys are added to the stored summary."""
    try:
        data = FemData.from_frame(frame)
    except FemValidationError as exc:
        raise _validation_problem(exc) from None
    payload = frame.to_csv(index=False).encode()
    return _store(
        owner,
        data,
        name=display_name(name, None),
        filename=safe_filename(name, "csv"),
        file_format="csv",
        payload=payload,
        source=source,
        extra_summary=extra_summary,
    )


def load_fem(dataset: Dataset) -> FemData:
    """The stored, already validated table with its cleaning counts, ready for the engine."""
    frame = pd.read_parquet(data_dir() / f"{dataset.storage_key}.parquet")
    summary = dataset.summary
    return FemData(
        frame=frame,
        source_rows=summary["source_rows"],
        dropped_missing_cd=summary["dropped_missing_cd"],
        duplicates_averaged=summary["duplicates_averaged"],
        warnings=list(summary["warnings"]),
    )


def export_csv(dataset: Dataset) -> Iterator[str]:
    """The canonical table as CSV text in chunks, with formula-like text neutralised.

    The table is read before the first chunk is asked for, so a missing file fails the request
    cleanly instead of breaking a response already under way.
    """
    frame = neutralise_formulas(load_fem(dataset).frame)

    def chunks() -> Iterator[str]:
        for start in range(0, len(frame), EXPORT_CHUNK_ROWS):
            chunk = frame.iloc[start : start + EXPORT_CHUNK_ROWS]
            yield chunk.to_csv(index=False, header=start == 0, lineterminator="\n")

    return chunks()


def delete_dataset(user: Caller, dataset_id: int) -> None:
    """Delete a dataset, its analyses (and their cached artefacts) and its file."""
    _delete(get_dataset(user, dataset_id))


def _delete(dataset: Dataset) -> None:
    analysis_ids = list(
        db.session.scalars(select(Analysis.id).where(Analysis.dataset_id == dataset.id))
    )
    path = data_dir() / f"{dataset.storage_key}.parquet"
    db.session.execute(delete(Analysis).where(Analysis.dataset_id == dataset.id))
    db.session.delete(dataset)
    db.session.commit()
    results_cache.forget(analysis_ids)
    path.unlink(missing_ok=True)


def delete_expired(cutoff: datetime) -> int:
    """Retention: delete every dataset created before ``cutoff`` with its analyses, their cached
    artefacts and its file, and the batches created before it; returns the datasets deleted.

    One dataset per transaction, so a failure part-way keeps what was done; a file already
    gone is not an error.
    """
    expired = list(db.session.scalars(select(Dataset).where(Dataset.created_at < cutoff)))
    for dataset in expired:
        _delete(dataset)
    db.session.execute(delete(AnalysisBatch).where(AnalysisBatch.created_at < cutoff))
    db.session.commit()
    if expired:
        logger.info(
            "deleted expired datasets",
            extra={"datasets": len(expired), "cutoff": cutoff.isoformat()},
        )
    return len(expired)
