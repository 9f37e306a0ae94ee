"""The pytest plugin every graded test runs under (auto-loaded: ``pytest11`` entry point).

What a test author uses:

- ``@pytest.mark.points(N)``: what a graded test is worth. Graded tests live in
  ``chapters/NN-slug/tests/test_exNN_slug.py``; a module-level ``HINT`` string there is shown to
  a trainee whose exercise fails.
- the ``ex`` fixture: the exercise module under test, freshly imported from the selected
  implementation (``--impl solutions`` by default, ``exercises`` for a trainee's own work, or a
  path). A module that cannot be imported fails the test with the reason, not the session.
- ``load_exercise(chapter, name)`` for a test that needs another exercise's module.
- ``postgres_url`` / ``redis_url`` / ``amqp_url``: a live service, skipped with a reason when it
  is not there, failed instead when ``REQUIRE_SERVICES=1``. The only way a graded test reaches
  a service: in a sandbox they hand the submission its own confined instance.

What the grader uses: ``--grade-fd N`` streams one JSON record per test (and a ``start`` record
before each, a ``complete`` record at the end) to an inherited pipe; ``--grade-cpu S`` gives each
test a CPU-time budget; once collection is over ``--grade-redis`` starts a private Redis,
``--grade-seccomp`` forbids new processes and ``--sandbox POLICY.json`` installs the audit hook
(see ``confine`` and ``sandbox``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import signal
import socket
import sys
import time
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qs, urlsplit

import pytest

from grading.layout import Implementation, chapter_of, exercise_of_test

_IMPL_KEY = pytest.StashKey[Implementation]()
_CHANNEL_KEY = pytest.StashKey[object]()
_INTEGRITY_KEY = pytest.StashKey[object]()
_CPU_KEY = pytest.StashKey[float]()
_channel = None  # the record pipe (sandbox.Channel) of this pytest process, when graded


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grading", "course grading")
    group.addoption(
        "--impl",
        default=os.environ.get("COURSE_IMPL", "solutions"),
        help="exercise implementation to test: solutions (default), exercises, or a directory",
    )
    group.addoption("--grade-fd", type=int, default=None,
                    help="stream one JSON record per graded test to this inherited descriptor")
    group.addoption("--sandbox", default=None, help="confine exercise code by this policy file")
    group.addoption("--grade-cpu", type=float, default=None,
                    help="CPU seconds each test may use (the process's, all threads)")
    group.addoption("--grade-seccomp", action="store_true",
                    help="refuse new processes once the tests run (Linux seccomp)")
    group.addoption("--grade-redis", action="store_true",
                    help="start a private Redis on this process's loopback for redis_url")
    group.addoption(
        "--grade-manifest", default=None, help="write the graded tests (points, hints) as JSON"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Chapter demos are packages named chNN_demo inside chapters/NN-slug/demo: unique names, so
    every chapter's demo is importable in the one pytest process that runs the whole suite, and
    from conftest files, which load before ``pytest_configure``."""
    for demo in sorted(early_config.rootpath.glob("chapters/*/demo")):
        if str(demo) not in sys.path:
            sys.path.append(str(demo))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): points this graded test is worth")
    config.addinivalue_line("markers", "services: needs a live local service (PostgreSQL, Redis…)")
    config.stash[_IMPL_KEY] = Implementation.named(config.getoption("impl"), config.rootpath)
    fd = config.getoption("grade_fd")
    if fd is not None:
        # Opened now, before any exercise code runs; see sandbox.Channel.
        from grading.sandbox import Channel

        global _channel
        _channel = Channel(fd)


def _write_record(record: dict) -> None:
    if _channel is not None:
        _channel.send(record)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Collection is over: start what the tests need, then confine what runs from now on."""
    config = session.config
    if config.getoption("grade_redis"):
        from grading.services import start_private_redis

        scratch = Path(os.environ.get("TMPDIR", "/tmp"))
        session.stash[_REDIS_KEY] = start_private_redis(scratch / "redis")
        os.environ["TEST_REDIS_URL"] = "redis://127.0.0.1:6379/0"
    if _channel is not None:
        session.stash[_INTEGRITY_KEY] = Integrity()
    if config.getoption("grade_seccomp"):
        from grading.confine import install_seccomp

        install_seccomp()
    policy = config.getoption("sandbox")
    if policy:
        from grading import sandbox

        sandbox.install(sandbox.Policy.load(Path(policy)), _channel)


_REDIS_KEY = pytest.StashKey[object]()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    integrity = session.stash.get(_INTEGRITY_KEY, None)
    if integrity is not None:
        integrity.check()
    _write_record({"complete": int(exitstatus)})


class Integrity:
    """Identity of every function and class of pytest, pluggy and the grader, taken before the
    exercise code runs; a change afterwards (a patched ``_record``, ``TestReport`` method or
    hook caller) is reported as tampering."""

    PREFIXES = ("_pytest", "pluggy", "grading", "pytest")
    VOLATILE = {"_reprcompare", "_assertion_pass", "_channel"}

    def __init__(self) -> None:
        self.modules = {name: module for name, module in sys.modules.items()
                        if name.split(".")[0] in self.PREFIXES and module is not None}
        self.snapshot = self._take()
        self.reported = False

    def _take(self) -> dict[tuple[str, str], int]:
        seen: dict[tuple[str, str], int] = {}
        for name, module in self.modules.items():
            for attr, value in list(vars(module).items()):
                if attr in self.VOLATILE or not callable(value):
                    continue
                seen[(name, attr)] = id(value)
                if isinstance(value, type) and value.__module__ == name:
                    for key, member in list(vars(value).items()):
                        if callable(member) or isinstance(member, (classmethod, staticmethod)):
                            seen[(name, f"{attr}.{key}")] = id(member)
        return seen

    def check(self) -> None:
        if self.reported:
            return
        changed = [f"sys.modules[{name!r}]" for name, module in self.modules.items()
                   if sys.modules.get(name) is not module]
        if not changed:
            now = self._take()
            changed = [f"{name}.{attr}" for (name, attr), ident in self.snapshot.items()
                       if now.get((name, attr)) != ident]
            changed += [f"{name}.{attr}" for (name, attr) in now.keys() - self.snapshot.keys()]
        if changed:
            self.reported = True
            _write_record({"tamper": "pytest or grading internals were changed: "
                                     + ", ".join(sorted(changed)[:5])})


# --- CPU budget per test ------------------------------------------------------------------------

class CpuBudgetExceeded(pytest.fail.Exception):
    pass


def _on_cpu_budget(signum, frame) -> None:  # noqa: ARG001
    raise CpuBudgetExceeded("the test used more than its CPU time budget", pytrace=False)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):  # noqa: ARG001
    """Announce each test to the grader and give it a CPU budget.

    The budget counts this process's CPU time (every thread), not the wall clock, so a busy
    machine changes nothing. Python code over budget fails the test (``SIGPROF``); code stuck in
    C, which cannot be interrupted, is stopped by the kernel a little later (``RLIMIT_CPU``,
    ``SIGXCPU``), and the grader names the test that was running.
    """
    budget = item.config.getoption("grade_cpu")
    if _channel is not None:
        _write_record({"start": item.nodeid})
    if budget:
        signal.signal(signal.SIGPROF, _on_cpu_budget)
        signal.setitimer(signal.ITIMER_PROF, budget)
        _arm_rlimit(budget + 2)
    try:
        return (yield)
    finally:
        if budget:
            signal.setitimer(signal.ITIMER_PROF, 0)


def _arm_rlimit(seconds: float) -> None:
    used = time.process_time()
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    target = int(used + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        target = min(target, hard)
    if target > soft or soft == resource.RLIM_INFINITY or target < soft:
        from grading import sandbox

        sandbox.set_cpu_limit(target, hard)


def pytest_collection_finish(session: pytest.Session) -> None:
    path = session.config.getoption("grade_manifest")
    if path:
        entries = [_identity(item) for item in session.items]
        Path(path).write_text(json.dumps([e for e in entries if e is not None], indent=1))


def load_exercise(chapter: str, name: str, config: pytest.Config | None = None) -> ModuleType:
    """Import exercise ``name`` of ``chapter`` from the selected implementation, fresh each call."""
    impl = config.stash[_IMPL_KEY] if config else Implementation.named(
        os.environ.get("COURSE_IMPL", "solutions"), Path.cwd()
    )
    path = impl.path(chapter, name)
    if not path.is_file():
        pytest.fail(f"{name}: no file {path.name} in {chapter} of {impl.describe()}", pytrace=False)
    module_name = f"course_impl.{chapter.replace('-', '_')}.{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # a trainee's crash at import is a failed test
        sys.modules.pop(module_name, None)
        pytest.fail(f"{name} could not be imported: {type(exc).__name__}: {exc}", pytrace=False)
    return module


@pytest.fixture
def ex(request: pytest.FixtureRequest) -> ModuleType:
    """The exercise this test file grades (``test_ex03_x.py`` grades ``ex03_x``)."""
    chapter = chapter_of(request.path)
    exercise = exercise_of_test(request.path)
    if not (chapter and exercise):
        pytest.fail(f"{request.path.name} does not grade an exercise", pytrace=False)
    return load_exercise(chapter, exercise, request.config)


# --- live services ------------------------------------------------------------------------------

def _service_url(env_names: tuple[str, ...], default: str) -> str:
    for name in env_names:
        if os.environ.get(name):
            return os.environ[name]
    return default


def _require_service(label: str, url: str) -> str:
    parts = urlsplit(url)
    socket_dir = parse_qs(parts.query).get("host", [""])[0]
    try:
        if socket_dir.startswith("/"):  # a Unix socket (the grader's private PostgreSQL)
            where = socket_dir
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(1.0)
                sock.connect(os.path.join(socket_dir, f".s.PGSQL.{parts.port or 5432}"))
            return url
        host, port = parts.hostname or "127.0.0.1", parts.port
        where = f"{host}:{port}"
        with socket.create_connection((host, port), timeout=1.0):
            return url
    except OSError as exc:
        reason = f"{label} not reachable at {where} ({exc.strerror or exc})"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}; REQUIRE_SERVICES=1 demands it", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def postgres_url() -> str:
    """SQLAlchemy URL of a PostgreSQL database for tests (``TEST_DATABASE_URL`` overrides).

    Graded in a sandbox, this is the submission's own unprivileged role and database on the
    grader's private cluster, reached through a Unix socket.
    """
    url = _service_url(("TEST_DATABASE_URL",), "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    return _require_service("PostgreSQL", url)


@pytest.fixture
def redis_url() -> str:
    """URL of a Redis database for tests; in a sandbox, a private server on its own loopback."""
    return _require_service("Redis", _service_url(("TEST_REDIS_URL",), "redis://127.0.0.1:6379/15"))


@pytest.fixture
def amqp_url() -> str:
    url = _service_url(("TEST_AMQP_URL",), "amqp://guest:guest@127.0.0.1:5672//")
    return _require_service("RabbitMQ", url)


# --- result records -----------------------------------------------------------------------------

def _points(item: pytest.Item) -> float:
    marker = item.get_closest_marker("points")
    return float(marker.args[0]) if marker and marker.args else 0.0


def _message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        text = crash.message
    elif isinstance(report.longrepr, tuple):  # skipped: (file, line, reason)
        text = f"skipped: {report.longrepr[2]}"
    else:
        text = str(report.longrepr or "")
    return text.strip()[:600]


_OUTCOMES_KEY = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    phases = item.stash.setdefault(_OUTCOMES_KEY, {})
    phases[report.when] = report
    if report.when == "teardown":
        record = _record(item, phases)
        if record is not None:
            _write_record(record)
        integrity = item.session.stash.get(_INTEGRITY_KEY, None)
        if integrity is not None:
            integrity.check()
    return report


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A graded test module that cannot be collected costs its exercise: record why."""
    if not report.failed:
        return
    path = Path(report.fspath)
    exercise, chapter = exercise_of_test(path), chapter_of(path)
    if exercise and chapter:
        _write_record({
            "nodeid": report.nodeid, "chapter": chapter, "exercise": exercise,
            "name": "<collection>", "points": 0.0, "passed": False, "outcome": "error",
            "message": _last_line(str(report.longrepr or "")),
            "duration": 0.0, "hint": "",
        })


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1][:600] if lines else ""


def _identity(item: pytest.Item) -> dict | None:
    """Which exercise a test grades, and for how much; None for tests that grade nothing."""
    chapter, exercise = chapter_of(item.path), exercise_of_test(item.path)
    if not (exercise and chapter):
        return None
    return {
        "nodeid": item.nodeid,
        "chapter": chapter,
        "exercise": exercise,
        "name": item.name,
        "points": _points(item),
        "line": item.location[1] or 0,
        "hint": getattr(getattr(item, "module", None), "HINT", ""),
    }


def _record(item: pytest.Item, phases: dict) -> dict | None:
    record = _identity(item)
    if record is None:
        return None
    failed = next((r for r in phases.values() if r.failed), None)
    skipped = next((r for r in phases.values() if r.skipped), None)
    call = phases.get("call")
    passed = failed is None and call is not None and call.passed
    source = failed or skipped
    return {
        **record,
        "passed": passed,
        # A skipped graded test earns nothing: max points stay the same for every submission.
        "outcome": "passed" if passed else ("failed" if failed else "skipped"),
        "message": _message(source) if source else "",
        "duration": sum(r.duration for r in phases.values()),
    }
