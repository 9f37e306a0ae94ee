"""The benchmark script runs end to end on its smallest size (no timing is asserted)."""

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_litho.py"


def test_benchmark_smallest_size():
    spec = importlib.util.spec_from_file_location("bench_litho", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    lines = []
    figures = bench.run(sizes=(153,), naive_sizes=(), out=lines.append)
    assert figures["engine"][153] > 0
    assert figures["read_csv"][153] > 0
    assert figures["peak_mb"][153] > 0
    assert lines[0].split() == ["rows", "full", "analysis", "s", "rows/s", "peak", "MB"]
    assert lines[1].split()[0] == "153"
    # Only the full-size run has targets to judge.
    assert figures["checks"] == {}
