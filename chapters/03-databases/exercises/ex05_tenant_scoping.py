"""Exercise 05: tenant scoping with SQLAlchemy events.

The platform serves several fabs from one database. Every dataset and analysis belongs to one
tenant, and a forgotten ``.where(Dataset.tenant == ...)`` in one query is a data leak. So the
filter is not written in the queries at all: a ``TenantSession`` knows its tenant, and two
session events apply it to everything the session does.

- ``scope_queries`` (``do_orm_execute``) adds the tenant criterion to every ORM SELECT, UPDATE
  and DELETE that involves a ``TenantScoped`` entity: top-level queries, ``session.get()``,
  joins, aggregates, and the lazy or eager loads of relationships.
- ``stamp_new_rows`` (``before_flush``) writes the session's tenant into new rows and refuses
  rows that belong to another tenant.

Everything except these two listeners is given.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, ForeignKey, String, event
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    relationship,
)

# Execution option that lifts the scoping for one statement (admin reports, migrations):
#     session.execute(select(Dataset).execution_options(all_tenants=True))
ALL_TENANTS = "all_tenants"


class TenantRequired(PermissionError):
    """A session without a tenant tried to read or write tenant-scoped rows."""


class TenantViolation(PermissionError):
    """A session tried to write a row that belongs to another tenant."""


class Base(DeclarativeBase):
    pass


class TenantScoped:
    """Mixin: rows of this model belong to one tenant and are only seen by that tenant."""

    tenant: Mapped[str] = mapped_column(String(64), index=True)


class Dataset(TenantScoped, Base):
    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    analyses: Mapped[list[Analysis]] = relationship(
        back_populates="dataset", order_by="Analysis.id"
    )


class Analysis(TenantScoped, Base):
    __tablename__ = "analyses"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    target_cd_nm: Mapped[float]
    dataset: Mapped[Dataset] = relationship(back_populates="analyses")


class SpecPreset(Base):
    """Shared by every tenant (a catalogue of standard specs): never scoped."""

    __tablename__ = "spec_presets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    target_cd_nm: Mapped[float]
    tolerance_pct: Mapped[float]


class TenantSession(Session):
    """A session that reads and writes the rows of one tenant only.

    ``TenantSession(engine, tenant="fab-a")``; the tenant is kept in ``session.info["tenant"]``.
    ``tenant=None`` makes a session that may only touch unscoped models, or run statements
    with the ``all_tenants`` execution option.
    """

    def __init__(self, bind: Engine | None = None, *, tenant: str | None, **kwargs: Any) -> None:
        super().__init__(bind, **kwargs)
        self.info["tenant"] = tenant

    @property
    def tenant(self) -> str | None:
        return self.info["tenant"]


@event.listens_for(TenantSession, "do_orm_execute")
def scope_queries(state: ORMExecuteState) -> None:
    """Restrict every ORM SELECT, UPDATE and DELETE of a TenantSession to its tenant.

    - Statements run with ``execution_options(all_tenants=True)`` are left alone, and so are
      column loads (``state.is_column_load``: refreshing attributes of an object already
      identified by its primary key).
    - A session without a tenant raises ``TenantRequired`` for a statement whose entities
      (``state.all_mappers``) include a ``TenantScoped`` one; other statements run unchanged.
    - Otherwise every ``TenantScoped`` entity in the statement, aliases included, is restricted
      to ``tenant == session's tenant`` by adding a loader-criteria option to
      ``state.statement``. Relationship loads (lazy or eager) get it as well: an object created
      in this session was never loaded by a scoped query, so nothing would filter its
      collections otherwise.
    """
    raise NotImplementedError("restrict this session's ORM statements to its tenant")


@event.listens_for(TenantSession, "before_flush")
def stamp_new_rows(session: Session, flush_context: Any, instances: Any) -> None:
    """Give new ``TenantScoped`` rows the session's tenant; refuse foreign writes.

    For each ``TenantScoped`` object in ``session.new``: a ``tenant`` of None becomes the
    session's tenant; another tenant's name raises ``TenantViolation``. For each in
    ``session.dirty``: changing ``tenant`` to another value raises ``TenantViolation``. A
    session without a tenant raises ``TenantRequired`` for any new or changed scoped object.
    Unscoped objects (``SpecPreset``) pass untouched.
    """
    raise NotImplementedError("stamp new TenantScoped rows with the session's tenant")
