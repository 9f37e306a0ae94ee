"""The pytest plugin every graded test runs under (auto-loaded: ``pytest11`` entry point).

What a test author uses:

- ``@pytest.mark.points(N)``: what a graded test is worth. Graded tests live in
  ``chapters/NN-slug/tests/test_exNN_slug.py``; a module-level ``HINT`` string there is shown to
  a trainee whose exercise fails.
- the ``ex`` fixture: the exercise module under test, freshly imported from the selected
  implementation (``--impl solutions`` by default, ``exercises`` for a trainee's own work, or a
  path). A module that cannot be imported fails the test with the reason, not the session.
- ``load_exercise(chapter, name)`` for a test that needs another exercise's module.
- ``postgres_url`` / ``redis_url`` / ``amqp_url``: a live local service, skipped with a reason
  when it is not there, failed instead when ``REQUIRE_SERVICES=1``.

What the grader uses: ``--grade-report FILE`` writes one JSON line per graded test, and
``--sandbox POLICY.json`` confines the exercise code once collection is over (see ``sandbox``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest

from grading.layout import Implementation, chapter_of, exercise_of_test

# The runner appends this file to every sandboxed run: one test that must fail and one that must
# pass. A report that says otherwise was produced by code that tampered with pytest.
CANARY_FILE = "test_grading_canary.py"
CANARY = "__canary__"

_IMPL_KEY = pytest.StashKey[Implementation]()
_report = None  # the open --grade-report file, one per pytest process


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grading", "course grading")
    group.addoption(
        "--impl",
        default=os.environ.get("COURSE_IMPL", "solutions"),
        help="exercise implementation to test: solutions (default), exercises, or a directory",
    )
    group.addoption("--grade-report", default=None, help="write one JSON line per graded test")
    group.addoption("--sandbox", default=None, help="confine exercise code by this policy file")
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
    report_path = config.getoption("grade_report")
    if report_path:
        # Opened now, before any exercise code runs, so the sandbox can refuse every later open.
        global _report
        _report = open(report_path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115


def pytest_unconfigure(config: pytest.Config) -> None:  # noqa: ARG001
    global _report
    if _report is not None:
        _report.close()
        _report = None


def _write_record(record: dict) -> None:
    if _report is not None:
        _report.write(json.dumps(record) + "\n")


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    policy = session.config.getoption("sandbox")
    if policy:
        from grading import sandbox

        sandbox.install(sandbox.Policy.load(Path(policy)))


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
    except Exception as exc:  # a trainee's syntax error or crash at import is a failed test
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
    host, port = parts.hostname or "127.0.0.1", parts.port
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return url
    except OSError as exc:
        reason = f"{label} not reachable at {host}:{port} ({exc.strerror or exc})"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}; REQUIRE_SERVICES=1 demands it", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def postgres_url() -> str:
    """SQLAlchemy URL of the local PostgreSQL test database (``TEST_DATABASE_URL`` overrides)."""
    url = _service_url(("TEST_DATABASE_URL",), "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    return _require_service("PostgreSQL", url)


@pytest.fixture
def redis_url() -> str:
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
    if item.path.name == CANARY_FILE:
        chapter = exercise = CANARY
    else:
        chapter, exercise = chapter_of(item.path), exercise_of_test(item.path)
    if not (exercise and chapter):
        return None
    return {
        "nodeid": item.nodeid,
        "chapter": chapter,
        "exercise": exercise,
        "name": item.name,
        "points": _points(item),
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
