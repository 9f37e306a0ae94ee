"""Exercise 01: the analysis side of the platform's data model, in SQLAlchemy 2 style.

An engineer's FEM upload is a ``Dataset``. Engineers analyse it many times (another target CD,
another tolerance, another model), and each ``Analysis`` keeps one ``WindowResult`` per exposure
latitude it was asked for: the DOF of the largest process-window rectangle at that EL, and where
the rectangle sits. Results belong to their analysis and analyses to their dataset: nothing of
an analysis may outlive it.

Write the models below with ``Mapped[...]`` annotations and ``mapped_column()``: a column is
required (NOT NULL) unless its annotation is ``X | None``. Constraints go in ``__table_args__``
with the names given, so that the naming convention turns ``name="target_cd_positive"`` into
``ck_analyses_target_cd_positive``. The tests create the tables with ``Base.metadata.create_all``
on SQLite and on PostgreSQL, and delete rows both through the ORM and with plain SQL.
"""

from __future__ import annotations

from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Dataset(Base):
    """An uploaded file of FEM measurements. Table ``datasets``.

    - ``id``: integer primary key.
    - ``name``: ``String(120)``, required, unique.
    - ``uploaded_at``: timezone-aware ``DateTime``, required, filled by the database
      (server default ``now()``).
    - ``analyses``: list of ``Analysis``, ordered by ``Analysis.id``, ``back_populates``
      ``"dataset"``. Deleting a dataset deletes its analyses, and an analysis removed from the
      list is deleted (it cannot exist without a dataset).
    """

    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # TODO: uploaded_at, and the analyses relationship.


class Analysis(Base):
    """One process-window analysis of a dataset. Table ``analyses``.

    - ``id``: integer primary key.
    - ``dataset_id``: required foreign key to ``datasets.id`` with ``ON DELETE CASCADE`` (a
      dataset deleted with plain SQL takes its analyses along), indexed.
    - ``target_cd_nm``: float, required; check ``target_cd_nm > 0`` named
      ``"target_cd_positive"``.
    - ``tolerance_pct``: float, required; check ``tolerance_pct > 0 AND tolerance_pct < 100``
      named ``"tolerance_in_range"``.
    - ``model_kind``: ``String(16)``, required, ``"surface"`` when not given, both for objects
      created in Python and for rows inserted with plain SQL (a server default too); check
      ``model_kind IN ('surface', 'bossung')`` named ``"known_model"``.
    - ``note``: ``Text``, optional (NULL allowed).
    - ``created_at``: timezone-aware ``DateTime``, required, server default ``now()``.
    - ``dataset``: the ``Dataset``, ``back_populates="analyses"``.
    - ``windows``: list of ``WindowResult``, ordered by ``WindowResult.el_pct``,
      ``back_populates="analysis"``; deleted with the analysis, and deleted when removed from
      the list.
    """

    __tablename__ = "analyses"

    id: Mapped[int] = mapped_column(primary_key=True)
    # TODO: the columns, constraints and relationships above.


class WindowResult(Base):
    """The process window of an analysis at one exposure latitude. Table ``window_results``.

    - ``id``: integer primary key.
    - ``analysis_id``: required foreign key to ``analyses.id`` with ``ON DELETE CASCADE``.
    - ``el_pct``: float, required; check ``el_pct > 0`` named ``"el_positive"``.
    - ``dof_um``: float, required; check ``dof_um >= 0`` named ``"dof_not_negative"`` (0 is a
      window that closes at this EL).
    - ``center_focus_um``: float, required.
    - ``center_dose_mj_cm2``: float, required; check ``center_dose_mj_cm2 > 0`` named
      ``"center_dose_positive"``.
    - ``clipped``: bool, required, false when not given (Python and server default).
    - one row per EL of an analysis: unique ``(analysis_id, el_pct)``, which also serves as
      the index for "windows of this analysis".
    - ``analysis``: the ``Analysis``, ``back_populates="windows"``.
    """

    __tablename__ = "window_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    # TODO: the columns, constraints and relationship above.
