"""Exercise 05: remove expired datasets, their rows and their files together.

A dataset is two things: a row in ``datasets`` and a file in the upload folder. Retention must
remove both, and the order decides what a crash between the two leaves behind:

- files first, then rows: a crash leaves rows that point at missing files (downloads fail);
- rows first (one transaction, committed), then files: a crash leaves files no row points at.

This exercise takes the second order. Nothing can reach an unreferenced file, and the next run
removes it as an **orphan** (a stored-name file with no row, older than the cutoff).

The table is the demo's ``Dataset`` (``ch08_demo.models``); ``created_at`` is aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class CleanupReport:
    dry_run: bool
    cutoff: datetime       # now - max_age, aware UTC
    datasets: list[int]    # ids of the expired rows removed (or that would be), ascending
    files: list[str]       # names of the files removed (or that would be), sorted
    orphans: list[str]     # the names in ``files`` that no row referenced, sorted
    skipped: list[str]     # names left alone because they are unsafe to remove, sorted


def cleanup_expired(
    session: Session,
    upload_dir: Path,
    *,
    now: datetime,
    max_age: timedelta,
    dry_run: bool = False,
) -> CleanupReport:
    """Remove every dataset created before ``now - max_age``, its row and its file.

    ``now`` must be timezone-aware and ``max_age`` positive (``ValueError`` otherwise); the
    cutoff is ``now - max_age`` in UTC. Expired means ``created_at < cutoff``: a row created
    exactly at the cutoff stays. ``session`` must have no transaction in progress.

    1. In one transaction (``with session.begin():``): select the expired rows and delete
       them. If the transaction fails, the exception propagates and no file is touched.
    2. After the commit, unlink each expired row's file ``upload_dir / stored_name``, and the
       orphans: entries of ``upload_dir`` whose name matches ``STORED_NAME``, referenced by no
       row (expired or not), whose own modification time is before the cutoff.

    A file is removed only if its name matches ``STORED_NAME`` and it is a regular file directly
    in ``upload_dir`` (checked without following symlinks). Anything else named by an expired
    row or matching ``STORED_NAME`` (a symlink, a folder, a row's name like ``../x.csv``) is
    left exactly as it is and listed in ``skipped``; the row is still deleted. A row whose file
    is already gone is deleted, with nothing in ``files``. Nothing else in ``upload_dir``
    (other names, ``.part`` files, newer files) and nothing outside it is touched.

    ``dry_run=True`` returns the same report as the real run would, and changes nothing: no
    row deleted, no file removed.
    """
    raise NotImplementedError(
        "select and delete expired rows in one transaction, then remove their files and the "
        "orphans, safely"
    )
