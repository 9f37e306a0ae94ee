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
    raise NotImplementedError(
        "map the header, read with usecols and chunksize, fold each chunk into a per-condition "
        "partial"
    )
