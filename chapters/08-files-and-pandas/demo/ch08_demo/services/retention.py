"""Retention: datasets past their age lose their row and their file together.

Order: rows first, in one committed transaction, then the files. A crash in between leaves
files that no row points at (harmless, and removable later), never a row that points at a
missing file. ``ex05_retention`` adds the sweep for such orphans and a full report.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ch08_demo.models import STORED_NAME, Dataset


@dataclass(frozen=True)
class Cleanup:
    dry_run: bool
    cutoff: datetime
    datasets: list[int]
    files: list[str]


def cleanup(session: Session, upload_dir: Path, *, now: datetime, max_age: timedelta,
            dry_run: bool) -> Cleanup:
    """Delete datasets created before ``now - max_age``: rows committed first, then files."""
    cutoff = now - max_age
    with session.begin():
        expired = session.execute(
            select(Dataset.id, Dataset.stored_name).where(Dataset.created_at < cutoff)
            .order_by(Dataset.id)
        ).all()
        if expired and not dry_run:
            session.execute(delete(Dataset).where(Dataset.id.in_([r.id for r in expired])))
    removable = [r.stored_name for r in expired if is_stored_file(upload_dir, r.stored_name)]
    if not dry_run:
        for name in removable:
            (upload_dir / name).unlink(missing_ok=True)
    return Cleanup(dry_run, cutoff, [r.id for r in expired], sorted(removable))


def is_stored_file(upload_dir: Path, name: str) -> bool:
    """A name the server gave, for a regular file right in ``upload_dir`` (no symlink)."""
    if not STORED_NAME.fullmatch(name):
        return False
    try:
        return stat.S_ISREG(os.lstat(upload_dir / name).st_mode)
    except FileNotFoundError:
        return False
