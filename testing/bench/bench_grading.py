"""Grading's costs, measured: ``make bench-grading``.

1. The sandbox's cost per unit: chapter CH (default 01) graded as a submission with and without
   the OS sandbox, one unit at a time; the difference divided by the number of units.
2. One submission against a plain run: the same chapter graded (``--jobs 2``) against
   ``pytest`` run once on the same test files and the same exercise files.
3. A class of ten copies graded with ``JOBS=2`` against ``JOBS=1``.

Each measurement alternates its two sides over ROUNDS rounds (default 3) so that a change in the
machine's load weighs on both alike, and reports the median. Targets (docs/grading.md): sandbox
<= 1 s per unit, submission <= 2x plain pytest, class with JOBS=2 <= 0.6 of sequential.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grading.cli import main
from grading.layout import Course, find_repo_root
from grading.runner import Runner, Settings

CH = os.environ.get("CH", "01")
ROUNDS = int(os.environ.get("ROUNDS", "3"))


def timed(action) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main_bench() -> int:
    course = Course(find_repo_root())
    exercises = course.exercises(CH)
    chapter = exercises[0].chapter
    units = len(exercises)
    submission = course.solutions_dir
    confined, unconfined = [], []
    with Runner(course, Settings(jobs=1)) as box, \
            Runner(course, Settings(jobs=1, confine=False)) as bare:
        if not box.confinement.confined:
            print(f"no OS sandbox here ({box.confinement.reason}); nothing to compare")
            return 1
        box.grade_submission(submission, CH)  # warm-up: collection, private services
        bare.grade_submission(submission, CH)
        for _ in range(ROUNDS):
            confined.append(timed(lambda: box.grade_submission(submission, CH)))
            unconfined.append(timed(lambda: bare.grade_submission(submission, CH)))
    per_unit = (statistics.median(confined) - statistics.median(unconfined)) / units
    print(f"load {load()}; chapter {chapter}, {units} units, {ROUNDS} rounds (median)")
    print(f"1. sandbox per unit: {per_unit:+.2f} s  (confined {statistics.median(confined):.2f} s"
          f", unconfined {statistics.median(unconfined):.2f} s, one unit at a time)")

    files = [str(e.test_file.relative_to(course.root)) for e in exercises]
    plain_cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                 "--impl=solutions", *files]
    graded, plain = [], []
    for _ in range(ROUNDS):
        with Runner(course, Settings(jobs=2)) as runner:  # collection included
            graded.append(timed(lambda runner=runner: runner.grade_submission(submission, CH)))
        plain.append(timed(lambda: subprocess.run(plain_cmd, cwd=course.root,
                                                  capture_output=True, check=True)))
    ratio = statistics.median(graded) / statistics.median(plain)
    print(f"2. one submission, jobs 2: {statistics.median(graded):.2f} s; plain pytest on the "
          f"same files: {statistics.median(plain):.2f} s; ratio {ratio:.2f}")

    with tempfile.TemporaryDirectory(prefix="bench-class-") as tmp:
        klass = Path(tmp) / "class"
        for index in range(10):
            shutil.copytree(submission / chapter, klass / f"trainee{index:02d}" / chapter)
        times = {1: [], 2: []}
        for _ in range(ROUNDS):
            for jobs in (1, 2):
                out = Path(tmp) / f"out{jobs}"
                argv = ["--root", str(course.root), "grade", "--class", str(klass), "--ch", CH,
                        "--out", str(out), "--jobs", str(jobs)]
                with open(os.devnull, "w") as quiet:  # noqa: PTH123
                    stdout, sys.stdout = sys.stdout, quiet
                    try:
                        times[jobs].append(timed(lambda argv=argv: main(argv)))
                    finally:
                        sys.stdout = stdout
    sequential, parallel = statistics.median(times[1]), statistics.median(times[2])
    print(f"3. class of 10: JOBS=1 {sequential:.1f} s, JOBS=2 {parallel:.1f} s; "
          f"ratio {parallel / sequential:.2f}")
    checks = [("sandbox per unit <= 1 s", per_unit <= 1.0),
              ("one submission <= 2x plain pytest", ratio <= 2.0),
              ("class JOBS=2 <= 0.6 x JOBS=1", parallel / sequential <= 0.6)]
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    print(f"load at the end {load()}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main_bench())
