"""A stored analysis: the measurements it was run on and the result document."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, CheckConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ch09_demo.extensions import db


class Analysis(db.Model):
    """One FEM analysed against one spec. Rows are written only for analyses that succeeded."""

    __tablename__ = "analyses"
    __table_args__ = (
        CheckConstraint("target_cd > 0", name="ck_analyses_target_positive"),
        CheckConstraint("tolerance_pct > 0 AND tolerance_pct < 100",
                        name="ck_analyses_tolerance_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(80))
    target_cd: Mapped[float]
    tolerance_pct: Mapped[float]
    # [{dose, focus, cd}] as received (after validation); the plot is drawn from them.
    measurements: Mapped[list[dict[str, float]]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
