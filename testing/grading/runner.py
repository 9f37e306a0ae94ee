"""Run the instructor's graded tests against one implementation tree and collect the results.

Tests run in subprocesses, one *unit* at a time (a chapter for trusted trees, an exercise for
submissions), several units in parallel. Every unit has a wall-clock budget on top of
pytest-timeout's per-test limit; a unit that exceeds it is killed with its whole process group,
and the tests it did not report cost their points with a message saying why. Whatever happens
inside a unit, the run goes on and a report is written.

A submission is graded in a temporary copy: the instructor's tests and chapter demos, the
submission's exercise files (nothing else of it), a scratch folder, and the sandbox policy that the
plugin installs once collection is done (see ``sandbox``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from grading.layout import Course, Exercise, Implementation, LayoutError
from grading.plugin import CANARY, CANARY_FILE
from grading.sandbox import Policy

CANARY_SOURCE = '''"""Written by the grader: a report that inverts these two was tampered with."""


def test_canary_fails():
    assert 1 == 2, "this test must fail"


def test_canary_passes():
    assert 1 == 1
'''

PASSED_ENV = ("PATH", "LANG", "LC_ALL", "REQUIRE_SERVICES", "TEST_DATABASE_URL", "TEST_REDIS_URL",
              "TEST_AMQP_URL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


@dataclass
class TestResult:
    name: str
    points: float
    passed: bool
    message: str = ""
    outcome: str = "failed"
    duration: float = 0.0

    @property
    def earned(self) -> float:
        return self.points if self.passed else 0.0

    def to_dict(self) -> dict:
        return {"name": self.name, "passed": self.passed, "points": self.earned,
                "max_points": self.points, "message": self.message, "outcome": self.outcome,
                "duration": round(self.duration, 3)}


@dataclass
class ExerciseResult:
    chapter: str
    exercise: str
    hint: str = ""
    tests: list[TestResult] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(t.earned for t in self.tests)

    @property
    def max_points(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def solved(self) -> bool:
        return bool(self.tests) and all(t.passed for t in self.tests)

    @property
    def first_failure(self) -> TestResult | None:
        return next((t for t in self.tests if not t.passed), None)

    def to_dict(self) -> dict:
        return {"exercise": self.exercise, "points": self.points, "max_points": self.max_points,
                "hint": self.hint, "tests": [t.to_dict() for t in self.tests]}


@dataclass
class GradeResult:
    submission: str
    exercises: list[ExerciseResult]
    duration: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(e.points for e in self.exercises)

    @property
    def max_points(self) -> float:
        return sum(e.max_points for e in self.exercises)

    def chapters(self) -> dict[str, list[ExerciseResult]]:
        grouped: dict[str, list[ExerciseResult]] = {}
        for result in self.exercises:
            grouped.setdefault(result.chapter, []).append(result)
        return grouped

    def to_dict(self) -> dict:
        return {
            "submission": self.submission,
            "points": self.points,
            "max_points": self.max_points,
            "duration": round(self.duration, 2),
            "problems": self.problems,
            "chapters": [
                {"chapter": chapter,
                 "points": sum(e.points for e in items),
                 "max_points": sum(e.max_points for e in items),
                 "exercises": [e.to_dict() for e in items]}
                for chapter, items in self.chapters().items()
            ],
        }


@dataclass
class Settings:
    test_timeout: float = 10.0      # per test, enforced inside the subprocess by pytest-timeout
    unit_timeout: float = 60.0      # per unit, enforced from outside by killing the process group
    jobs: int = max(1, os.cpu_count() or 1)
    memory_limit: int = 6 * 2**30   # address space of a grading subprocess, bytes


ProgressFn = Callable[[ExerciseResult], None]


class Runner:
    """Grades one implementation tree against the instructor's tests in ``course``."""

    def __init__(self, course: Course, settings: Settings | None = None):
        self.course = course
        self.settings = settings or Settings()
        self._collected: dict[tuple, dict[str, list[dict]]] = {}

    # --- what is graded -----------------------------------------------------------------------

    def collect(self, cwd: Path, files: list[Path]) -> dict[str, list[dict]]:
        """The graded tests in ``files`` with their points and hints, by exercise key.

        Collection imports the instructor's test modules and the chapter demos, never exercise
        code (the ``ex`` fixture loads that at run time), so it runs unsandboxed. Node ids are
        relative to ``cwd``: sandboxes built alike share one collection.
        """
        key = (str(cwd.name), tuple(str(f.relative_to(cwd)) for f in files))
        if key not in self._collected:
            with tempfile.TemporaryDirectory(prefix="grade-collect-") as tmp:
                out = Path(tmp) / "manifest.json"
                proc = subprocess.run(
                    [sys.executable, "-m", "pytest", "--collect-only", "-q",
                     "-p", "no:cacheprovider", f"--grade-manifest={out}", *map(str, files)],
                    cwd=cwd, capture_output=True, text=True, timeout=300,
                )
                if proc.returncode not in (0, 5) or not out.exists():
                    raise LayoutError("could not collect the instructor's tests:\n"
                                      + proc.stdout[-3000:])
                grouped: dict[str, list[dict]] = {}
                for entry in json.loads(out.read_text()):
                    grouped.setdefault(f"{entry['chapter']}/{entry['exercise']}", []).append(entry)
                self._collected[key] = grouped
        return self._collected[key]

    def planned(self) -> dict[str, list[dict]]:
        """Every graded test of the whole course, collected once per runner."""
        return self.collect(self.course.root, [e.test_file for e in self.course.exercises()])

    # --- running --------------------------------------------------------------------------------

    def run_trusted(self, impl: str, chapter: str | None = None,
                    progress: ProgressFn | None = None) -> GradeResult:
        """Grade ``solutions`` or the trainee's own ``exercises`` in place, a chapter a process."""
        started = time.monotonic()
        exercises = self.course.exercises(chapter)
        results = self._run_units(
            _group(exercises, by_chapter=True), lambda unit: self._run_in_place(unit, impl),
            self.planned(), progress,
        )
        return GradeResult(impl, results, time.monotonic() - started)

    def grade_submission(self, submission: Path, chapter: str | None = None,
                         extra_tests: Path | None = None,
                         progress: ProgressFn | None = None) -> GradeResult:
        """Grade a trainee's copy in a sandbox, one exercise per process."""
        started = time.monotonic()
        exercises = self.course.exercises(chapter)
        problems = _submission_problems(submission, exercises)
        with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
            box = Sandbox.build(Path(tmp), self.course, submission, exercises, extra_tests)
            files = [f for group in box.test_files.values() for f in group]
            planned = self.collect(box.work, files)
            results = self._run_units(
                _group(exercises, by_chapter=False), box.runner_for(self), planned, progress
            )
        return GradeResult(str(submission), results, time.monotonic() - started, problems)

    def _run_units(self, units: list[list[Exercise]],
                   run: Callable[[list[Exercise]], list[dict]],
                   planned: dict[str, list[dict]],
                   progress: ProgressFn | None) -> list[ExerciseResult]:
        by_key: dict[str, ExerciseResult] = {}
        with ThreadPoolExecutor(max_workers=self.settings.jobs) as pool:
            for unit, records in zip(units, pool.map(run, units), strict=True):
                for exercise in unit:
                    result = _assemble(exercise, planned.get(exercise.key, []), records)
                    by_key[exercise.key] = result
                    if progress:
                        progress(result)
        return [by_key[e.key] for unit in units for e in unit]

    def _run_in_place(self, unit: list[Exercise], impl: str) -> list[dict]:
        with tempfile.TemporaryDirectory(prefix="grade-unit-") as tmp:
            report = Path(tmp) / "report.jsonl"
            args = [f"--impl={impl}", *(str(e.test_file) for e in unit)]
            return self.execute(args, cwd=self.course.root, report=report, scratch=Path(tmp))

    def execute(self, args: list[str], cwd: Path, report: Path, scratch: Path,
                sandbox: Path | None = None) -> list[dict]:
        """Run pytest in a subprocess with a budget; return its records (plus any crash record)."""
        report.touch()
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        env.update(HOME=str(scratch), TMPDIR=str(scratch), PYTHONDONTWRITEBYTECODE="1",
                   MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
        command = [
            sys.executable, "-m", "pytest", "-q", "--tb=short", "-p", "no:cacheprovider",
            "-p", "no:xdist", f"--timeout={self.settings.test_timeout}",
            f"--grade-report={report}", f"--basetemp={scratch / 'basetemp'}",
        ]
        if sandbox is not None:
            command.append(f"--sandbox={sandbox}")
        command += args
        limit = self.settings.memory_limit
        proc = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=lambda: _limit_resources(limit),
        )
        try:
            output, _ = proc.communicate(timeout=self.settings.unit_timeout)
            crashed = None
            if proc.returncode not in (0, 1):  # 0 all passed, 1 some failed
                crashed = _explain_exit(proc.returncode, output.decode(errors="replace"))
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            crashed = (f"ran longer than the {self.settings.unit_timeout:.0f}s budget and was "
                       "stopped (an endless loop or a blocking call?)")
        records = _read_records(report)
        if crashed:
            records.append({"crash": crashed})
        return records


@dataclass
class Sandbox:
    """The temporary tree a submission is graded in."""

    root: Path
    work: Path
    impl: Path
    policy: Path
    scratch: Path
    test_files: dict[str, list[Path]]

    @classmethod
    def build(cls, root: Path, course: Course, submission: Path, exercises: list[Exercise],
              extra_tests: Path | None) -> Sandbox:
        work, impl, scratch = root / "work", root / "impl", root / "scratch"
        for folder in (work, impl, scratch):
            folder.mkdir()
        shutil.copy2(course.root / "pyproject.toml", work / "pyproject.toml")
        source = Implementation(submission) if submission.is_dir() else None
        test_files: dict[str, list[Path]] = {}
        for chapter in sorted({e.chapter for e in exercises}):
            src = course.chapters_dir / chapter
            dst = work / "chapters" / chapter
            shutil.copytree(src / "tests", dst / "tests",
                            ignore=shutil.ignore_patterns("__pycache__", "extra"))
            if (src / "demo").is_dir():
                shutil.copytree(src / "demo", dst / "demo",
                                ignore=shutil.ignore_patterns("__pycache__", "instance", "*.db"))
            (dst / "tests" / CANARY_FILE).write_text(CANARY_SOURCE)
        for exercise in exercises:
            files = [work / "chapters" / exercise.chapter / "tests" / exercise.test_file.name]
            for extra in _extra_files(extra_tests, exercise):
                target = work / "chapters" / exercise.chapter / "tests" / "extra" / extra.name
                target.parent.mkdir(exist_ok=True)
                shutil.copy2(extra, target)
                files.append(target)
            test_files[exercise.key] = files
            if source is not None:
                _copy_exercise(source.path(exercise.chapter, exercise.name),
                               impl / exercise.chapter / f"{exercise.name}.py")
        policy = root / "policy.json"
        # The public tests stay readable (tests may read their own data files at run time);
        # private tests, the instructor's checkout and the submission's other files do not.
        Policy(
            scratch=str(scratch),
            allowed_roots=[str(impl), str(work), str(course.root / "testing"),
                           str(course.root / "projects")],
            denied_roots=[str(course.root), str(submission.resolve()),
                          *(str(p) for p in work.glob("chapters/*/tests/extra")),
                          *([str(extra_tests.resolve())] if extra_tests else [])],
        ).dump(policy)
        return cls(root, work, impl, policy, scratch, test_files)

    def runner_for(self, runner: Runner) -> Callable[[list[Exercise]], list[dict]]:
        def run(unit: list[Exercise]) -> list[dict]:
            (exercise,) = unit
            tag = exercise.key.replace("/", "__")
            scratch = self.scratch / tag
            scratch.mkdir()
            canary = self.work / "chapters" / exercise.chapter / "tests" / CANARY_FILE
            records = runner.execute(
                [f"--impl={self.impl}", *map(str, self.test_files[exercise.key]), str(canary)],
                cwd=self.work, report=self.root / f"{tag}.jsonl", scratch=scratch,
                sandbox=self.policy,
            )
            return _check_canary(records)
        return run


# --- helpers ------------------------------------------------------------------------------------

def _group(exercises: list[Exercise], by_chapter: bool) -> list[list[Exercise]]:
    if not by_chapter:
        return [[e] for e in exercises]
    units: dict[str, list[Exercise]] = {}
    for exercise in exercises:
        units.setdefault(exercise.chapter, []).append(exercise)
    return list(units.values())


def _extra_files(extra_tests: Path | None, exercise: Exercise) -> list[Path]:
    """Private tests: ``DIR/NN-slug/test_exNN_slug.py`` add to that exercise's tests."""
    if extra_tests is None:
        return []
    if not extra_tests.is_dir():
        raise LayoutError(f"--extra-tests {extra_tests} is not a folder")
    return sorted((extra_tests / exercise.chapter).glob(f"test_{exercise.name}.py"))


def _copy_exercise(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # Only regular files: a symlink could point at the instructor's solutions.
    if source.is_file() and not source.is_symlink():
        shutil.copyfile(source, target)


def _submission_problems(submission: Path, exercises: list[Exercise]) -> list[str]:
    """Plain-language reasons a submission scores less than it may expect, before running it."""
    if not submission.exists():
        return [f"{submission} does not exist"]
    if not submission.is_dir():
        return [f"{submission} is not a folder"]
    impl = Implementation(submission)
    missing = [e.key for e in exercises if not impl.path(e.chapter, e.name).is_file()]
    if len(missing) == len(exercises) and exercises:
        return [f"no exercise files found in {submission}: expected chapters/NN-slug/exercises/"
                "exNN_slug.py (or NN-slug/exercises/..., or NN-slug/exNN_slug.py)"]
    return [f"missing {key}.py" for key in missing]


def _assemble(exercise: Exercise, planned: list[dict], records: list[dict]) -> ExerciseResult:
    """Match the run's records to the planned tests; an unreported test failed, with the reason."""
    crash = next((r["crash"] for r in records if "crash" in r), None)
    void = next((r["void"] for r in records if "void" in r), None)
    mine = [r for r in records if r.get("chapter") == exercise.chapter
            and r.get("exercise") == exercise.name]
    reported = {r["nodeid"]: r for r in mine if "nodeid" in r}
    collection = next((r for r in mine if r.get("name") == "<collection>"), None)
    hint = next((p["hint"] for p in planned if p.get("hint")), "")
    result = ExerciseResult(exercise.chapter, exercise.name, hint)
    for entry in planned:
        record = reported.get(entry["nodeid"])
        if void:
            test = TestResult(entry["name"], entry["points"], False, void, "error")
        elif record is not None and record.get("name") != "<collection>":
            test = TestResult(entry["name"], entry["points"], bool(record["passed"]),
                              record.get("message", ""), record.get("outcome", "failed"),
                              record.get("duration", 0.0))
        else:
            reason = ((collection or {}).get("message") or crash
                      or "the test did not report a result")
            test = TestResult(entry["name"], entry["points"], False, reason, "error")
        result.tests.append(test)
    return result


def _check_canary(records: list[dict]) -> list[dict]:
    """Turn a run whose canary lies into a run that scores nothing."""
    canary = {r["name"]: r for r in records if r.get("exercise") == CANARY}
    if not canary:
        # Without the canary nothing vouches for the records that did arrive.
        crash = next((r["crash"] for r in records if "crash" in r),
                     "the test process ended before it reported every result "
                     "(did the exercise exit the interpreter?)")
        records.append({"void": crash})
        return records
    honest = (canary.get("test_canary_fails", {}).get("passed") is False
              and canary.get("test_canary_passes", {}).get("passed") is True)
    if not honest:
        records.append({"void": "the exercise code interfered with the test run "
                                    "(pytest's reports were altered); no points"})
    return records


def _read_records(report: Path) -> list[dict]:
    records = []
    for line in report.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def _explain_exit(code: int, output: str) -> str:
    if code < 0:
        return f"the test process was killed by signal {signal.Signals(-code).name}"
    tail = " ".join(output.strip().splitlines()[-3:])[:400]
    return f"the test process exited early with code {code}: {tail}"


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def _limit_resources(memory: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (512 * 2**20, 512 * 2**20))
