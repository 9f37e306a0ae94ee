"""Datasets: an upload becomes a stored file and a row only if every row of it is valid."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from ch08_demo.models import Dataset
from ch08_demo.services import storage, validation


class DatasetNotFound(LookupError):
    """No dataset has this id."""


class InvalidDataset(Exception):
    """The file was read and has row-level problems; nothing was stored."""

    def __init__(self, report: validation.Report) -> None:
        super().__init__(f"{len(report.errors)} problem(s) in the file")
        self.report = report


def check(stream: BinaryIO, upload_dir: Path, max_bytes: int) -> validation.Report:
    """The validation report of an upload, storing nothing (the temporary file is removed)."""
    part = storage.receive(stream, upload_dir, max_bytes)
    try:
        return _validate(part)
    finally:
        part.unlink(missing_ok=True)


def ingest(session: Session, stream: BinaryIO, original_name: str, upload_dir: Path,
           max_bytes: int) -> tuple[Dataset, validation.Report]:
    """Receive, validate, then store file and row; on any failure neither remains.

    The file is renamed into place before the row is committed: a crash between the two
    leaves an unreferenced file (retention collects those), never a row without its file.
    """
    part = storage.receive(stream, upload_dir, max_bytes)
    stored: Path | None = None
    try:
        report = _validate(part)
        if not report.valid:
            raise InvalidDataset(report)
        digest = _sha256(part)
        stored_name = storage.keep(part)
        stored = upload_dir / stored_name
        dataset = Dataset(stored_name=stored_name, original_name=original_name,
                          size_bytes=stored.stat().st_size, sha256=digest, rows=report.rows)
        session.add(dataset)
        session.commit()
    except BaseException:
        session.rollback()
        part.unlink(missing_ok=True)
        if stored is not None:
            stored.unlink(missing_ok=True)
        raise
    return dataset, report


def _validate(part: Path) -> validation.Report:
    try:
        return validation.validate(part)
    except validation.Unreadable as exc:
        raise storage.UploadRejected(422, str(exc)) from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def list_datasets(session: Session) -> list[Dataset]:
    return list(session.scalars(select(Dataset).order_by(Dataset.id)))


def get_dataset(session: Session, dataset_id: int) -> Dataset:
    dataset = session.get(Dataset, dataset_id)
    if dataset is None:
        raise DatasetNotFound(dataset_id)
    return dataset


def delete_dataset(session: Session, upload_dir: Path, dataset_id: int) -> None:
    """Row first (committed), then the file: the same order as retention."""
    dataset = get_dataset(session, dataset_id)
    name = dataset.stored_name
    session.delete(dataset)
    session.commit()
    (upload_dir / name).unlink(missing_ok=True)
