"""Time ex04's row loop against the vectorised version on the same FEM rows.

    .venv/bin/python chapters/09-services-and-litho/bench_vectorise.py [--rows N] [--impl DIR]

``--impl`` is ``exercises`` (your work, the default) or ``solutions``, or a folder holding
``ex04_vectorise.py``. Both versions run on the same rows, their results are compared, and
the best of ``--repeat`` runs of each is reported. Run it on a quiet machine: the numbers are
for reading, nothing is graded on them.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def load(impl: str):
    folder = {"exercises": HERE / "exercises",
              "solutions": ROOT / "solutions" / HERE.name}.get(impl, Path(impl))
    spec = importlib.util.spec_from_file_location("ex04_vectorise", folder / "ex04_vectorise.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def data(rows: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A FEM of 9 doses × 13 foci repeated to ``rows`` rows, CD with 0.3 nm noise; exact fits."""
    rng = np.random.default_rng(seed)
    doses = np.arange(20.0, 29.0)
    dose = rng.choice(doses, rows)
    focus = np.round(rng.choice(np.linspace(-0.3, 0.3, 13), rows), 6)
    cd = 45 - 45 * np.log(dose / 24) + 120 * focus**2 + rng.normal(0, 0.3, rows)
    fits = pd.DataFrame({"c0": 45 - 45 * np.log(doses / 24), "c1": 0.0, "c2": 120.0},
                        index=pd.Index(doses, name="dose"))
    return pd.DataFrame({"dose": dose, "focus": focus, "cd": cd}), fits


def best_time(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--impl", default="exercises")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ex = load(args.impl)
    fem, fits = data(args.rows)

    def slow():
        return ex.dose_summary_slow(ex.score_measurements_slow(fem, fits, 45.0, 10.0))

    def fast():
        return ex.dose_summary(ex.score_measurements(fem, fits, 45.0, 10.0))

    slow_s, expected = best_time(slow, 1)  # once: it is the slow one
    fast_s, got = best_time(fast, args.repeat)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9)
    print(f"rows: {args.rows:,}  ({args.impl})")
    print(f"iterrows loop:  {slow_s:8.3f} s  ({args.rows / slow_s:12,.0f} rows/s)")
    print(f"vectorised:     {fast_s:8.3f} s  ({args.rows / fast_s:12,.0f} rows/s)")
    print(f"speed-up:       {slow_s / fast_s:8.0f}x  (same results)")


if __name__ == "__main__":
    main()
