"""Graded tests of ex04_chunked_reading: exact per-condition statistics at flat memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

HINT = (
    "Open pd.read_csv(path, usecols=..., chunksize=n) and, for each chunk, reduce it to one row "
    "per (dose, focus): count, mean, sum of squared deviations, min, max. Merge that into the "
    "running partial (counts add; means weight by count; M2 adds plus delta**2*na*nb/n) and "
    "let the chunk go."
)

DOSES = [21.0, 22.5, 24.0, 25.5]
FOCI = [-0.2, -0.1, 0.0, 0.1, 0.2]


def fem_frame(rows: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dose = rng.choice(DOSES, rows)
    focus = rng.choice(FOCI, rows)
    cd = 45 - 45 * np.log(dose / 24) - 150 * focus ** 2 + rng.normal(0, 0.4, rows)
    return pd.DataFrame({
        "Wafer_ID": [f"W{n % 25:02d}" for n in range(rows)],
        "Field": np.arange(rows) % 97 + 1,
        "Exposure": dose,
        "Defocus": focus,
        "CD": cd.round(3),
        "X": rng.uniform(-150, 150, rows).round(2),
        "Y": rng.uniform(-150, 150, rows).round(2),
    })


def expected(frame: pd.DataFrame) -> pd.DataFrame:
    grouped = frame.groupby(["Exposure", "Defocus"])["CD"]
    table = grouped.agg(points="count", mean_cd="mean", std_cd="std", min_cd="min",
                        max_cd="max").reset_index()
    return table.rename(columns={"Exposure": "dose", "Defocus": "focus"})


def write(frame: pd.DataFrame, path, **kwargs) -> str:
    frame.to_csv(path, index=False, **kwargs)
    return str(path)


@pytest.mark.points(3)
@pytest.mark.parametrize(("rows", "chunksize"), [(300, 7), (2000, 150), (2000, 10_000)])
def test_the_summary_is_exact_for_any_chunk_size(ex, tmp_path, rows, chunksize):
    frame = fem_frame(rows)
    summary = ex.summarise_by_condition(write(frame, tmp_path / "fem.csv"), chunksize=chunksize)
    assert list(summary.table.columns) == ex.SUMMARY_COLUMNS
    assert summary.chunks == -(-rows // chunksize), "read the file in chunks of chunksize rows"
    assert (summary.rows_read, summary.rows_skipped) == (rows, 0)
    assert summary.table["points"].dtype == np.int64
    pd.testing.assert_frame_equal(summary.table, expected(frame), check_exact=False, rtol=1e-9)


@pytest.mark.points(2)
def test_a_condition_split_across_chunks_and_single_points(ex, tmp_path):
    frame = pd.DataFrame({
        "dose": [24.0, 24.0, 22.0, 24.0, 26.0, 24.0, 22.0],
        "FOCUS": [0.0, 0.0, 0.1, 0.0, 0.1, 0.0, 0.1],
        "cd": [45.0, 46.0, 50.0, 44.0, 40.0, 47.0, 52.0],
    })
    summary = ex.summarise_by_condition(write(frame, tmp_path / "fem.csv"), chunksize=2)
    table = summary.table
    assert table[["dose", "focus", "points"]].values.tolist() == [
        [22.0, 0.1, 2], [24.0, 0.0, 4], [26.0, 0.1, 1],
    ]
    assert table["mean_cd"].tolist() == pytest.approx([51.0, 45.5, 40.0])
    assert table["std_cd"].iloc[0] == pytest.approx(np.std([50.0, 52.0], ddof=1))
    assert table["std_cd"].iloc[1] == pytest.approx(np.std([45, 46, 44, 47], ddof=1))
    assert np.isnan(table["std_cd"].iloc[2]), "one point has no sample standard deviation"
    assert (table["min_cd"].tolist(), table["max_cd"].tolist()) == (
        [50.0, 44.0, 40.0], [52.0, 47.0, 40.0]
    )
    assert list(table.index) == [0, 1, 2]


@pytest.mark.points(2)
def test_unusable_rows_are_skipped_and_counted(ex, tmp_path):
    path = tmp_path / "fem.csv"
    path.write_text(
        "Energy, Focus ,CD,Note\n"
        "24,0,45,a\n"
        "24,0,,b\n"          # CD missing
        "24,abc,45,c\n"      # focus not a number
        "0,0,45,d\n"         # dose not positive
        "-24,0,45,e\n"       # dose negative
        "24,0,nan,f\n"       # NaN
        "24,inf,45,g\n"      # infinite
        "24,0,47,h\n"
    )
    summary = ex.summarise_by_condition(str(path), chunksize=3)
    assert (summary.rows_read, summary.rows_skipped, summary.chunks) == (8, 6, 3)
    assert summary.table[["dose", "focus", "points", "mean_cd"]].values.tolist() == [
        [24.0, 0.0, 2, 46.0],
    ]


@pytest.mark.points(1)
def test_missing_columns_are_refused(ex, tmp_path):
    path = tmp_path / "fem.csv"
    path.write_text("Dose,CD\n24,45\n")
    with pytest.raises(ex.MissingColumns) as refused:
        ex.summarise_by_condition(str(path))
    assert "focus" in str(refused.value).lower()


def traced_peak(ex, path: str) -> int:
    tracemalloc.start()
    try:
        ex.summarise_by_condition(path, chunksize=2000)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.points(3)
def test_peak_memory_does_not_grow_with_the_file(ex, tmp_path):
    """Four times the rows, the same peak: what is held is a chunk, not the file.

    Memory, not time: tracemalloc counts the numpy and Python allocations pandas makes.
    """
    small = write(fem_frame(10_000), tmp_path / "small.csv")
    large = write(fem_frame(40_000), tmp_path / "large.csv")
    small_peak, large_peak = traced_peak(ex, small), traced_peak(ex, large)
    assert large_peak < 1.5 * small_peak + 200_000, (
        f"peak {small_peak / 1e6:.2f} MB for 10,000 rows, {large_peak / 1e6:.2f} MB for 40,000 "
        "rows: the file, or every chunk, is being kept"
    )
