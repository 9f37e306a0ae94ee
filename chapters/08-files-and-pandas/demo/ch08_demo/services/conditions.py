"""Per-condition summaries of a stored file, read in chunks: memory follows the chunk size and
the number of conditions, never the size of the file."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def summarise(chunks: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """points, mean, min and max CD per (Dose, Focus), folding one chunk at a time.

    Each chunk is reduced to a few numbers per condition and dropped; the running totals are
    added up with ``DataFrame.add`` on the (Dose, Focus) index. The mean is sum / points, which
    is exact to rounding; a standard deviation needs more care (``ex04_chunked_reading``).
    """
    totals: pd.DataFrame | None = None
    for chunk in chunks:
        grouped = chunk.groupby(["Dose", "Focus"])["CD"]
        part = grouped.agg(points="count", cd_sum="sum", min_cd="min", max_cd="max")
        if totals is None:
            totals = part
            continue
        both = totals.align(part, join="outer")
        totals = both[0][["points", "cd_sum"]].add(both[1][["points", "cd_sum"]], fill_value=0)
        totals["min_cd"] = both[0]["min_cd"].combine(both[1]["min_cd"], min_or_either)
        totals["max_cd"] = both[0]["max_cd"].combine(both[1]["max_cd"], max_or_either)
    if totals is None:
        return pd.DataFrame(columns=["dose", "focus", "points", "mean_cd", "min_cd", "max_cd"])
    table = totals.sort_index().reset_index()
    table["mean_cd"] = table["cd_sum"] / table["points"]
    table = table.rename(columns={"Dose": "dose", "Focus": "focus"})
    table["points"] = table["points"].astype("int64")
    return table[["dose", "focus", "points", "mean_cd", "min_cd", "max_cd"]]


def min_or_either(a: float, b: float) -> float:
    return b if pd.isna(a) else a if pd.isna(b) else min(a, b)


def max_or_either(a: float, b: float) -> float:
    return b if pd.isna(a) else a if pd.isna(b) else max(a, b)
