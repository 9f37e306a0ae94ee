"""Row-level validation of a FEM CSV with pandas: every problem, with the line to fix.

Rows are file line numbers: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# Header (lower case, stripped) -> canonical column.
ALIASES = {
    "dose": "Dose", "exposure": "Dose", "energy": "Dose",
    "focus": "Focus", "defocus": "Focus",
    "cd": "CD", "wafer_id": "Wafer_ID", "field": "Field", "feature": "Feature",
    "x": "X", "y": "Y",
}
COLUMNS = ("Dose", "Focus", "CD", "Wafer_ID", "Field", "Feature", "X", "Y")
REQUIRED = ("Dose", "Focus", "CD")
NUMERIC = ("Dose", "Focus", "CD", "Field", "X", "Y")
FIRST_DATA_ROW = 2


@dataclass(frozen=True)
class Problem:
    row: int
    column: str | None
    problem: str
    message: str


@dataclass
class Report:
    rows: int
    errors: list[Problem]
    warnings: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "rows": self.rows,
                "errors": [asdict(p) for p in self.errors],
                "warnings": [asdict(p) for p in self.warnings]}


class Unreadable(ValueError):
    """pandas cannot parse the file at all."""


def validate(path: Path) -> Report:
    """Check a stored CSV: missing columns, empty cells, non-numbers, NaN, dose <= 0, duplicates."""
    try:
        # Everything as text, header included as data: pandas guesses no NaN, renames no column,
        # and line n of the file is position n - 1 of the frame.
        raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False,
                          skip_blank_lines=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise Unreadable("the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise Unreadable(f"not a readable CSV file: {exc}") from None

    positions: dict[str, int] = {}
    for position, header in enumerate(raw.iloc[0]):
        canonical = ALIASES.get(str(header).strip().lower())
        if canonical and canonical not in positions:
            positions[canonical] = position
    missing = [Problem(1, c, "missing_column", f"no {c} column") for c in REQUIRED
               if c not in positions]
    if missing:
        return Report(0, missing)

    data = raw.iloc[1:].fillna("").apply(lambda column: column.str.strip())
    data.index = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(data))
    data = data[(data != "").any(axis=1)]  # blank lines: counted, not checked
    cells = pd.DataFrame({c: data[positions[c]] for c in COLUMNS if c in positions})

    errors: list[Problem] = []
    numbers = pd.DataFrame(index=cells.index)
    for column in cells.columns:
        text = cells[column]
        if column not in NUMERIC:
            continue
        empty = text == ""
        values = pd.to_numeric(text.where(~empty), errors="coerce").astype("float64")
        numbers[column] = values
        checks = [
            (empty & (column in REQUIRED), "missing", "is empty"),
            (~empty & values.isna() & (text.str.lower() != "nan"), "not_a_number",
             "is not a number"),
            ((text.str.lower() == "nan") | np.isinf(values), "not_finite", "is not finite"),
        ]
        if column == "Dose":
            checks.append((values <= 0, "out_of_range", "must be > 0 mJ/cm²"))
        for mask, problem, says in checks:
            errors += [Problem(int(row), column, problem, f"{column} {value!r} {says}")
                       for row, value in text[mask].items()]
    order = {c: i for i, c in enumerate(COLUMNS)}
    errors.sort(key=lambda p: (p.row, order[p.column]))

    key = [c for c in ("Wafer_ID", "Field", "Feature") if c in cells.columns]
    keyed = pd.concat([cells[key], numbers[["Dose", "Focus"]]], axis=1).dropna()
    repeated = keyed[keyed.duplicated(keep="first")]
    warnings = [Problem(int(row), None, "duplicate",
                        f"same {', '.join(key + ['Dose', 'Focus'])} as an earlier row")
                for row in repeated.index]
    return Report(len(cells), errors, warnings)


def read_clean(path: Path, chunk_rows: int):
    """A stored (already validated) file as DataFrames of canonical columns, ``chunk_rows`` each."""
    header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    names = {}
    for h in header:
        canonical = ALIASES.get(str(h).strip().lower())
        if canonical and canonical not in names.values():
            names[h] = canonical
    with pd.read_csv(path, usecols=list(names), chunksize=chunk_rows,
                     encoding="utf-8-sig") as reader:
        for chunk in reader:
            chunk = chunk.rename(columns=names).dropna(how="all")
            yield chunk[[c for c in COLUMNS if c in chunk.columns]]
