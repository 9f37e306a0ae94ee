"""Exercise 04: summarise a FEM file larger than memory, one chunk at a time.

``pandas.read_csv(path)`` holds the whole file as a frame, plus the parser's buffers. A CD-SEM
export of a lot can be many gigabytes. ``read_csv(path, chunksize=n)`` returns a reader that
yields frames of ``n`` rows; if each chunk is reduced to a small partial result and then
dropped, memory depends on the chunk size and the number of conditions, not on the file.

The partial results are per-condition count, sum and sum of squared deviations from the
chunk's mean; two partials combine exactly (Chan et al.'s parallel variance), so the summary is
the same for any chunk size.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike

import numpy as np
import pandas as pd

ALIASES = {
    "dose": "dose", "exposure": "dose", "energy": "dose",
    "focus": "focus", "defocus": "focus",
    "cd": "cd",
}
SUMMARY_COLUMNS = ["dose", "focus", "points", "mean_cd", "std_cd", "min_cd", "max_cd"]


class MissingColumns(ValueError):
    """The header lacks a dose, focus or CD column."""


@dataclass(frozen=True)
class ConditionSummary:
    table: pd.DataFrame  # SUMMARY_COLUMNS, one row per (dose, focus), sorted by dose then focus
    rows_read: int       # data rows read, valid or not
    rows_skipped: int    # rows left out: a value missing, not a finite number, or dose <= 0
    chunks: int          # chunks read from the file


def summarise_by_condition(
    path: str | PathLike[str], *, chunksize: int = 100_000
) -> ConditionSummary:
    """Per (dose, focus) statistics of CD over a CSV file, read ``chunksize`` rows at a time.

    Header names match ``ALIASES`` case-insensitively (spaces around them ignored); only those
    three columns are read (``usecols``), every other column is never parsed. ``MissingColumns``
    if one is absent. A row whose dose, focus or CD is empty, not a number, NaN or infinite, or
    whose dose is <= 0, is skipped and counted in ``rows_skipped``.

    ``table`` has ``SUMMARY_COLUMNS``: ``points`` (int64) is the number of rows of that
    condition, ``mean_cd``, ``min_cd``, ``max_cd``, and ``std_cd`` the sample standard deviation
    (ddof=1; NaN for a single point). Sorted by dose then focus, with a fresh RangeIndex.

    Memory: never more than one chunk of the file and one partial row per condition. The file
    is never read whole, and chunks are not kept (no list of chunks, no ``concat``).
    """
    header = pd.read_csv(path, nrows=0).columns
    names: dict[str, str] = {}
    for column in header:
        canonical = ALIASES.get(str(column).strip().lower())
        if canonical and canonical not in names.values():
            names[column] = canonical
    missing = sorted(set(ALIASES.values()) - set(names.values()))
    if missing:
        raise MissingColumns(f"no {', '.join(missing)} column in {list(header)}")

    partial: pd.DataFrame | None = None
    rows_read = rows_skipped = chunks = 0
    reader = pd.read_csv(path, usecols=list(names), chunksize=chunksize)
    with reader:
        for chunk in reader:
            chunks += 1
            rows_read += len(chunk)
            values = chunk.rename(columns=names).apply(pd.to_numeric, errors="coerce")
            values = values.astype("float64")
            usable = np.isfinite(values).all(axis=1) & (values["dose"] > 0)
            rows_skipped += int((~usable).sum())
            combined = _partial(values[usable])
            partial = combined if partial is None else _combine(partial, combined)

    if partial is None or partial.empty:
        table = pd.DataFrame({c: pd.Series(dtype="int64" if c == "points" else "float64")
                              for c in SUMMARY_COLUMNS})
    else:
        table = partial.sort_index().reset_index()
        table["std_cd"] = np.sqrt(table["m2"] / (table["points"] - 1)).where(table["points"] > 1)
        table = table[SUMMARY_COLUMNS]
        table["points"] = table["points"].astype("int64")
    return ConditionSummary(table, rows_read, rows_skipped, chunks)


def _partial(values: pd.DataFrame) -> pd.DataFrame:
    """count, mean, M2 (sum of squared deviations from the mean), min and max per condition."""
    grouped = values.groupby(["dose", "focus"])["cd"]
    part = grouped.agg(points="count", mean_cd="mean", min_cd="min", max_cd="max")
    deviations = values["cd"] - grouped.transform("mean")
    part["m2"] = (deviations ** 2).groupby([values["dose"], values["focus"]]).sum()
    return part


def _combine(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Merge two partials exactly: counts add, means weight, M2 adds plus the mean shift term."""
    a, b = a.align(b, join="outer")
    na, nb = a["points"].fillna(0), b["points"].fillna(0)
    mean_a, mean_b = a["mean_cd"].fillna(0.0), b["mean_cd"].fillna(0.0)
    n = na + nb
    delta = mean_b - mean_a
    out = pd.DataFrame(index=a.index)
    out["points"] = n
    out["mean_cd"] = mean_a + delta * nb / n
    out["m2"] = a["m2"].fillna(0.0) + b["m2"].fillna(0.0) + delta ** 2 * na * nb / n
    out["min_cd"] = np.fmin(a["min_cd"], b["min_cd"])
    out["max_cd"] = np.fmax(a["max_cd"], b["max_cd"])
    return out
