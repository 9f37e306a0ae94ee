"""``python -m ch08_demo.measure_memory``: peak memory of a whole-file read and a chunked read.

Writes FEM files of growing size to a temporary folder and summarises each by (dose, focus)
twice: ``pd.read_csv(path)`` then ``groupby``, and ``services.conditions.summarise`` over
``read_csv(chunksize=...)``. Peaks are tracemalloc's: the Python and numpy allocations pandas
makes (the C tokenizer's own buffers and pyarrow's memory pool are not counted), measured, not
timed. Pass row counts to change the sizes: ``python -m ch08_demo.measure_memory 50000 200000``.
"""

from __future__ import annotations

import sys
import tempfile
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ch08_demo.services.conditions import summarise
from ch08_demo.services.validation import read_clean

CHUNK_ROWS = 50_000


def write_fem(path: Path, rows: int, seed: int = 8) -> None:
    """A FEM CSV of ``rows`` rows: 7 doses x 9 foci, CD from a Bossung model plus noise."""
    rng = np.random.default_rng(seed)
    dose = rng.choice(np.linspace(21.0, 27.0, 7), rows)
    focus = rng.choice(np.linspace(-0.2, 0.2, 9), rows)
    frame = pd.DataFrame({
        "Wafer_ID": np.char.add("W", (np.arange(rows) % 25).astype(str)),
        "Field": np.arange(rows) % 97 + 1,
        "Dose": dose,
        "Focus": focus,
        "CD": (45 - 45 * np.log(dose / 24) - 150 * focus**2 + rng.normal(0, 0.4, rows)).round(3),
        "X": rng.uniform(-150, 150, rows).round(2),
        "Y": rng.uniform(-150, 150, rows).round(2),
    })
    frame.to_csv(path, index=False)


def whole_file(path: Path) -> pd.DataFrame:
    return pd.read_csv(path).groupby(["Dose", "Focus"])["CD"].agg(["count", "mean"])


def chunked(path: Path) -> pd.DataFrame:
    return summarise(read_clean(path, CHUNK_ROWS))


def peak_mb(work: Callable[[Path], object], path: Path) -> float:
    tracemalloc.start()
    try:
        work(path)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [100_000, 400_000, 1_600_000]
    print(f"{'rows':>10} {'file MB':>8} {'whole-file peak MB':>19} {'chunked peak MB':>16}")
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            path = Path(folder) / f"fem_{rows}.csv"
            write_fem(path, rows)
            size = path.stat().st_size / 1e6
            print(f"{rows:>10} {size:>8.1f} {peak_mb(whole_file, path):>19.1f} "
                  f"{peak_mb(chunked, path):>16.1f}", flush=True)
            path.unlink()


if __name__ == "__main__":
    main(sys.argv[1:])
