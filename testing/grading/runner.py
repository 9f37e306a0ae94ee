"""Run the instructor's graded tests against one implementation tree and decide the results.

Tests run in subprocesses, one *unit* at a time (a chapter for trusted trees, an exercise for
submissions), several units in parallel. Where the machine offers it (``confine.probe``) each
unit runs in its own OS sandbox: bubblewrap namespaces, a cgroup holding all its processes
under one memory and process limit, seccomp against new processes, and the audit hook inside.

A unit reports over a pipe it inherits; nothing it writes anywhere else is read. Its records
are accepted only when the canaries planted among its tests (``canaries``) come back right, and
the reports are written by the caller only after every process of the unit is dead. Budgets
count CPU time (per test inside the unit, per unit from outside), so a busy machine changes no
grade; a wall-clock backstop, far above any honest run, only stops a unit that is stuck.
Whatever happens in a unit, that unit's exercises lose their points with a reason and the run
goes on.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from grading import canaries as canary_tests
from grading import confine
from grading.confine import SANDBOX_ROOT, Bubblewrap, Confinement, UnitCgroup
from grading.layout import Course, Exercise, Implementation, LayoutError
from grading.sandbox import Policy
from grading.services import PrivatePostgres, ServiceError

PASSED_ENV = ("PATH", "LANG", "LC_ALL", "REQUIRE_SERVICES", "TEST_DATABASE_URL", "TEST_REDIS_URL",
              "TEST_AMQP_URL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
CONFINED_ENV = ("LANG", "LC_ALL", "REQUIRE_SERVICES", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# Plugins graded tests never need, each costing a unit up to a second of start-up (hypothesis,
# schemathesis and anyio import their whole frameworks). The suite itself still loads them.
BLOCKED_PLUGINS = ("hypothesispytest", "schemathesis", "benchmark", "cookies", "locust",
                   "pytest_cov", "xdist", "xdist.looponfail", "anyio", "platformdirs")
NO_PLUGINS = [arg for name in BLOCKED_PLUGINS for arg in ("-p", f"no:{name}")]
IMPORT_FAILURE = (" could not be imported: ", ": no file ")


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
    flagged: str = ""       # why the exercise's points are withheld for an instructor's review
    cpu: float = 0.0        # CPU seconds of the unit that graded it

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
        data = {"exercise": self.exercise, "points": self.points, "max_points": self.max_points,
                "hint": self.hint, "cpu": round(self.cpu, 2),
                "tests": [t.to_dict() for t in self.tests]}
        if self.flagged:
            data["flagged"] = self.flagged
        return data


@dataclass
class GradeResult:
    submission: str
    exercises: list[ExerciseResult]
    duration: float = 0.0
    problems: list[str] = field(default_factory=list)
    confinement: dict = field(default_factory=dict)

    @property
    def points(self) -> float:
        return sum(e.points for e in self.exercises)

    @property
    def max_points(self) -> float:
        return sum(e.max_points for e in self.exercises)

    @property
    def flagged(self) -> list[ExerciseResult]:
        return [e for e in self.exercises if e.flagged]

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
            "confinement": self.confinement,
            "flagged": [f"{e.chapter}/{e.exercise}: {e.flagged}" for e in self.flagged],
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
    test_cpu: float = 10.0          # CPU seconds per test (the test process, all threads)
    unit_cpu: float = 60.0          # CPU seconds per unit (all its processes)
    wall: float = 600.0             # backstop per unit: only a stuck unit ever reaches it
    jobs: int = max(1, os.cpu_count() or 1)
    memory_limit: int = 2 * 2**30   # the whole unit (cgroup), else each process (RLIMIT_AS)
    pids_limit: int = 512           # processes and threads of a unit
    confine: bool = True            # use the OS sandbox where the machine offers one

    @property
    def test_wall(self) -> float:
        """pytest-timeout's per-test limit: a wall-clock backstop far above the CPU budget."""
        return max(60.0, 10 * self.test_cpu)


ProgressFn = Callable[[ExerciseResult], None]


@dataclass
class UnitRun:
    """What the grader saw of one unit: its records and how it ended."""

    records: list[dict]
    ended: str = ""            # why the unit did not finish normally ("" when it did)
    running: str | None = None  # the test that was running when it was stopped
    complete: bool = False     # the closing record arrived and the process exited normally
    garbled: int = 0
    exit_code: int | None = None
    cpu: float = 0.0
    tamper: list[str] = field(default_factory=list)


@dataclass
class UnitSpec:
    """How to run one unit."""

    exercises: list[Exercise]
    args: list[str]                       # pytest arguments (impl, test files)
    cwd: Path                             # as the unit sees it
    label: str                            # whose tree: a role and database per label
    binds: list[tuple[Path, str, bool]] = field(default_factory=list)
    policy: Path | None = None            # as the unit sees it
    scratch: Path | None = None           # unconfined only: the unit's scratch folder
    canaries: list[tuple[str, canary_tests.Canary]] = field(default_factory=list)
    services: set[str] = field(default_factory=set)


class Runner:
    """Grades one implementation tree against the instructor's tests in ``course``."""

    def __init__(self, course: Course, settings: Settings | None = None):
        self.course = course
        self.settings = settings or Settings()
        self._collected: dict[tuple, dict[str, list[dict]]] = {}
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.jobs)
        self.postgres = PrivatePostgres()

    @property
    def confinement(self) -> Confinement:
        return confine.probe() if self.settings.confine else confine.UNCONFINED

    @property
    def jobs(self) -> int:
        """Parallel units: as asked, but never more than the machine's memory holds."""
        asked = max(1, self.settings.jobs)
        try:
            with open("/proc/meminfo") as handle:  # noqa: PTH123
                info = dict(line.split(":", 1) for line in handle)
            available = int(info["MemAvailable"].split()[0]) * 1024
        except (OSError, KeyError, ValueError):
            return asked
        return max(1, min(asked, available // self.settings.memory_limit))

    def close(self) -> None:
        self.postgres.stop()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- what is graded -----------------------------------------------------------------------

    def collect(self, cwd: Path, files: list[Path]) -> dict[str, list[dict]]:
        """The graded tests in ``files`` with their points and hints, by exercise key.

        Collection imports the instructor's test modules and the chapter demos, never exercise
        code (the ``ex`` fixture loads that at run time), so it runs unsandboxed. Node ids are
        relative to ``cwd``: sandboxes built alike (same files, same contents) share one
        collection.
        """
        digest = hashlib.sha256()
        for path in sorted({*files, *(p for f in files for p in f.parent.glob("conftest.py"))}):
            digest.update(str(path.relative_to(cwd)).encode() + b"\0" + path.read_bytes())
        key = (str(cwd.name), tuple(str(f.relative_to(cwd)) for f in files), digest.hexdigest())
        with self._lock:
            if key in self._collected:
                return self._collected[key]
        with tempfile.TemporaryDirectory(prefix="grade-collect-") as tmp:
            out = Path(tmp) / "manifest.json"
            proc = subprocess.run(
                [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                 *NO_PLUGINS, f"--grade-manifest={out}", *map(str, files)],
                cwd=cwd, capture_output=True, text=True, timeout=300,
            )
            if proc.returncode not in (0, 5) or not out.exists():
                raise LayoutError("could not collect the instructor's tests:\n"
                                  + proc.stdout[-3000:])
            grouped: dict[str, list[dict]] = {}
            for entry in json.loads(out.read_text()):
                grouped.setdefault(f"{entry['chapter']}/{entry['exercise']}", []).append(entry)
        with self._lock:
            self._collected[key] = grouped
        return grouped

    def planned(self) -> dict[str, list[dict]]:
        """Every graded test of the whole course, collected once per runner."""
        return self.collect(self.course.root, [e.test_file for e in self.course.exercises()])

    # --- running --------------------------------------------------------------------------------

    def run_trusted(self, impl: str, chapter: str | None = None,
                    progress: ProgressFn | None = None) -> GradeResult:
        """Grade ``solutions`` or the trainee's own ``exercises`` in place, a chapter a unit."""
        started = time.monotonic()
        exercises = self.course.exercises(chapter)
        units = [self._trusted_unit(group, impl) for group in _group(exercises, True)]
        results = self._run_units(units, self.planned(), progress, trusted=True)
        return GradeResult(impl, results, time.monotonic() - started,
                           confinement=self.confinement.to_dict())

    def _trusted_unit(self, unit: list[Exercise], impl: str) -> UnitSpec:
        chapter = unit[0].chapter
        services = _services_used(self.course.chapters_dir / chapter / "tests")
        tests = [str(e.test_file.relative_to(self.course.root)) for e in unit]
        if not self.confinement.confined:
            return UnitSpec(unit, [f"--impl={impl}", *tests], self.course.root, impl,
                            services=services)
        source = Implementation.named(impl, self.course.root)
        impl_dir = source.path(chapter, "x").parent
        work = f"{SANDBOX_ROOT}/work"
        binds = [(self.course.root / "pyproject.toml", f"{work}/pyproject.toml", False),
                 (self.course.chapters_dir / chapter / "tests", f"{work}/chapters/{chapter}/tests",
                  False),
                 (impl_dir, f"{SANDBOX_ROOT}/impl/{chapter}", False)]
        demo = self.course.chapters_dir / chapter / "demo"
        if demo.is_dir():
            binds.append((demo, f"{work}/chapters/{chapter}/demo", False))
        return UnitSpec(unit, [f"--impl={SANDBOX_ROOT}/impl", *tests], Path(work), impl,
                        binds=binds, services=services)

    def grade_submission(self, submission: Path, chapter: str | None = None,
                         extra_tests: Path | None = None,
                         progress: ProgressFn | None = None,
                         exercise: str | None = None) -> GradeResult:
        """Grade a trainee's copy in a sandbox, one exercise per unit (or only ``exercise``)."""
        started = time.monotonic()
        exercises = [e for e in self.course.exercises(chapter)
                     if exercise is None or e.name == exercise]
        if not exercises:
            raise LayoutError(f"no exercise {exercise!r} in {chapter or 'the course'}")
        problems = _submission_problems(submission, exercises)
        root = Path(tempfile.mkdtemp(prefix="grade-"))
        try:
            box = Staging.build(root, self, submission, exercises, extra_tests)
            results = self._run_units(box.units, box.planned, progress, trusted=False)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        return GradeResult(str(submission), results, time.monotonic() - started, problems,
                           self.confinement.to_dict())

    def _run_units(self, units: list[UnitSpec], planned: dict[str, list[dict]],
                   progress: ProgressFn | None, trusted: bool) -> list[ExerciseResult]:
        by_key: dict[str, ExerciseResult] = {}

        def run(unit: UnitSpec) -> list[ExerciseResult]:
            try:
                with self._slots:
                    outcome = self.execute(unit)
            except Exception as exc:  # noqa: BLE001 - a unit's failure is never the run's
                outcome = UnitRun([], ended=f"the grader could not run this unit: "
                                           f"{type(exc).__name__}: {exc}")
            return [decide(e, planned.get(e.key, []), outcome, unit.canaries, trusted)
                    for e in unit.exercises]

        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            for _unit, results in zip(units, pool.map(run, units), strict=True):
                for result in results:
                    by_key[f"{result.chapter}/{result.exercise}"] = result
                    if progress:
                        progress(result)
        return [by_key[e.key] for unit in units for e in unit.exercises]

    # --- one unit -------------------------------------------------------------------------------

    def execute(self, unit: UnitSpec) -> UnitRun:
        """Run one unit to its end (every process of it dead) and return what it reported."""
        settings, confinement = self.settings, self.confinement
        read_end, write_end = os.pipe()
        os.set_inheritable(write_end, True)
        command = [
            sys.executable, "-m", "pytest", "-q", "--tb=short", "-p", "no:cacheprovider",
            *NO_PLUGINS, f"--timeout={settings.test_wall:g}", f"--grade-fd={write_end}",
            f"--grade-cpu={settings.test_cpu:g}",
        ]
        binds = list(unit.binds)
        cleanup: list[Path] = []
        if confinement.confined:
            env = {k: os.environ[k] for k in CONFINED_ENV if k in os.environ}
            env.update(PATH="/usr/bin:/bin", HOME="/tmp", TMPDIR="/tmp", MPLBACKEND="Agg",
                       MPLCONFIGDIR="/tmp/matplotlib", PYTHONDONTWRITEBYTECODE="1",
                       PYTHONUNBUFFERED="1")
            command.append("--basetemp=/tmp/basetemp")
            if confinement.seccomp:
                command.append("--grade-seccomp")
            if "redis" in unit.services:
                command.append("--grade-redis")
            if "postgres" in unit.services:
                try:
                    database = self.postgres.database(unit.label)
                    binds.append((database.socket_dir, confine.POSTGRES_SOCKET_DIR, False))
                    env["TEST_DATABASE_URL"] = database.url()
                except ServiceError as exc:
                    env["TEST_DATABASE_URL"] = "postgresql+psycopg://none@/none?host=/nonexistent"
                    env["GRADE_SERVICE_ERROR"] = str(exc)
        else:
            scratch = unit.scratch or Path(tempfile.mkdtemp(prefix="grade-unit-"))
            if unit.scratch is None:
                cleanup.append(scratch)
            env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
            env.update(HOME=str(scratch), TMPDIR=str(scratch), PYTHONDONTWRITEBYTECODE="1",
                       MPLBACKEND="Agg", PYTHONUNBUFFERED="1",
                       MPLCONFIGDIR=str(scratch / "matplotlib"))
            command.append(f"--basetemp={scratch / 'basetemp'}")
        if unit.policy is not None:
            command.append(f"--sandbox={unit.policy}")
        command += unit.args

        cgroup = None
        if confinement.confined and confinement.limits == "cgroup-v1":
            cgroup = UnitCgroup(settings.memory_limit, settings.pids_limit)
        if confinement.confined:
            argv = Bubblewrap(unit.cwd, binds, env).argv(command)
            popen_env, cwd = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, "/"
        else:
            argv, popen_env, cwd = command, env, str(unit.cwd)
        limits = _Limits(settings, cgroup, per_process_memory=cgroup is None)
        run = UnitRun([])
        started = time.monotonic()
        try:
            proc = subprocess.Popen(
                argv, cwd=cwd, env=popen_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, pass_fds=(write_end,),
                preexec_fn=limits.apply,
            )
        finally:
            os.close(write_end)
        lines: list[bytes] = []
        output = bytearray()
        readers = [threading.Thread(target=_drain, args=(read_end, lines), daemon=True),
                   threading.Thread(target=_drain_output, args=(proc.stdout, output), daemon=True)]
        for reader in readers:
            reader.start()
        status = rusage = None
        try:
            while True:
                pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                used = cgroup.cpu_seconds() if cgroup else _process_cpu(proc.pid)
                if used > settings.unit_cpu + 2:
                    run.ended = (f"used more than the unit's {settings.unit_cpu:g} s CPU budget "
                                 "and was stopped")
                    break
                if time.monotonic() - started > settings.wall:
                    run.ended = (f"made no progress for {settings.wall:g} s (wall clock) and "
                                 "was stopped: an endless wait or a swallowed timeout?")
                    break
                time.sleep(0.05)
        finally:
            # Every process of the unit dies before a single record is believed.
            if cgroup is not None:
                cgroup.kill()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            if status is None:
                _, status, rusage = os.wait4(proc.pid, 0)
            proc.returncode = _returncode(status)
            for reader in readers:
                reader.join(timeout=10)
            os.close(read_end)
            if cgroup is not None:
                run.cpu = cgroup.cpu_seconds()
                oom = cgroup.out_of_memory()
                cgroup.remove()
            else:
                run.cpu = rusage.ru_utime + rusage.ru_stime if rusage else 0.0
                oom = False
            for path in cleanup:
                shutil.rmtree(path, ignore_errors=True)
        run.exit_code = proc.returncode
        _parse(run, lines)
        text = output.decode(errors="replace")
        if not run.ended:
            if oom:
                run.ended = (f"ran out of memory (the unit's limit is "
                             f"{settings.memory_limit / 2**30:g} GiB for all its processes)")
            elif proc.returncode in (-signal.SIGXCPU, 128 + signal.SIGXCPU):
                run.ended = f"used more than its {settings.test_cpu:g} s CPU budget per test"
            elif proc.returncode not in (0, 1):
                run.ended = _explain_exit(proc.returncode, text)
        if run.ended.startswith("exited early") and "bwrap:" in text:
            run.ended = f"the sandbox could not start: {text.strip()[-300:]}"
        run.complete = run.complete and not run.ended
        return run


class _Limits:
    """Applied in the child between fork and exec (bubblewrap or pytest)."""

    def __init__(self, settings: Settings, cgroup: UnitCgroup | None, per_process_memory: bool):
        self.settings, self.cgroup, self.per_process_memory = settings, cgroup, per_process_memory
        self.prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None

    def apply(self) -> None:
        if self.prctl is not None:
            self.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: die with the grader
        if self.cgroup is not None:
            self.cgroup.join()
        cpu = int(self.settings.unit_cpu) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (512 * 2**20, 512 * 2**20))
        if self.per_process_memory:
            memory = max(self.settings.memory_limit, 3 * 2**30)  # address space, not resident
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


# --- staging a submission -----------------------------------------------------------------------

@dataclass
class Staging:
    """The temporary tree a submission is graded from, and its units."""

    root: Path
    units: list[UnitSpec]
    planned: dict[str, list[dict]]

    @classmethod
    def build(cls, root: Path, runner: Runner, submission: Path, exercises: list[Exercise],
              extra_tests: Path | None) -> Staging:
        course, confined = runner.course, runner.confinement.confined
        work, impl = root / "work", root / "impl"
        work.mkdir()
        impl.mkdir()
        shutil.copy2(course.root / "pyproject.toml", work / "pyproject.toml")
        source = Implementation(submission) if submission.is_dir() else None
        files: dict[str, list[Path]] = {}
        for chapter in sorted({e.chapter for e in exercises}):
            src, dst = course.chapters_dir / chapter, work / "chapters" / chapter
            shutil.copytree(src / "tests", dst / "tests",
                            ignore=shutil.ignore_patterns("__pycache__", "extra"))
            if (src / "demo").is_dir():
                shutil.copytree(src / "demo", dst / "demo",
                                ignore=shutil.ignore_patterns("__pycache__", "instance", "*.db"))
            (impl / chapter).mkdir()
        for exercise in exercises:
            tests = work / "chapters" / exercise.chapter / "tests"
            files[exercise.key] = [tests / exercise.test_file.name]
            for extra in _extra_files(extra_tests, exercise):
                target = tests / "extra" / extra.name
                target.parent.mkdir(exist_ok=True)
                shutil.copy2(extra, target)
                files[exercise.key].append(target)
            if source is not None:
                _copy_exercise(source.path(exercise.chapter, exercise.name),
                               impl / exercise.chapter / f"{exercise.name}.py")
        planned = runner.collect(work, [f for group in files.values() for f in group])
        rng = random.SystemRandom()
        units = []
        for exercise in exercises:
            planted = []
            for path in files[exercise.key]:
                nodeid = str(path.relative_to(work))
                planted += [(f"{nodeid}::{c.name}", c) for c in canary_tests.plant(path, rng)]
            units.append((exercise, planted))
        confine.share_with_sandbox(work)
        confine.share_with_sandbox(impl)
        label = str(submission.resolve())
        specs = []
        for exercise, planted in units:
            chapter = exercise.chapter
            services = _services_used(work / "chapters" / chapter / "tests")
            rel_tests = [str(p.relative_to(work)) for p in files[exercise.key]]
            if confined:
                specs.append(cls._confined_unit(root, exercise, planted, rel_tests, label,
                                                services))
            else:
                specs.append(cls._unconfined_unit(root, course, submission, extra_tests,
                                                  exercise, planted, rel_tests, label, services))
        return cls(root, specs, planned)

    @staticmethod
    def _confined_unit(root: Path, exercise: Exercise, planted, rel_tests: list[str],
                       label: str, services: set[str]) -> UnitSpec:
        chapter, base = exercise.chapter, f"{SANDBOX_ROOT}/work"
        staged = root / "work" / "chapters" / chapter
        binds = [(root / "work" / "pyproject.toml", f"{base}/pyproject.toml", False),
                 (staged / "tests", f"{base}/chapters/{chapter}/tests", False),
                 (root / "impl" / chapter, f"{SANDBOX_ROOT}/impl/{chapter}", False)]
        if (staged / "demo").is_dir():
            binds.append((staged / "demo", f"{base}/chapters/{chapter}/demo", False))
        extra_dir = staged / "tests" / "extra"
        if extra_dir.is_dir():
            # Only this exercise's private tests: the others' are covered by an empty folder.
            unit_extra = Path(tempfile.mkdtemp(prefix="extra-", dir=root))
            for rel in rel_tests:
                if "/extra/" in rel:
                    shutil.copy2(root / "work" / rel, unit_extra / Path(rel).name)
            confine.share_with_sandbox(unit_extra)
            binds.append((unit_extra, f"{base}/chapters/{chapter}/tests/extra", False))
        policy_file = Path(tempfile.mkstemp(prefix="policy-", suffix=".json", dir=root)[1])
        Policy(
            scratch="/tmp",
            allowed_roots=[SANDBOX_ROOT, *(str(r) for r in confine.editable_roots())],
            denied_roots=[f"{base}/chapters/{chapter}/tests/extra"],
            hidden_roots=[f"{base}/chapters/{chapter}/tests"],
            submission_roots=[f"{SANDBOX_ROOT}/impl"],
        ).dump(policy_file)
        confine.share_with_sandbox(policy_file)
        binds.append((policy_file, f"{SANDBOX_ROOT}/policy.json", False))
        return UnitSpec([exercise], [f"--impl={SANDBOX_ROOT}/impl", *rel_tests], Path(base),
                        label, binds=binds, policy=Path(f"{SANDBOX_ROOT}/policy.json"),
                        canaries=planted, services=services)

    @staticmethod
    def _unconfined_unit(root: Path, course: Course, submission: Path, extra_tests: Path | None,
                         exercise: Exercise, planted, rel_tests: list[str], label: str,
                         services: set[str]) -> UnitSpec:
        work, impl = root / "work", root / "impl"
        scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=root))
        policy_file = Path(tempfile.mkstemp(prefix="policy-", suffix=".json", dir=root)[1])
        # The public tests stay readable as data (not as source once they run); private
        # tests, the instructor's checkout and the submission's other files do not.
        Policy(
            scratch=str(scratch),
            allowed_roots=[str(impl), str(work), *(str(r) for r in confine.editable_roots())],
            denied_roots=[str(course.root), str(submission.resolve()),
                          *(str(p) for p in work.glob("chapters/*/tests/extra")),
                          *([str(extra_tests.resolve())] if extra_tests else [])],
            hidden_roots=[str(p) for p in work.glob("chapters/*/tests")],
            submission_roots=[str(impl)],
        ).dump(policy_file)
        return UnitSpec([exercise], [f"--impl={impl}", *rel_tests], work, label,
                        policy=policy_file, scratch=scratch, canaries=planted, services=services)


# --- deciding -----------------------------------------------------------------------------------

def decide(exercise: Exercise, planned: list[dict], run: UnitRun,
           canaries: list[tuple[str, canary_tests.Canary]], trusted: bool) -> ExerciseResult:
    """The exercise's result from its unit's records, believed only as far as they are vouched
    for; tampering withholds every point and flags the exercise for review."""
    hint = next((p["hint"] for p in planned if p.get("hint")), "")
    result = ExerciseResult(exercise.chapter, exercise.name, hint, cpu=run.cpu)
    records = {}
    duplicates, unknown = 0, []
    known = {p["nodeid"] for p in planned} | {nodeid for nodeid, _ in canaries}
    collection = None
    for record in run.records:
        if "nodeid" not in record:
            continue
        if record.get("name") == "<collection>":
            if record.get("exercise") == exercise.name:
                collection = record
            continue
        if record["nodeid"] in records:
            duplicates += 1
        elif record["nodeid"] not in known and record.get("exercise") == exercise.name:
            unknown.append(record["nodeid"])
        records[record["nodeid"]] = record
    flags = list(run.tamper)
    if duplicates or unknown or run.garbled:
        flags.append("the record stream held results no test produced "
                     f"({duplicates} repeated, {len(unknown)} unknown, {run.garbled} garbled"
                     + (f": {unknown[0]}" if unknown else "") + ")")
    if not trusted and not run.ended and not run.complete:
        flags.append("the test process ended before the run was complete (os._exit?)")
    files = list(dict.fromkeys(n.split("::")[0] for n in
                               [p["nodeid"] for p in planned] + [c for c, _ in canaries]))
    vouched = None  # records of tests placed up to this position are believed
    import_failed = False
    if not trusted and canaries:
        wrong, last_good = [], (-1, 0)
        for nodeid, canary in sorted(canaries, key=lambda c: _position(c[0], c[1].after_line,
                                                                      files)):
            record = records.get(nodeid)
            if record is None:
                if not run.ended:
                    wrong.append(f"{canary.name} unreported")
                break
            passed = bool(record.get("passed"))
            excused = (canary.passes and not passed
                       and any(m in record.get("message", "") for m in IMPORT_FAILURE))
            import_failed |= excused
            if passed != canary.passes and not excused:
                wrong.append(canary.name)
                break
            last_good = _position(nodeid, canary.after_line, files)
        if wrong:
            flags.append("checks planted among the tests came back wrong: pytest's results "
                         "were altered")
        vouched = last_good if run.ended else None
    for entry in planned:
        record = records.get(entry["nodeid"])
        believed = record is not None and (
            vouched is None
            or _position(entry["nodeid"], entry.get("line", 0) + 1, files) <= vouched)
        if flags:
            test = TestResult(entry["name"], entry["points"], False,
                              "points withheld for review: " + flags[0], "flagged")
        elif believed and not import_failed:
            test = TestResult(entry["name"], entry["points"], bool(record["passed"]),
                              record.get("message", ""), record.get("outcome", "failed"),
                              record.get("duration", 0.0))
        elif believed:
            test = TestResult(entry["name"], entry["points"], False,
                              record.get("message", "") if not record.get("passed")
                              else "the exercise could not be imported", "failed")
        else:
            reason = (collection or {}).get("message") or _stopped(run, entry)
            test = TestResult(entry["name"], entry["points"], False, reason, "error")
        result.tests.append(test)
    if flags:
        result.flagged = "; ".join(dict.fromkeys(flags))
    return result


def _position(nodeid: str, line: int, files: list[str]) -> tuple[int, int]:
    """Where a test runs: its file's place among the unit's files, then its line."""
    return files.index(nodeid.split("::")[0]), line


def _stopped(run: UnitRun, entry: dict) -> str:
    if not run.ended:
        return ("the test process ended before it reported every result "
                "(did the exercise exit the interpreter?)")
    if run.running == entry["nodeid"]:
        return f"this test {run.ended}"
    if run.running:
        name = run.running.rsplit("::", 1)[-1]
        return f"not graded: the exercise's run was stopped while {name} ran ({run.ended})"
    return f"the exercise's run {run.ended}"


def _parse(run: UnitRun, lines: list[bytes]) -> None:
    finished: set[str] = set()
    for line in b"".join(lines).split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            run.garbled += 1
            continue
        if not isinstance(record, dict):
            run.garbled += 1
        elif "tamper" in record:
            run.tamper.append(f"tampering: {record['tamper']}")
        elif "start" in record:
            run.running = record["start"]
        elif "complete" in record:
            run.complete = run.exit_code in (0, 1)
        else:
            run.records.append(record)
            finished.add(record.get("nodeid", ""))
    if run.running in finished:
        run.running = None


def _drain(fd: int, into: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return
        if not chunk:
            return
        into.append(chunk)


def _drain_output(stream, into: bytearray) -> None:
    for chunk in iter(lambda: stream.read1(65536), b""):
        into.extend(chunk)
        del into[:-65536]


def _process_cpu(pid: int) -> float:
    """CPU seconds of a process and its waited-for children (from /proc, Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = sum(int(v) for v in fields[11:15])
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _returncode(status: int) -> int:
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _services_used(tests_dir: Path) -> set[str]:
    """Which private services a chapter's tests ask for (by fixture name)."""
    text = " ".join(p.read_text(errors="replace") for p in tests_dir.rglob("*.py"))
    return {name for name, fixture in (("postgres", "postgres_url"), ("redis", "redis_url"))
            if fixture in text}


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


def _explain_exit(code: int, output: str) -> str:
    if code < 0:
        return f"was killed by signal {signal.Signals(-code).name}"
    tail = " ".join(output.strip().splitlines()[-3:])[:400]
    return f"exited early with code {code}: {tail}"
