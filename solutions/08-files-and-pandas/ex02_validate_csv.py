"""Exercise 02: validate a FEM CSV with pandas and report every problem with its row.

A process engineer who uploads 2,000 rows wants one answer listing every bad cell, with the row
to fix, not the first exception pandas happened to raise. The checks are vectorised: each is a
boolean mask over a column, and the report is built from the masks.

Row numbers are **file line numbers**: the header is row 1, the first data row is row 2, so a
reported row is the line an editor or a spreadsheet shows (for files without line breaks inside
quoted values). Blank lines count as lines, and are otherwise ignored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from os import PathLike
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

# Canonical columns, in report order. Headers match case-insensitively, surrounding spaces
# ignored, through ALIASES.
COLUMNS = ("Dose", "Focus", "CD", "Wafer_ID", "Field", "Feature", "X", "Y")
REQUIRED = ("Dose", "Focus", "CD")
ALIASES = {
    "dose": "Dose", "exposure": "Dose", "energy": "Dose",
    "focus": "Focus", "defocus": "Focus",
    "cd": "CD",
    "wafer_id": "Wafer_ID", "field": "Field", "feature": "Feature", "x": "X", "y": "Y",
}
NUMERIC = ("Dose", "Focus", "CD", "Field", "X", "Y")
# (low, high, low_inclusive): Dose in (0, 1000] mJ/cm², Focus in [-10, 10] µm, CD in (0, 10000]
# nm, Field in [1, 10000]. X and Y (mm) have no range.
RANGES: dict[str, tuple[float, float, bool]] = {
    "Dose": (0.0, 1000.0, False),
    "Focus": (-10.0, 10.0, True),
    "CD": (0.0, 10000.0, False),
    "Field": (1.0, 10000.0, True),
}
# Duplicate key: these columns when present, then Dose and Focus.
KEY_OPTIONAL = ("Wafer_ID", "Field", "Feature")
HEADER_ROW = 1
FIRST_DATA_ROW = 2


class UnreadableCSV(ValueError):
    """pandas cannot parse the file at all (empty, not UTF-8, a row with more fields than the
    header); the message says why, and where when pandas knows."""


@dataclass(frozen=True)
class RowProblem:
    row: int              # file line number (header = 1)
    column: str | None    # canonical column name; None for a problem of the whole row
    problem: str          # one of PROBLEMS
    message: str          # for people: what is wrong, with the offending value


PROBLEMS = (
    "missing_column",    # row 1: a required column is absent
    "duplicate_column",  # row 1: two headers name the same canonical column
    "no_rows",           # row 1, column None: a header and no data
    "missing",           # empty cell in a required column
    "not_a_number",      # a value that is not a number ("abc", "12,5", "NA")
    "not_finite",        # NaN or infinite ("nan", "NaN", "inf", "-Infinity", "1e999")
    "out_of_range",      # a number outside RANGES
    "duplicate",         # column None: same key as an earlier row (a warning)
)


@dataclass
class ValidationReport:
    rows: int                                   # data rows read, blank lines excluded
    errors: list[RowProblem]                    # by row, then by COLUMNS order
    warnings: list[RowProblem] = field(default_factory=list)  # duplicates, by row
    ignored_columns: list[str] = field(default_factory=list)  # headers not in ALIASES
    frame: pd.DataFrame | None = None           # the clean data; None when there are errors

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "rows": self.rows,
            "errors": [asdict(p) for p in self.errors],
            "warnings": [asdict(p) for p in self.warnings],
            "ignored_columns": list(self.ignored_columns),
        }


def validate_fem_csv(source: str | PathLike[str] | BinaryIO) -> ValidationReport:
    """Read a FEM CSV (a path or a binary file object, UTF-8, optional BOM) and check every cell.

    Header (row 1): each header is mapped through ``ALIASES`` after ``strip().lower()``; headers
    not in ``ALIASES`` are listed in ``ignored_columns`` and dropped. Two headers mapping to the
    same column: ``duplicate_column``; a required column absent: ``missing_column`` (both with
    ``row=1`` and the canonical column). With any header problem the rows are not checked. A
    header and no data rows: one ``no_rows`` problem.

    Cells (values are stripped of surrounding spaces first):

    - a required column's empty cell is ``missing``; an optional column may be empty;
    - a numeric column's (``NUMERIC``) non-empty value must parse as a float: otherwise
      ``not_a_number``; NaN or infinite is ``not_finite``; a finite number outside
      ``RANGES`` is ``out_of_range``. One problem per (row, column) at most.
    - ``Wafer_ID`` and ``Feature`` are text and not checked.

    Duplicates: a row whose key (``KEY_OPTIONAL`` columns that are present, then ``Dose`` and
    ``Focus``, compared as parsed values) equals an earlier row's is a ``duplicate`` warning
    (``column=None``, the message names the earlier row); rows with an error in a key column
    take no part. Warnings do not make the file invalid: the analysis averages duplicates.

    ``errors`` are ordered by row, then by ``COLUMNS`` order. When valid, ``frame`` holds the
    data rows with the canonical columns present, in ``COLUMNS`` order, numeric columns as
    float64, text columns as strings, and an index of row numbers. Raises ``UnreadableCSV``
    when pandas cannot parse the file.
    """
    raw = _read_raw(source)
    header = [str(h).strip() for h in raw.iloc[0]] if len(raw) else []
    if not header:
        raise UnreadableCSV("the file is empty")

    columns, problems, ignored = _map_header(header)
    if problems:
        return ValidationReport(rows=0, errors=problems, ignored_columns=ignored)

    data = raw.iloc[1:].fillna("")
    data = data.apply(lambda col: col.str.strip())
    # Row numbers before anything is dropped: position 0 of raw is line 1.
    data.index = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(data), name="row")
    data = data[(data != "").any(axis=1)]
    data = pd.DataFrame({name: data[position] for name, position in columns.items()})
    if data.empty:
        problem = RowProblem(HEADER_ROW, None, "no_rows", "the file has a header and no data")
        return ValidationReport(rows=0, errors=[problem], ignored_columns=ignored)

    frame = data.copy()
    bad = pd.DataFrame(False, index=data.index, columns=data.columns)
    found: list[tuple[int, int, RowProblem]] = []
    order = {name: i for i, name in enumerate(COLUMNS)}

    def report(column: str, mask: pd.Series, problem: str, describe) -> None:
        mask = mask & ~bad[column]
        bad.loc[mask, column] = True
        for row, value in data.loc[mask, column].items():
            found.append((row, order[column], RowProblem(row, column, problem, describe(value))))

    for column in data.columns:
        text = data[column]
        empty = text == ""
        if column in REQUIRED:
            report(column, empty, "missing", lambda v, c=column: f"{c} is empty")
        if column not in NUMERIC:
            continue
        numbers = pd.to_numeric(text.where(~empty), errors="coerce").astype("float64")
        nan_text = text.str.lower().str.lstrip("+-") == "nan"
        report(column, ~empty & numbers.isna() & ~nan_text, "not_a_number",
               lambda v, c=column: f"{c} {v!r} is not a number")
        report(column, nan_text | np.isinf(numbers), "not_finite",
               lambda v, c=column: f"{c} {v!r} is not a finite number")
        if column in RANGES:
            low, high, low_inclusive = RANGES[column]
            above_low = numbers >= low if low_inclusive else numbers > low
            outside = numbers.notna() & ~(above_low & (numbers <= high))
            bracket = "[" if low_inclusive else "("
            report(column, outside, "out_of_range",
                   lambda v, c=column, b=bracket, lo=low, hi=high:
                   f"{c} {v} is outside {b}{lo:g}, {hi:g}]")
        frame[column] = numbers

    errors = [problem for _, _, problem in sorted(found, key=lambda t: (t[0], t[1]))]
    warnings = _duplicates(frame, bad)
    valid_frame = None
    if not errors:
        valid_frame = frame[[c for c in COLUMNS if c in frame.columns]]
    return ValidationReport(len(data), errors, warnings, ignored, valid_frame)


def _read_raw(source: str | PathLike[str] | BinaryIO) -> pd.DataFrame:
    """Every cell as text, header included as the first row: no name mangling, no NaN guessing."""
    try:
        return pd.read_csv(source, header=None, dtype=str, keep_default_na=False,
                           skip_blank_lines=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise UnreadableCSV("the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise UnreadableCSV(f"not a readable CSV file: {exc}") from None


def _map_header(header: list[str]) -> tuple[dict[str, int], list[RowProblem], list[str]]:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    problems: list[RowProblem] = []
    for position, name in enumerate(header):
        canonical = ALIASES.get(name.lower())
        if canonical is None:
            ignored.append(name)
        elif canonical in columns:
            first = header[columns[canonical]]
            problems.append(RowProblem(HEADER_ROW, canonical, "duplicate_column",
                                       f"{first!r} and {name!r} both name {canonical}"))
        else:
            columns[canonical] = position
    for canonical in REQUIRED:
        if canonical not in columns:
            aliases = sorted(a for a, c in ALIASES.items() if c == canonical)
            problems.append(RowProblem(HEADER_ROW, canonical, "missing_column",
                                       f"no {canonical} column (accepted: {', '.join(aliases)})"))
    problems.sort(key=lambda p: COLUMNS.index(p.column))
    # Keep the canonical order whatever the file's order.
    ordered = {c: columns[c] for c in COLUMNS if c in columns}
    return ordered, problems, ignored


def _duplicates(frame: pd.DataFrame, bad: pd.DataFrame) -> list[RowProblem]:
    key = [c for c in KEY_OPTIONAL if c in frame.columns] + ["Dose", "Focus"]
    candidates = frame.loc[~bad[key].any(axis=1), key]
    first_row = candidates.index.to_series().groupby(
        [candidates[c] for c in key], dropna=False, sort=False
    ).transform("first")
    repeated = candidates.duplicated(keep="first")
    names = ", ".join(key)
    return [
        RowProblem(int(row), None, "duplicate", f"same {names} as row {int(first_row[row])}")
        for row in candidates.index[repeated]
    ]
