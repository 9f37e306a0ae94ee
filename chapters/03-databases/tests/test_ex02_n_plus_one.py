"""Graded tests of ex02_n_plus_one: the same answers, in a number of queries that stays flat.

Statements are counted with the demo's ``QueryCounter`` (a ``before_cursor_execute``
listener), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ch03_demo.diagnostics import QueryCounter
from ch03_demo.models import Lot, Measurement, Wafer

HINT = (
    "Tell each query up front what it will need: .options(selectinload(Lot.wafers)) for a "
    "collection, joinedload(...) for a many-to-one, chained for two levels; count "
    "measurements with select(Measurement.wafer_id, func.count()).group_by(...) instead of "
    "len(wafer.measurements)."
)

LOTS = 40


def wafer_count(n):
    return n % 4  # 0 to 3 wafers: some lots have none


def measurement_count(n, slot):
    return (n + slot) % 5  # 0 to 4 measurements: some wafers have none


def lot_name(n):
    return f"L24-{n:04d}"


def cd_nm(n, slot, field):
    return round(45.0 + 0.1 * n - 0.5 * slot + 0.01 * field, 3)


def seed(engine, lots=LOTS):
    """Lots inserted in reverse name order, so that ids and names sort differently."""
    with Session(engine) as session:
        for n in reversed(range(lots)):
            session.add(Lot(name=lot_name(n), on_hold=n % 7 == 0, wafers=[
                Wafer(slot=slot, measurements=[
                    Measurement(field=field, dose_mj_cm2=20.0 + field, focus_um=-0.1 * slot,
                                cd_nm=cd_nm(n, slot, field))
                    for field in range(1, measurement_count(n, slot) + 1)
                ])
                for slot in range(1, wafer_count(n) + 1)
            ]))
        session.commit()


@pytest.fixture
def seeded(demo_tables):
    seed(demo_tables)
    return demo_tables


@pytest.mark.points(3)
def test_lot_overview_is_right_in_at_most_three_queries(ex, seeded):
    expected = [
        {
            "lot": lot_name(n),
            "on_hold": n % 7 == 0,
            "wafers": [
                {"slot": slot, "measurements": measurement_count(n, slot)}
                for slot in range(1, wafer_count(n) + 1)
            ],
        }
        for n in range(LOTS)
    ]
    with Session(seeded) as session, QueryCounter(seeded) as queries:
        overview = ex.lot_overview(session)
    assert overview == expected
    assert queries.count <= 3, f"{queries.count} statements for {LOTS} lots"


@pytest.mark.points(1)
def test_lot_overview_counts_in_the_database(ex, seeded):
    loaded = []

    def on_load(measurement, context):
        loaded.append(measurement.id)

    # The ORM's "load" event fires for every Measurement object built from a row.
    event.listen(Measurement, "load", on_load)
    try:
        with Session(seeded) as session:
            ex.lot_overview(session)
    finally:
        event.remove(Measurement, "load", on_load)
    assert loaded == [], f"{len(loaded)} Measurement objects loaded just to be counted"


@pytest.mark.points(2)
def test_wafer_map_is_right_in_at_most_three_queries(ex, seeded):
    n = 39  # 3 wafers with 2, 3 and 4 measurements
    expected = {
        "lot": lot_name(n),
        "wafers": [
            {
                "slot": slot,
                "measurements": [
                    {"field": field, "dose_mj_cm2": 20.0 + field, "focus_um": -0.1 * slot,
                     "cd_nm": cd_nm(n, slot, field)}
                    for field in range(1, measurement_count(n, slot) + 1)
                ],
            }
            for slot in range(1, 4)
        ],
    }
    with Session(seeded) as session, QueryCounter(seeded) as queries:
        wafer_map = ex.wafer_map(session, lot_name(n))
    assert wafer_map == expected
    assert queries.count <= 3, f"{queries.count} statements for one lot of 3 wafers"

    with Session(seeded) as session, QueryCounter(seeded) as queries:
        assert ex.wafer_map(session, "L99-9999") is None
    assert queries.count <= 1


@pytest.mark.points(2)
def test_latest_measurements_in_one_query(ex, seeded):
    with Session(seeded) as session:
        newest = session.execute(
            select(Lot.name, Wafer.slot, Measurement.field, Measurement.dose_mj_cm2,
                   Measurement.focus_um, Measurement.cd_nm)
            .join(Measurement.wafer)
            .join(Wafer.lot)
            .order_by(Measurement.id.desc())
            .limit(20)
        ).all()
    keys = ("lot", "slot", "field", "dose_mj_cm2", "focus_um", "cd_nm")
    expected = [dict(zip(keys, row, strict=True)) for row in newest]
    assert len({(row["lot"], row["slot"]) for row in expected}) > 3  # many wafers, many lots

    with Session(seeded) as session, QueryCounter(seeded) as queries:
        latest = ex.latest_measurements(session, limit=20)
    assert latest == expected
    assert queries.count == 1, f"{queries.count} statements for 20 measurements"

    with Session(seeded) as session:
        assert ex.latest_measurements(session, limit=0) == []
