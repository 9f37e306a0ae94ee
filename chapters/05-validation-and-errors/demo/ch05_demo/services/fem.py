"""FEM runs: the checks that need the whole run, then storage.

The schema has already checked each value alone (types, bounds, finite). What is left is
physics across values: a focus grid is a strictly increasing list of programmed foci, every
point was printed at one of them, and a FEM has at least two doses.
"""

from __future__ import annotations

import json
import math

from sqlalchemy import select

from ch05_demo.errors import NotFound, ValidationFailed
from ch05_demo.extensions import db
from ch05_demo.models import FemPoint, FemRun
from ch05_demo.schemas.errors import json_pointer
from ch05_demo.schemas.fem import FemRunIn

FOCUS_TOLERANCE_UM = 1e-6  # a point is on the grid when this close to a programmed focus


def domain_errors(run: FemRunIn, max_points: int) -> list[dict[str, str]]:
    """Every cross-field problem of ``run``, as ``{"pointer", "detail"}`` entries."""
    errors = []
    grid = run.focus_grid
    for index in range(1, len(grid)):
        # <, not <=: a repeated focus is two columns of the matrix at one focus.
        if not grid[index - 1] < grid[index]:
            errors.append({
                "pointer": json_pointer(("focus_grid", index)),
                "detail": f"must be greater than the previous focus ({grid[index - 1]} µm)",
            })
    if len(run.measurements) > max_points:
        errors.append({"pointer": "#/measurements",
                       "detail": f"at most {max_points} points per run"})
    for index, point in enumerate(run.measurements):
        if not any(math.isclose(point.focus, f, abs_tol=FOCUS_TOLERANCE_UM) for f in grid):
            errors.append({"pointer": json_pointer(("measurements", index, "focus")),
                           "detail": "not a focus of focus_grid"})
    if len({point.dose for point in run.measurements}) < 2:
        errors.append({"pointer": "#/measurements", "detail": "a FEM needs at least two doses"})
    return errors


def create_run(run: FemRunIn, max_points: int) -> FemRun:
    """Store a valid run with its points; ``ValidationFailed`` stores nothing."""
    errors = domain_errors(run, max_points)
    if errors:
        raise ValidationFailed(errors)
    row = FemRun(
        wafer_id=run.wafer_id,
        lot_id=run.lot_id,
        feature=run.feature,
        source_file=run.source_file,
        note=run.note,
        focus_grid=json.dumps(run.focus_grid),
        points=[FemPoint(**point.model_dump()) for point in run.measurements],
    )
    db.session.add(row)
    db.session.commit()
    return row


def get_run(run_id: int) -> FemRun:
    run = db.session.get(FemRun, run_id)
    if run is None:
        raise NotFound(f"FEM run {run_id} not found")
    return run


def list_runs() -> list[FemRun]:
    return list(db.session.scalars(select(FemRun).order_by(FemRun.id)))
