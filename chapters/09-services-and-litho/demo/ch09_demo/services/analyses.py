"""The analysis service: validate, analyse, store, fetch, plot. It takes a session and plain
data and returns plain data or models; what goes wrong is a ``ServiceError`` in domain terms.
No Flask: a CLI, a Celery task or a test calls the same functions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ch09_demo.models import Analysis
from ch09_demo.services.analysis import Spec, Surface, analyse
from ch09_demo.services.errors import AnalysisNotFound, InvalidFem, InvalidSpec
from ch09_demo.services.fem import measurements_frame
from ch09_demo.services.mock import mock_fem
from ch09_demo.services.plots import bossung_plot

DEFAULT_EL_PCTS = (5.0, 10.0)


def spec_of(target_cd: float, tolerance_pct: float) -> Spec:
    """A Spec, or InvalidSpec naming each field out of range (target > 0, 0 < tol < 100)."""
    errors = {}
    if not np.isfinite(target_cd) or target_cd <= 0:
        errors["target_cd"] = "must be a positive CD in nm"
    if not np.isfinite(tolerance_pct) or not 0 < tolerance_pct < 100:
        errors["tolerance_pct"] = "must be between 0 and 100 percent, exclusive"
    if errors:
        raise InvalidSpec("the spec cannot be used", errors=errors)
    return Spec(float(target_cd), float(tolerance_pct))


def create_analysis(session: Session, name: str, target_cd: float, tolerance_pct: float,
                    measurements: list[Any], el_pcts: tuple[float, ...] = DEFAULT_EL_PCTS,
                    max_measurements: int = 20_000) -> Analysis:
    """Analyse ``measurements`` ([{dose, focus, cd}]) against the spec and store the result.

    Everything is checked and computed before anything is added to the session, so a refused
    request (InvalidSpec, InvalidFem, TargetOutOfRange) stores nothing.
    """
    spec = spec_of(target_cd, tolerance_pct)
    if any(not 0 < el < 200 for el in el_pcts):
        raise InvalidSpec("the latitudes cannot be used",
                          errors={"el_pcts": "each EL must be between 0 and 200 percent"})
    if len(measurements) > max_measurements:
        raise InvalidFem([{"pointer": "/measurements", "message": (
            f"{len(measurements)} measurements; at most {max_measurements} per request")}])
    fem, duplicates = measurements_frame(measurements)
    result = analyse(fem, spec, tuple(el_pcts), duplicates)
    analysis = Analysis(name=name, target_cd=spec.target_cd, tolerance_pct=spec.tolerance_pct,
                        measurements=fem.to_dict(orient="records"), result=result)
    session.add(analysis)
    session.commit()
    return analysis


def get_analysis(session: Session, analysis_id: int) -> Analysis:
    analysis = session.get(Analysis, analysis_id)
    if analysis is None:
        raise AnalysisNotFound(f"analysis {analysis_id} not found")
    return analysis


def list_analyses(session: Session) -> list[Analysis]:
    return list(session.scalars(select(Analysis).order_by(Analysis.id)))


def bossung_image(session: Session, analysis_id: int, fmt: str) -> bytes:
    """The stored analysis's Bossung plot, drawn from its measurements and fitted surface."""
    analysis = get_analysis(session, analysis_id)
    model = analysis.result["model"]
    summary = analysis.result["data_summary"]
    surface = Surface(np.array(model["coefficients"]), model["reference_dose"],
                      tuple(summary["dose_range"]), tuple(summary["focus_range"]),
                      model["rms_residual"])
    fem = pd.DataFrame.from_records(analysis.measurements)
    return bossung_plot(fem, surface, Spec(analysis.target_cd, analysis.tolerance_pct), fmt)


def seed_demo_analysis(session: Session) -> None:
    """Store one analysis of mock data (known truth: best focus 0.03 µm, 24 mJ/cm²)."""
    if session.scalar(select(Analysis.id).limit(1)) is None:
        records = mock_fem(noise_nm=0.3, seed=9).to_dict(orient="records")
        create_analysis(session, "mock FEM, 0.3 nm noise", 45.0, 10.0, records)
