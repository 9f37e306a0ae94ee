"""Graded tests of ex05_retention: rows and files go together, in a safe order, and only they go.

The clock is injected (``now=``); file ages are set with ``os.utime``. Nothing waits.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ch08_demo.models import Dataset

HINT = (
    "Select the expired rows and delete them inside one `with session.begin():`; only after "
    "that block has committed, unlink their files. Check each name against STORED_NAME and "
    "os.lstat() it (never follow a symlink); in a dry run, compute the same report and skip "
    "both the DELETE and the unlink."
)

NOW = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)
MAX_AGE = timedelta(days=30)
CUTOFF = NOW - MAX_AGE


def add_dataset(engine, upload_dir, created_at, *, write_file=True, name=None):
    """A row and, unless told otherwise, its file (dated like the row). Returns (id, name)."""
    name = name or f"{uuid.uuid4().hex}.csv"
    if write_file:
        path = upload_dir / name
        path.write_text("Dose,Focus,CD\n24,0,45\n")
        os.utime(path, (created_at.timestamp(), created_at.timestamp()))
    with Session(engine) as session, session.begin():
        row = Dataset(stored_name=name, original_name="fem.csv", size_bytes=22, sha256="0" * 64,
                      rows=1, created_at=created_at)
        session.add(row)
        session.flush()
        return row.id, name


def rows(engine):
    with Session(engine) as session:
        return sorted(session.scalars(select(Dataset.id)))


def files(folder):
    return sorted(p.name for p in folder.iterdir())


def scenario(engine, upload_dir):
    """Two expired datasets, one exactly at the cutoff, one recent."""
    old1 = add_dataset(engine, upload_dir, CUTOFF - timedelta(days=10))
    old2 = add_dataset(engine, upload_dir, CUTOFF - timedelta(microseconds=1))
    edge = add_dataset(engine, upload_dir, CUTOFF)
    new = add_dataset(engine, upload_dir, NOW - timedelta(days=1))
    return old1, old2, edge, new


@pytest.mark.points(3)
def test_expired_rows_and_their_files_go_together(ex, engine, upload_dir):
    old1, old2, edge, new = scenario(engine, upload_dir)
    with Session(engine) as session:
        report = ex.cleanup_expired(session, upload_dir, now=NOW, max_age=MAX_AGE)
        assert not session.in_transaction()
    assert report.dry_run is False
    assert report.cutoff == CUTOFF
    assert report.datasets == sorted([old1[0], old2[0]])
    assert report.files == sorted([old1[1], old2[1]])
    assert (report.orphans, report.skipped) == ([], [])
    assert rows(engine) == sorted([edge[0], new[0]]), "rows at or after the cutoff stay"
    assert files(upload_dir) == sorted([edge[1], new[1]]), "their files stay too"


@pytest.mark.points(3)
def test_a_dry_run_reports_the_same_and_changes_nothing(ex, engine, upload_dir):
    scenario(engine, upload_dir)
    orphan = upload_dir / f"{uuid.uuid4().hex}.csv"
    orphan.write_text("x,y\n")
    os.utime(orphan, (CUTOFF.timestamp() - 60, CUTOFF.timestamp() - 60))
    before = (rows(engine), files(upload_dir))
    with Session(engine) as session:
        dry = ex.cleanup_expired(session, upload_dir, now=NOW, max_age=MAX_AGE, dry_run=True)
    assert (rows(engine), files(upload_dir)) == before, "a dry run deleted something"
    assert dry.dry_run is True
    assert len(dry.datasets) == 2
    assert dry.orphans == [orphan.name]
    with Session(engine) as session:
        real = ex.cleanup_expired(session, upload_dir, now=NOW, max_age=MAX_AGE)
    assert (dry.datasets, dry.files, dry.orphans, dry.skipped) == (
        real.datasets, real.files, real.orphans, real.skipped
    )
    assert len(rows(engine)) == 2
    assert len(files(upload_dir)) == 2


class InjectedFailure(Exception):
    pass


@pytest.mark.points(3)
@pytest.mark.parametrize("failing", ["delete", "commit"])
def test_a_failed_transaction_touches_no_file(ex, engine, upload_dir, failing):
    """Rows go first, files after the commit: a failure in the database keeps every file."""
    scenario(engine, upload_dir)
    before = (rows(engine), files(upload_dir))

    def fail_delete(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("DELETE"):
            raise InjectedFailure("the database went away during DELETE")

    def fail_commit(conn):
        raise InjectedFailure("the database went away during COMMIT")

    if failing == "delete":
        event.listen(engine, "before_cursor_execute", fail_delete)
    else:
        event.listen(engine, "commit", fail_commit)
    try:
        with Session(engine) as session, pytest.raises(InjectedFailure):
            ex.cleanup_expired(session, upload_dir, now=NOW, max_age=MAX_AGE)
    finally:
        if failing == "delete":
            event.remove(engine, "before_cursor_execute", fail_delete)
        else:
            event.remove(engine, "commit", fail_commit)
    assert files(upload_dir) == before[1], "files were removed although their rows were not"
    assert rows(engine) == before[0]


@pytest.mark.points(2)
def test_orphans_from_an_earlier_crash_are_collected(ex, engine, upload_dir):
    """A file with no row (left by a crash after the commit) goes once it is past the cutoff."""
    _, _, edge, new = scenario(engine, upload_dir)
    old_orphan, young_orphan = (upload_dir / f"{uuid.uuid4().hex}.csv" for _ in range(2))
    for path, when in [(old_orphan, CUTOFF - timedelta(hours=1)), (young_orphan, NOW)]:
        path.write_text("Dose,Focus,CD\n")
        os.utime(path, (when.timestamp(), when.timestamp()))
    # Not ours: another naming scheme, an upload in progress, a note.
    for other in (".upload-abc.part", "README.txt", "FEM.CSV", f"{uuid.uuid4().hex}.csv.bak"):
        (upload_dir / other).write_text("keep")
        os.utime(upload_dir / other, (0, 0))
    # A recent row whose file kept an old time (copied with its mtime): referenced, so it stays.
    os.utime(upload_dir / new[1], (0, 0))
    with Session(engine) as session:
        report = ex.cleanup_expired(session, upload_dir, now=NOW, max_age=MAX_AGE)
    assert report.orphans == [old_orphan.name]
    assert (upload_dir / new[1]).exists(), "a file that a row still names is never an orphan"
    assert old_orphan.name in report.files
    assert len(report.files) == 3
    assert not old_orphan.exists()
    assert young_orphan.exists()
    assert {".upload-abc.part", "README.txt", "FEM.CSV"} <= set(files(upload_dir))
    assert len(files(upload_dir)) == 7


@pytest.mark.points(3)
def test_symlinks_folders_and_foreign_paths_are_never_followed(ex, engine, upload_dir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    precious = outside / "precious.csv"
    precious.write_text("not the cleanup's to delete")
    old = CUTOFF - timedelta(days=3)

    link_name = f"{uuid.uuid4().hex}.csv"
    (upload_dir / link_name).symlink_to(precious)
    link_row, _ = add_dataset(engine, upload_dir, old, write_file=False, name=link_name)
    folder_name = f"{uuid.uuid4().hex}.csv"
    (upload_dir / folder_name).mkdir()
    (upload_dir / folder_name / "inside.csv").write_text("keep")
    folder_row, _ = add_dataset(engine, upload_dir, old, write_file=False, name=folder_name)
    escape_row, _ = add_dataset(engine, upload_dir, old, write_file=False,
                                name="../outside/precious.csv")
    gone_row, _ = add_dataset(engine, upload_dir, old, write_file=False)  # its file is gone
    stray_link = f"{uuid.uuid4().hex}.csv"  # a symlink no row names
    (upload_dir / stray_link).symlink_to(precious)
    os.utime(upload_dir / stray_link, (0, 0), follow_symlinks=False)

    with Session(engine) as session:
        report = ex.cleanup_expired(session, upload_dir, now=NOW, max_age=MAX_AGE)
    assert precious.read_text() == "not the cleanup's to delete"
    assert (upload_dir / link_name).is_symlink()
    assert (upload_dir / stray_link).is_symlink()
    assert (upload_dir / folder_name / "inside.csv").exists()
    assert report.files == []
    assert report.orphans == []
    assert report.skipped == sorted([link_name, folder_name, "../outside/precious.csv",
                                     stray_link])
    assert report.datasets == sorted([link_row, folder_row, escape_row, gone_row])
    assert rows(engine) == [], "expired rows are deleted even when their file is left alone"


@pytest.mark.points(1)
def test_the_clock_and_age_are_checked(ex, engine, upload_dir):
    with Session(engine) as session:
        with pytest.raises(ValueError):
            ex.cleanup_expired(session, upload_dir, now=datetime(2025, 3, 31), max_age=MAX_AGE)
        with pytest.raises(ValueError):
            ex.cleanup_expired(session, upload_dir, now=NOW, max_age=timedelta(0))
    # Another time zone, the same instant: the same cutoff.
    row, _ = add_dataset(engine, upload_dir, CUTOFF - timedelta(minutes=1))
    paris = NOW.astimezone(ZoneInfo("Europe/Paris"))
    with Session(engine) as session:
        report = ex.cleanup_expired(session, upload_dir, now=paris, max_age=MAX_AGE)
    assert report.cutoff == CUTOFF
    assert report.datasets == [row]
