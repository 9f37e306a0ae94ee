"""Graded tests of ex01_models: declarative models, constraints, relationships and cascades.

Each test runs on SQLite and on PostgreSQL (the ``engine`` fixture), on tables created by
``ex.Base.metadata.create_all``.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, insert, inspect, select, table, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

HINT = (
    "Give each column a Mapped[...] annotation (Mapped[str | None] for the optional one), put "
    "the CHECK and UNIQUE constraints in __table_args__, declare ForeignKey(..., "
    "ondelete='CASCADE'), and pair each relationship with back_populates on the other side, "
    "cascade='all, delete-orphan' on the parent's."
)


@pytest.fixture
def models(ex, engine):
    ex.Base.metadata.create_all(engine)
    return ex


def make_analysis(models, **overrides):
    return models.Analysis(**{"target_cd_nm": 45.0, "tolerance_pct": 10.0, **overrides})


def make_window(models, **overrides):
    values = {"el_pct": 5.0, "dof_um": 0.12, "center_focus_um": -0.02, "center_dose_mj_cm2": 24.1}
    return models.WindowResult(**{**values, **overrides})


def row_count(engine, table_name):
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table(table_name)))


@pytest.mark.points(2)
def test_schema_has_the_specified_columns_keys_and_indexes(models, engine):
    inspector = inspect(engine)
    nullable = {
        name: {column["name"]: column["nullable"] for column in inspector.get_columns(name)}
        for name in ("datasets", "analyses", "window_results")
    }
    assert nullable["datasets"] == {"id": False, "name": False, "uploaded_at": False}
    assert nullable["analyses"] == {
        "id": False, "dataset_id": False, "target_cd_nm": False, "tolerance_pct": False,
        "model_kind": False, "note": True, "created_at": False,
    }
    assert nullable["window_results"] == {
        "id": False, "analysis_id": False, "el_pct": False, "dof_um": False,
        "center_focus_um": False, "center_dose_mj_cm2": False, "clipped": False,
    }
    for child, column, parent in [("analyses", "dataset_id", "datasets"),
                                  ("window_results", "analysis_id", "analyses")]:
        [foreign_key] = inspector.get_foreign_keys(child)
        assert foreign_key["constrained_columns"] == [column]
        assert foreign_key["referred_table"] == parent
        assert foreign_key["options"].get("ondelete", "").upper() == "CASCADE", (
            f"{child}.{column} needs ON DELETE CASCADE"
        )
    assert ["dataset_id"] in [ix["column_names"] for ix in inspector.get_indexes("analyses")]
    assert ["name"] in [uq["column_names"] for uq in inspector.get_unique_constraints("datasets")]
    assert ["analysis_id", "el_pct"] in [
        uq["column_names"] for uq in inspector.get_unique_constraints("window_results")
    ]


@pytest.mark.points(1)
def test_defaults_come_from_python_and_from_the_server(models, engine):
    with Session(engine) as session:
        dataset = models.Dataset(name="fem-0117.csv")
        analysis = make_analysis(models, dataset=dataset)
        analysis.windows.append(make_window(models))
        session.add(dataset)
        session.commit()
        assert isinstance(dataset.uploaded_at, datetime)
        assert isinstance(analysis.created_at, datetime)
        assert (analysis.model_kind, analysis.note) == ("surface", None)
        assert analysis.windows[0].clipped is False

        # Rows written with plain SQL, naming neither column, get the same values.
        new_id = session.execute(
            insert(models.Analysis.__table__)
            .values(dataset_id=dataset.id, target_cd_nm=32.0, tolerance_pct=8.0)
            .returning(models.Analysis.__table__.c.id)
        ).scalar_one()
        session.execute(insert(models.WindowResult.__table__).values(
            analysis_id=new_id, el_pct=5.0, dof_um=0.1, center_focus_um=0.0,
            center_dose_mj_cm2=23.0,
        ))
        session.commit()
        kinds = session.scalars(select(models.Analysis.model_kind)).all()
        clipped = session.scalars(select(models.WindowResult.clipped)).all()
    assert kinds == ["surface", "surface"]
    assert clipped == [False, False]


OUT_OF_RANGE = [
    ("analysis", {"target_cd_nm": 0.0}),
    ("analysis", {"target_cd_nm": -45.0}),
    ("analysis", {"tolerance_pct": 0.0}),
    ("analysis", {"tolerance_pct": 100.0}),
    ("analysis", {"model_kind": "spline"}),
    ("window", {"el_pct": 0.0}),
    ("window", {"dof_um": -0.01}),
    ("window", {"center_dose_mj_cm2": 0.0}),
]


@pytest.mark.points(2)
def test_check_constraints_refuse_out_of_range_values(models, engine):
    accepted = []
    for kind, values in OUT_OF_RANGE:
        with Session(engine) as session:
            analysis = make_analysis(models, **(values if kind == "analysis" else {}))
            if kind == "window":
                analysis.windows.append(make_window(models, **values))
            session.add(models.Dataset(name="fem.csv", analyses=[analysis]))
            try:
                session.commit()
            except IntegrityError:
                continue
            accepted.append((kind, values))
            session.delete(session.scalars(select(models.Dataset)).one())
            session.commit()
    assert accepted == [], "the database accepted out-of-range values"

    # The boundaries themselves are valid.
    with Session(engine) as session:
        analysis = make_analysis(models, target_cd_nm=0.5, tolerance_pct=99.9)
        analysis.windows.append(make_window(models, dof_um=0.0, el_pct=0.5))
        session.add(models.Dataset(name="edges.csv", analyses=[analysis]))
        session.commit()
    assert row_count(engine, "window_results") == 1


@pytest.mark.points(1)
def test_one_window_per_el_per_analysis(models, engine):
    with Session(engine) as session:
        first, second = make_analysis(models), make_analysis(models, target_cd_nm=32.0)
        first.windows.append(make_window(models, el_pct=5.0))
        second.windows.append(make_window(models, el_pct=5.0))  # another analysis: allowed
        session.add(models.Dataset(name="fem.csv", analyses=[first, second]))
        session.commit()

        first.windows.append(make_window(models, el_pct=5.0, dof_um=0.2))
        with pytest.raises(IntegrityError):
            session.commit()
    assert row_count(engine, "window_results") == 2


@pytest.mark.points(1)
def test_relationships_back_populate_and_load_in_order(models, engine):
    dataset = models.Dataset(name="fem.csv")
    analysis = make_analysis(models)
    dataset.analyses.append(analysis)
    assert analysis.dataset is dataset, "setting one side must set the other, before any flush"
    window = make_window(models, el_pct=10.0, analysis=analysis)
    assert analysis.windows == [window]
    analysis.windows.append(make_window(models, el_pct=5.0))
    make_analysis(models, target_cd_nm=32.0, dataset=dataset)

    with Session(engine) as session:
        session.add(dataset)
        session.commit()
        dataset_id = dataset.id
    with Session(engine) as session:
        loaded = session.get(models.Dataset, dataset_id)
        assert [a.target_cd_nm for a in loaded.analyses] == [45.0, 32.0]
        assert [w.el_pct for w in loaded.analyses[0].windows] == [5.0, 10.0]
        assert loaded.analyses[0].windows[0].analysis is loaded.analyses[0]


@pytest.mark.points(2)
def test_children_never_outlive_their_parent(models, engine):
    def dataset_with_windows(name, *els):
        analysis = make_analysis(models)
        analysis.windows.extend(make_window(models, el_pct=el) for el in els)
        return models.Dataset(name=name, analyses=[analysis])

    with Session(engine) as session:
        kept = dataset_with_windows("kept.csv", 5.0, 10.0)
        deleted_by_orm = dataset_with_windows("orm.csv", 5.0)
        session.add_all([kept, deleted_by_orm, dataset_with_windows("sql.csv", 5.0)])
        session.commit()

        kept.analyses[0].windows.pop(0)  # an orphan: its row goes
        session.delete(deleted_by_orm)  # the ORM cascade: its analysis and window go
        session.commit()

    # Plain SQL, no ORM: only the database's ON DELETE CASCADE can remove the children.
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM datasets WHERE name = 'sql.csv'"))

    assert row_count(engine, "datasets") == 1
    assert row_count(engine, "analyses") == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT el_pct FROM window_results")).scalars().all() == [10.0]
