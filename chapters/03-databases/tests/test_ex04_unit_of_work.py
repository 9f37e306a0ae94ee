"""Graded tests of ex04_unit_of_work: an import is stored whole or not at all.

Row counts are read on a separate connection, so they show what was committed, on SQLite and
on PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ch03_demo.models import AuditEntry, Lot, Measurement, Wafer

HINT = (
    "Validate all rows first and raise ImportRejected with every problem; then put every "
    "write inside one `with session.begin():` block and never call commit() in between: "
    "session.flush() gives the wafer its id without committing anything."
)


def fem_rows(count=6):
    return [
        {"field": n, "dose_mj_cm2": 22.0 + n % 3, "focus_um": -0.1 + 0.05 * (n // 3),
         "cd_nm": 45.0 + 0.1 * n}
        for n in range(1, count + 1)
    ]


def committed(engine):
    with engine.connect() as conn:
        return {
            model.__tablename__: conn.scalar(select(func.count()).select_from(model))
            for model in (Lot, Wafer, Measurement, AuditEntry)
        }


def existing_lot(engine):
    """Lot L24-0300 with wafer 1 (two measurements), committed before the test's import."""
    with Session(engine) as session:
        session.add(Lot(name="L24-0300", wafers=[
            Wafer(slot=1, measurements=[
                Measurement(field=1, dose_mj_cm2=24.0, focus_um=0.0, cd_nm=45.0),
                Measurement(field=2, dose_mj_cm2=25.0, focus_um=0.0, cd_nm=43.9),
            ]),
        ]))
        session.commit()
    return committed(engine)


class InjectedFailure(Exception):
    """Raised by the database "driver" in the middle of an import."""


def fail_on_audit_insert(engine):
    def before_cursor_execute(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_LOG"):
            raise InjectedFailure("connection lost while writing the audit entry")

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    return before_cursor_execute


@pytest.mark.points(2)
def test_import_commits_lot_wafer_measurements_and_audit_entry(ex, demo_tables):
    engine = demo_tables
    with Session(engine) as session:
        summary = ex.import_wafer_measurements(
            session, "L24-0301", 4, fem_rows(6), actor="cd-sem-7"
        )
        assert not session.in_transaction(), "the import must end its own transaction"

    assert summary.measurements == 6
    assert summary.created_lot is True
    assert committed(engine) == {"lots": 1, "wafers": 1, "measurements": 6, "audit_log": 1}
    with Session(engine) as session:
        wafer = session.get(Wafer, summary.wafer_id)
        assert (wafer.lot.name, wafer.slot, wafer.lot_id) == ("L24-0301", 4, summary.lot_id)
        assert [m.cd_nm for m in wafer.measurements] == [row["cd_nm"] for row in fem_rows(6)]
        entry = session.get(AuditEntry, summary.audit_entry_id)
        assert (entry.actor, entry.action, entry.entity, entry.entity_id) == (
            "cd-sem-7", "import", "wafers", summary.wafer_id
        )
        assert entry.changes == {"lot": "L24-0301", "slot": 4, "measurements": 6}


@pytest.mark.points(2)
def test_invalid_rows_are_all_reported_and_nothing_is_written(ex, demo_tables):
    before = existing_lot(demo_tables)
    rows = fem_rows(7)
    rows[1]["dose_mj_cm2"] = 0.0            # row 2: dose must be > 0
    rows[2]["cd_nm"] = "45.1"               # row 3: a string is not a number
    rows[3]["field"] = 1                    # row 4: field 1 again
    del rows[4]["focus_um"]                 # row 5: missing
    rows[5]["cd_nm"] = float("nan")         # row 6: NaN
    rows[6]["field"] = True                 # row 7: a bool is not a field number

    with Session(demo_tables) as session, pytest.raises(ex.ImportRejected) as rejected:
        ex.import_wafer_measurements(session, "L24-0300", 2, rows, actor="cd-sem-7")

    problems = [(error["row"], error["field"]) for error in rejected.value.errors]
    assert problems == [
        (2, "dose_mj_cm2"), (3, "cd_nm"), (4, "field"), (5, "focus_um"), (6, "cd_nm"),
        (7, "field"),
    ]
    assert all(error["message"] for error in rejected.value.errors)
    assert committed(demo_tables) == before


@pytest.mark.points(2)
def test_a_database_failure_midway_leaves_no_partial_import(ex, demo_tables):
    before = existing_lot(demo_tables)
    listener = fail_on_audit_insert(demo_tables)
    with Session(demo_tables) as session:
        # A new lot, and a new wafer in the existing one: both reach the database before the
        # audit entry fails, and both must disappear with it.
        with pytest.raises(InjectedFailure):
            ex.import_wafer_measurements(session, "L24-0302", 1, fem_rows(), actor="cd-sem-7")
        with pytest.raises(InjectedFailure):
            ex.import_wafer_measurements(session, "L24-0300", 2, fem_rows(), actor="cd-sem-7")
        assert committed(demo_tables) == before
        assert not session.in_transaction()

        event.remove(demo_tables, "before_cursor_execute", listener)
        summary = ex.import_wafer_measurements(
            session, "L24-0300", 2, fem_rows(), actor="cd-sem-7"
        )
    assert summary.created_lot is False
    assert committed(demo_tables) == {"lots": 1, "wafers": 2, "measurements": 8, "audit_log": 1}


@pytest.mark.points(1)
def test_a_slot_the_database_refuses_rolls_back_the_new_lot(ex, demo_tables):
    with Session(demo_tables) as session, pytest.raises(IntegrityError):
        ex.import_wafer_measurements(session, "L24-0303", 26, fem_rows(), actor="cd-sem-7")
    assert committed(demo_tables) == {"lots": 0, "wafers": 0, "measurements": 0, "audit_log": 0}


@pytest.mark.points(1)
def test_an_occupied_slot_is_a_conflict_and_changes_nothing(ex, demo_tables):
    before = existing_lot(demo_tables)
    with Session(demo_tables) as session, pytest.raises(ex.ImportConflict):
        ex.import_wafer_measurements(session, "L24-0300", 1, fem_rows(), actor="cd-sem-7")
    assert committed(demo_tables) == before
