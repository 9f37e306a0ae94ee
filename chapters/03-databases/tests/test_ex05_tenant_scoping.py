"""Graded tests of ex05_tenant_scoping: one tenant never sees nor writes another's rows.

Rows of both tenants are written by a plain ``Session`` (no scoping), then read and changed
through ``TenantSession``s, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, aliased, selectinload

HINT = (
    "scope_queries: return early for column loads and all_tenants statements, then add a "
    "with_loader_criteria(...) option for the TenantScoped mixin to state.statement, on "
    "relationship loads too. stamp_new_rows: walk session.new and session.dirty and compare "
    "each scoped object's tenant with session.info['tenant']."
)


@pytest.fixture
def tenants(ex, engine):
    """fab-a owns dataset "a-fem" with analyses 45 and 32 nm; fab-b owns "b-fem" with 28 nm.

    One fab-b analysis (60 nm) hangs off fab-a's dataset: a cross-tenant reference that
    fab-a's sessions must not see either. Returns the ids by name.
    """
    ex.Base.metadata.create_all(engine)
    with Session(engine) as session:
        a_fem = ex.Dataset(name="a-fem", tenant="fab-a")
        b_fem = ex.Dataset(name="b-fem", tenant="fab-b")
        session.add_all([
            a_fem, b_fem,
            ex.Analysis(dataset=a_fem, target_cd_nm=45.0, tenant="fab-a"),
            ex.Analysis(dataset=a_fem, target_cd_nm=32.0, tenant="fab-a"),
            ex.Analysis(dataset=a_fem, target_cd_nm=60.0, tenant="fab-b"),
            ex.Analysis(dataset=b_fem, target_cd_nm=28.0, tenant="fab-b"),
            ex.SpecPreset(name="L/S 45", target_cd_nm=45.0, tolerance_pct=10.0),
        ])
        session.commit()
        return {"a-fem": a_fem.id, "b-fem": b_fem.id}


def all_rows(engine, model, attribute):
    with Session(engine) as session:
        return sorted(session.scalars(select(getattr(model, attribute))).all())


@pytest.mark.points(2)
def test_queries_see_only_the_sessions_tenant(ex, engine, tenants):
    with ex.TenantSession(engine, tenant="fab-a") as session:
        assert session.scalars(select(ex.Dataset.name)).all() == ["a-fem"]
        assert session.get(ex.Dataset, tenants["b-fem"]) is None
        assert session.scalar(select(func.count(ex.Analysis.id))) == 2
        joined = session.scalars(
            select(ex.Analysis.target_cd_nm).join(ex.Analysis.dataset).order_by(ex.Analysis.id)
        ).all()
        assert joined == [45.0, 32.0]
        other = aliased(ex.Dataset)
        assert session.scalars(select(other.name)).all() == ["a-fem"]
        # Unscoped, shared data stays visible.
        assert session.scalars(select(ex.SpecPreset.name)).all() == ["L/S 45"]
    with ex.TenantSession(engine, tenant="fab-b") as session:
        assert session.scalars(select(ex.Dataset.name)).all() == ["b-fem"]


@pytest.mark.points(2)
def test_relationship_loads_are_scoped_too(ex, engine, tenants):
    with ex.TenantSession(engine, tenant="fab-a") as session:
        lazy = session.get(ex.Dataset, tenants["a-fem"])
        assert [a.target_cd_nm for a in lazy.analyses] == [45.0, 32.0]
    with ex.TenantSession(engine, tenant="fab-a") as session:
        eager = session.scalars(
            select(ex.Dataset).options(selectinload(ex.Dataset.analyses))
        ).one()
        assert [a.target_cd_nm for a in eager.analyses] == [45.0, 32.0]
    with ex.TenantSession(engine, tenant="fab-a") as session:
        # Created in this session, never loaded by a scoped query: its collection must still
        # come back filtered once it is loaded from the database.
        fresh = ex.Dataset(name="a-new")
        session.add(fresh)
        session.commit()
        with Session(engine) as admin:
            admin.add(ex.Analysis(dataset_id=fresh.id, target_cd_nm=99.0, tenant="fab-b"))
            admin.commit()
        assert fresh.analyses == []


@pytest.mark.points(1)
def test_new_rows_get_the_sessions_tenant(ex, engine, tenants):
    with ex.TenantSession(engine, tenant="fab-b") as session:
        dataset = ex.Dataset(name="b-second")
        dataset.analyses.append(ex.Analysis(target_cd_nm=40.0))
        session.add(dataset)
        session.commit()
    with Session(engine) as admin:
        stored = admin.scalars(select(ex.Dataset).where(ex.Dataset.name == "b-second")).one()
        assert stored.tenant == "fab-b"
        assert [a.tenant for a in stored.analyses] == ["fab-b"]


@pytest.mark.points(2)
def test_writes_for_another_tenant_are_refused(ex, engine, tenants):
    with ex.TenantSession(engine, tenant="fab-a") as session:
        session.add(ex.Dataset(name="smuggled", tenant="fab-b"))
        with pytest.raises(ex.TenantViolation):
            session.flush()
    with ex.TenantSession(engine, tenant="fab-a") as session:
        dataset = session.get(ex.Dataset, tenants["a-fem"])
        dataset.tenant = "fab-b"
        with pytest.raises(ex.TenantViolation):
            session.flush()
    assert all_rows(engine, ex.Dataset, "name") == ["a-fem", "b-fem"]


@pytest.mark.points(2)
def test_bulk_update_and_delete_touch_only_the_sessions_rows(ex, engine, tenants):
    with ex.TenantSession(engine, tenant="fab-a") as session:
        session.execute(update(ex.Analysis).values(target_cd_nm=50.0))
        session.execute(delete(ex.Dataset).where(ex.Dataset.name == "b-fem"))
        session.commit()
    assert all_rows(engine, ex.Analysis, "target_cd_nm") == [28.0, 50.0, 50.0, 60.0]
    assert all_rows(engine, ex.Dataset, "name") == ["a-fem", "b-fem"]


@pytest.mark.points(1)
def test_no_tenant_means_no_scoped_rows_unless_all_tenants_is_explicit(ex, engine, tenants):
    with ex.TenantSession(engine, tenant=None) as session:
        with pytest.raises(ex.TenantRequired):
            session.scalars(select(ex.Dataset)).all()
        everything = session.scalars(
            select(ex.Dataset.name).order_by(ex.Dataset.name).execution_options(all_tenants=True)
        ).all()
        assert everything == ["a-fem", "b-fem"]
        assert session.scalars(select(ex.SpecPreset.name)).all() == ["L/S 45"]
        session.add(ex.Dataset(name="orphan"))
        with pytest.raises(ex.TenantRequired):
            session.flush()
