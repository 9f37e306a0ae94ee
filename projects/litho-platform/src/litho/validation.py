"""Validation of raw FEM tables: every problem with its spreadsheet row number, in one report.

Row numbers follow what a spreadsheet shows for the file: the header is row 1 and the first
data row is row 2. File-level problems have ``row=None``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from litho import columns as col

MAX_PROBLEMS = 200
MIN_DOSES = 2
MIN_FOCI = 3
_MISSING_TEXT = {"", "nan", "na", "n/a", "null", "none"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input; ``row`` is the spreadsheet row, ``column`` the header."""

    row: int | None
    column: str | None
    message: str

    def to_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class FemValidationError(ValueError):
    """The input cannot be analysed; ``problems`` lists every reason found (capped, see below).

    At most ``MAX_PROBLEMS`` problems are listed; when there are more, the last entry says how
    many were left out.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        count = sum(1 for p in self.problems if not p.message.startswith("and "))
        heading = "1 problem" if count == 1 else f"{count} problems"
        return "\n".join([f"invalid FEM data ({heading}):", *(f"  {p}" for p in self.problems)])


@dataclass
class ValidatedFem:
    """A clean FEM table: canonical columns, no missing CD, duplicates averaged."""

    frame: pd.DataFrame
    dropped_missing_cd: int
    duplicates_averaged: int
    warnings: list[str] = field(default_factory=list)


class _ProblemCollector:
    """Gathers row problems as index arrays so a broken million-row file costs no per-row work.

    Messages are formatted only for the problems that make it into the capped report.
    """

    def __init__(self, row_numbers: np.ndarray, column_order: list[str],
                 line_problems: list[Problem]):
        self._rows = row_numbers
        self._order = {name: i for i, name in enumerate(column_order)}
        self._groups: list[tuple[np.ndarray, str, Callable[[int], str]]] = []
        self._line_problems = list(line_problems)
        self.file_level: list[Problem] = []

    def add(self, positions: np.ndarray, column: str, message: Callable[[int], str]) -> None:
        if positions.size:
            self._groups.append((positions, column, message))

    def problems(self) -> list[Problem]:
        """File-level problems first, then row problems in file order, capped."""
        room = max(MAX_PROBLEMS - len(self.file_level), 0)
        row_problems: list[Problem] = []
        total = len(self._line_problems)
        if self._groups:
            positions = np.concatenate([g[0] for g in self._groups])
            group_ids = np.concatenate([np.full(g[0].size, i)
                                        for i, g in enumerate(self._groups)])
            column_rank = np.array([self._order.get(g[1], 0) for g in self._groups])[group_ids]
            order = np.lexsort((column_rank, positions))
            total += order.size
            for k in order[:room]:
                pos, gid = int(positions[k]), int(group_ids[k])
                _, name, message = self._groups[gid]
                row_problems.append(Problem(int(self._rows[pos]), name, message(pos)))
        row_problems = sorted(row_problems + self._line_problems,
                              key=lambda p: p.row or 0)[:room]
        listed = self.file_level + row_problems
        if total > len(row_problems):
            listed.append(Problem(None, None, f"and {total - len(row_problems)} more problems"))
        return listed


def _quote(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _as_float(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Numeric values of a column and the positions of entries that are not numbers.

    Empty strings and the usual spellings of "not available" count as missing, not as errors.
    """
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=float, na_value=np.nan), np.empty(0, dtype=np.int64)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    candidates = np.flatnonzero(np.isnan(values) & series.notna().to_numpy())
    if candidates.size:
        text = series.iloc[candidates].astype(str).str.strip().str.lower()
        candidates = candidates[~text.isin(_MISSING_TEXT).to_numpy()]
    return values, candidates


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _row_list(rows: np.ndarray, limit: int = 10) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:limit])
    return shown + (f" and {rows.size - limit} more" if rows.size > limit else "")


def validate(raw: pd.DataFrame, row_numbers: np.ndarray | None = None, *,
             line_problems: list[Problem] | None = None) -> ValidatedFem:
    """Check a raw FEM table and return it cleaned, or raise FemValidationError.

    ``raw`` has the file's own headers (aliases allowed, see ``litho.columns``);
    ``row_numbers`` gives each row's spreadsheet row (default: position + 2);
    ``line_problems`` are problems the parser already found (malformed lines), listed with the
    rest so the report stays complete and in file order.
    Errors: missing or conflicting columns, no data rows, non-numeric values, missing or
    infinite dose/focus, non-positive dose or CD, infinite CD or coordinates, partly empty
    identity columns, fewer than 2 doses or 3 focus values among rows with a CD.
    Not errors (reported in ``warnings``): rows without CD are dropped; rows repeating an earlier
    dose, focus, identity columns and coordinates are averaged into one; unknown columns are
    ignored.
    """
    found, conflicts, unknown = col.match_headers(raw.columns)
    problems: list[Problem] = []
    for canonical, headers in conflicts.items():
        names = " and ".join(repr(str(h)) for h in headers)
        problems.append(Problem(None, None, f"columns {names} both give "
                                f"{col.DISPLAY[canonical]}; keep only one of them"))
    for canonical in col.REQUIRED:
        if canonical not in found:
            problems.append(Problem(None, None, f"missing column {col.DISPLAY[canonical]} "
                                    f"(accepted headers: {col.accepted_names(canonical)}; "
                                    "case does not matter)"))
    if problems:
        raise FemValidationError(problems + list(line_problems or []))
    if len(raw) == 0 and not line_problems:
        raise FemValidationError([Problem(None, None, "there are no data rows below the header")])

    warnings: list[str] = []
    if unknown:
        warnings.append("ignored columns: " + ", ".join(str(h) for h in unknown))
    rows = np.arange(2, len(raw) + 2) if row_numbers is None else np.asarray(row_numbers)
    header = {canonical: str(h) for canonical, h in found.items()}
    collector = _ProblemCollector(rows, [header[c] for c in col.CANONICAL if c in header],
                                  line_problems or [])
    data: dict[str, object] = {}

    for canonical in (col.DOSE, col.FOCUS, col.CD, col.X, col.Y):
        if canonical not in found:
            continue
        series = raw[found[canonical]]
        name = header[canonical]
        values, not_numbers = _as_float(series)
        collector.add(not_numbers, name,
                      lambda pos, s=series: f"{_quote(s.iloc[pos])} is not a number")
        missing = np.isnan(values)
        if not_numbers.size:
            missing[not_numbers] = False
        infinite = np.isinf(values)
        collector.add(np.flatnonzero(infinite), name, lambda pos: "infinite value")
        if canonical in (col.DOSE, col.FOCUS):
            collector.add(np.flatnonzero(missing), name, lambda pos: "missing value")
        if canonical in (col.DOSE, col.CD):
            label = "dose" if canonical == col.DOSE else "CD"
            collector.add(np.flatnonzero((values <= 0) & ~infinite), name,
                          lambda pos, v=values, lb=label: f"{lb} must be positive, got {v[pos]:g}")
        data[canonical] = values

    for canonical in col.IDENTITY:
        if canonical not in found:
            continue
        series = raw[found[canonical]]
        empty = series.isna().to_numpy()
        if empty.all():
            warnings.append(f"column {header[canonical]} is empty and was ignored")
            continue
        collector.add(np.flatnonzero(empty), header[canonical], lambda pos: "missing value")
        data[canonical] = series.reset_index(drop=True)

    all_problems = collector.problems()
    if all_problems:
        raise FemValidationError(all_problems)

    columns = {c: data[c] for c in col.CANONICAL if c in data}
    has_cd = ~np.isnan(columns[col.CD])
    dropped = int((~has_cd).sum())
    if dropped:
        warnings.append(f"{_count(dropped, 'row')} without a CD value "
                        f"{'was' if dropped == 1 else 'were'} dropped "
                        f"({'row' if dropped == 1 else 'rows'} {_row_list(rows[~has_cd])})")
        columns = {c: v[has_cd] if isinstance(v, np.ndarray)
                   else v.loc[has_cd].reset_index(drop=True) for c, v in columns.items()}
    if dropped == len(has_cd):
        raise FemValidationError([Problem(None, None, "no row has a CD value")])
    frame, averaged = _average_duplicates(columns)
    if averaged:
        keys = [col.DISPLAY[c] for c in _duplicate_keys(columns)]
        warnings.append(f"{_count(averaged, 'row')} repeated the {', '.join(keys[:-1])} and "
                        f"{keys[-1]} of an earlier row; repeated rows were averaged into one "
                        "point")
    # Averaging keeps every distinct dose and focus, so counting on the smaller frame is exact.
    too_few = []
    for canonical, needed, what in ((col.DOSE, MIN_DOSES, "doses"),
                                    (col.FOCUS, MIN_FOCI, "focus values")):
        distinct = np.unique(frame[canonical].to_numpy())
        if distinct.size < needed:
            listed = ", ".join(f"{v:g}" for v in distinct[:5])
            too_few.append(Problem(None, header[canonical],
                                   f"a fit needs at least {needed} different {what} with a CD; "
                                   f"the data have {distinct.size} ({listed})"))
    if too_few:
        raise FemValidationError(too_few)
    order = np.lexsort((frame[col.FOCUS].to_numpy(), frame[col.DOSE].to_numpy()))
    frame = frame.iloc[order].reset_index(drop=True)
    return ValidatedFem(frame, dropped, averaged, warnings)


def _duplicate_keys(columns) -> list[str]:
    return [c for c in (col.DOSE, col.FOCUS, *col.OPTIONAL) if c in columns]


def _average_duplicates(columns: dict[str, object]) -> tuple[pd.DataFrame, int]:
    """Average the CD of rows sharing every key column; returns the frame and rows merged away.

    Each key column is factorised and the codes are combined into one integer per row, so the
    cost is a few hash passes and bincounts, linear in rows. When the combined code space is
    small (repeated FEM grids) the key values of each group are decoded from its code instead
    of being gathered row by row.
    """
    n = len(columns[col.CD])
    keys = _duplicate_keys(columns)
    code = np.zeros(n, dtype=np.int64)
    size = 1
    mixed_radix = True  # code is still sum(digit * place value), so groups can be decoded
    radices: list[int] = []
    uniques: list[object] = []
    for key in keys:
        codes, values = pd.factorize(columns[key], use_na_sentinel=False)
        radix = max(len(values), 1)
        if size * radix > 2**62:
            code, seen = pd.factorize(code)
            size, mixed_radix = len(seen), False
        code = code * radix + codes
        size *= radix
        radices.append(radix)
        uniques.append(values)
    dense = mixed_radix and size <= 8 * n + 1024
    if not dense:
        code, seen = pd.factorize(code)
        size = len(seen)
    counts = np.bincount(code, minlength=size)
    present = np.flatnonzero(counts)
    if present.size == n:
        return pd.DataFrame(columns), 0
    cd_sum = np.bincount(code, weights=columns[col.CD], minlength=size)
    averaged: dict[str, object] = {}
    if dense:
        remainder = present
        for key, radix, values in zip(reversed(keys), reversed(radices), reversed(uniques),
                                      strict=True):
            remainder, digit = np.divmod(remainder, radix)
            averaged[key] = pd.Series(values).take(digit).reset_index(drop=True)
    else:
        first = np.empty(size, dtype=np.int64)
        first[code[::-1]] = np.arange(n - 1, -1, -1)  # the last write is each group's first row
        for key in keys:
            values = columns[key]
            averaged[key] = (values[first] if isinstance(values, np.ndarray)
                             else values.take(first).reset_index(drop=True))
    averaged[col.CD] = cd_sum[present] / counts[present]
    return pd.DataFrame({c: averaged[c] for c in columns}), n - present.size
