"""Measurements in, a validated FEM frame out, or every problem at once with its JSON pointer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from ch09_demo.services.errors import InvalidFem

COLUMNS = ("dose", "focus", "cd")
MIN_DOSES, MIN_FOCI = 2, 3  # the surface has a linear dose and a quadratic focus term


def _is_number(value: Any) -> bool:
    # JSON true/false must not pass as 1/0, and Python's json module accepts NaN and Infinity.
    return isinstance(value, Real) and not isinstance(value, bool) and np.isfinite(value)


def measurements_frame(measurements: Sequence[Any]) -> tuple[pd.DataFrame, int]:
    """Validate ``[{dose, focus, cd}, ...]``; return (frame, duplicates).

    Each problem names its place as a JSON pointer into the request body, index from 0:
    ``/measurements/3/cd``. Refused: a missing, non-numeric or non-finite value, a dose ≤ 0,
    fewer than 2 doses or 3 focus values. Repeated (dose, focus) conditions are averaged;
    ``duplicates`` says how many rows were folded. Raises InvalidFem listing every problem.
    """
    problems: list[dict[str, str]] = []
    for index, item in enumerate(measurements):
        if not isinstance(item, Mapping):
            problems.append({"pointer": f"/measurements/{index}", "message": "not an object"})
            continue
        for column in COLUMNS:
            pointer = f"/measurements/{index}/{column}"
            if column not in item:
                problems.append({"pointer": pointer, "message": "missing"})
            elif not _is_number(item[column]):
                problems.append({"pointer": pointer, "message": "not a finite number"})
            elif column == "dose" and item[column] <= 0:
                problems.append({"pointer": pointer, "message": "dose must be positive"})
    if problems:
        raise InvalidFem(problems)
    frame = pd.DataFrame.from_records(list(measurements), columns=list(COLUMNS)).astype(float)
    averaged = frame.groupby(["dose", "focus"], as_index=False, sort=True)["cd"].mean()
    doses, foci = averaged["dose"].nunique(), averaged["focus"].nunique()
    if doses < MIN_DOSES or foci < MIN_FOCI:
        raise InvalidFem([{"pointer": "/measurements", "message": (
            f"{doses} dose(s) and {foci} focus value(s); a fit needs at least {MIN_DOSES} "
            f"doses and {MIN_FOCI} focus values")}])
    return averaged, len(frame) - len(averaged)
