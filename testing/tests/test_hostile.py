"""A determined trainee's attacks, one test each: the attacked exercise scores 0 (or is flagged
for review), the rest of the submission grades exactly, nothing outside the report folder
changes, no process outlives grading, and in a class run the other submissions are untouched.

Each hostile exercise would earn its points only if its attack worked: on its own it is wrong.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import uuid
from pathlib import Path

import pytest

from grading import confine
from grading.cli import main
from grading.layout import Course
from grading.runner import GradeResult, Runner, Settings

pytestmark = pytest.mark.skipif(not confine.probe().confined,
                                reason=f"no OS sandbox here: {confine.probe().reason}")

OTHERS = {"ex02_in_spec": 4, "ex03_mean_cd": 3}


def tree_digest(*roots: Path) -> dict[str, str]:
    found = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def survivors(token: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if token.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture
def attack(course: Course, runner: Runner, make_submission, solution, tmp_path: Path):
    """Grade a submission whose ex01_scale is ``source`` (the rest solved); check containment."""

    def run(source: str, token: str = "", grader: Runner | None = None,
            exercise: str = "ex01_scale") -> GradeResult:
        sources = {name: solution(name) for name in ("ex01_scale", *OTHERS) if name != exercise}
        sources[exercise] = source.replace("TOKEN", token or "none")
        submission = make_submission("hostile", **sources)
        watched = [course.root, submission.parent]
        before = tree_digest(*watched)
        result = (grader or runner).grade_submission(submission)
        expected = {"ex01_scale": 3, **OTHERS}
        expected[exercise] = 0
        assert {e.exercise: e.points for e in result.exercises} == expected, _explain(result)
        assert tree_digest(*watched) == before, "a file outside OUT changed"
        if token:
            assert survivors(token) == [], "a process of the submission outlived grading"
        return result

    return run


def _explain(result: GradeResult) -> str:
    return "; ".join(f"{e.exercise}: {e.flagged or [t.message for t in e.tests]}"
                     for e in result.exercises)


def message(result: GradeResult, exercise: str = "ex01_scale") -> str:
    (found,) = [e for e in result.exercises if e.exercise == exercise]
    return " ".join([found.flagged, *(t.message for t in found.tests)])


def flagged(result: GradeResult) -> list[str]:
    return [e.exercise for e in result.flagged]


# --- forging results ----------------------------------------------------------------------------

def test_replacing_the_plugins_record_function_is_flagged(attack):
    result = attack("""import grading.plugin as plugin


def _forged(item, phases):
    return {**plugin._identity(item), "passed": True, "outcome": "passed", "message": "",
            "duration": 0.0}


plugin._record = _forged


def scale(cd_nm, factor):
    raise NotImplementedError
""")
    assert flagged(result) == ["ex01_scale"]


def test_patching_test_reports_while_sparing_the_canary_is_flagged(attack):
    result = attack("""import _pytest.reports as reports

_original = reports.TestReport.from_item_and_call.__func__


def _forged(cls, item, call):
    report = _original(cls, item, call)
    if "canary" not in item.nodeid:
        report.outcome, report.longrepr = "passed", None
    return report


reports.TestReport.from_item_and_call = classmethod(_forged)


def scale(cd_nm, factor):
    raise NotImplementedError
""")
    assert flagged(result) == ["ex01_scale"]


def test_patching_pytest_through_sys_modules_is_flagged(attack):
    result = attack("""import sys

runner = sys.modules["_pytest.runner"]
_original = runner.call_and_report


def _forged(item, when, log=True, **kwargs):
    report = _original(item, when, log, **kwargs)
    report.outcome, report.longrepr = "passed", None
    return report


runner.call_and_report = _forged


def scale(cd_nm, factor):
    raise NotImplementedError
""")
    assert flagged(result) == ["ex01_scale"]


def test_writing_passing_records_then_exiting_is_flagged(attack, course):
    result = attack("""import json
import os
import sys

FD = next(int(a.split("=")[1]) for a in sys.argv if a.startswith("--grade-fd="))
BASE = "chapters/01-sample/tests/test_ex01_scale.py::"


def scale(cd_nm, factor):
    for name, points in (("test_scale_by_one", 1), ("test_scale_by_two", 2)):
        record = {"nodeid": BASE + name, "chapter": "01-sample", "exercise": "ex01_scale",
                  "name": name, "points": points, "passed": True, "outcome": "passed",
                  "message": "", "duration": 0.0, "hint": "", "line": 0}
        os.write(FD, (json.dumps(record) + "\\n").encode())
    os.write(FD, b'{"complete": 0}\\n')
    os._exit(0)
""")
    assert flagged(result) == ["ex01_scale"]


def test_walking_the_garbage_collector_is_flagged(attack):
    result = attack("""import gc


def scale(cd_nm, factor):
    for obj in gc.get_objects():
        if type(obj).__name__ == "TestReport":
            obj.outcome = "passed"
    raise NotImplementedError
""")
    assert flagged(result) == ["ex01_scale"]
    assert "gc.get_objects" in message(result)


def test_inspecting_frames_is_flagged(attack):
    result = attack("""import sys


def scale(cd_nm, factor):
    frame = sys._getframe(1)
    while frame is not None and "item" not in frame.f_locals:
        frame = frame.f_back
    raise NotImplementedError
""")
    assert flagged(result) == ["ex01_scale"]


def test_a_detached_child_cannot_outlive_grading_or_rewrite_reports(attack, tmp_path, token):
    out = tmp_path / "out"
    out.mkdir()
    (out / "grade.json").write_text("{}")
    result = attack(f"""import os
import subprocess

SCRIPT = "sleep 3; echo forged > {out}/grade.json; echo forged > {out}/results.json"


def scale(cd_nm, factor):
    for launch in (
        lambda: subprocess.Popen(["sh", "-c", SCRIPT, "TOKEN"], start_new_session=True),
        lambda: os.fork() or os.execv("/bin/sh", ["sh", "-c", SCRIPT, "TOKEN"]),
    ):
        try:
            launch()
        except OSError:
            pass
    raise NotImplementedError
""", token)
    assert (out / "grade.json").read_text() == "{}"
    assert result.exercises[0].points == 0


# --- reading the answers ------------------------------------------------------------------------

def _exec_answer(reader: str) -> str:
    return reader + """

def scale(cd_nm, factor):
    scope = {}
    exec(read_answer(), scope)
    return scope["scale"](cd_nm, factor)
"""


@pytest.fixture
def answer(course: Course) -> Path:
    return course.solutions_dir / "01-sample" / "ex01_scale.py"


def test_reading_the_solution_through_fork_exec_fails(attack, answer):
    attack(_exec_answer(f"""import _posixsubprocess
import os


def read_answer():
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    _posixsubprocess.fork_exec(
        [b"/bin/cat", b"{answer}"], [b"/bin/cat"], True, (), None, None,
        -1, -1, -1, out_w, err_r, err_w, -1, -1, False, False, None, None, None, -1, None,
        False,
    )
    os.close(out_w)
    return os.read(out_r, 100000).decode()
"""))


def test_reading_the_solution_through_ctypes_fails(attack, answer):
    attack(_exec_answer(f"""import ctypes


def read_answer():
    libc = ctypes.CDLL(None)
    fd = libc.open(b"{answer}", 0)
    buffer = ctypes.create_string_buffer(100000)
    size = libc.read(fd, buffer, 100000)
    return buffer.raw[:max(size, 0)].decode()
"""))


def test_reading_the_solution_through_chdir_symlink_and_dir_fd_fails(attack, answer):
    attack(_exec_answer(f"""import os
import tempfile


def read_answer():
    attempts = []
    scratch = tempfile.mkdtemp()
    try:
        os.symlink("{answer.parent}", os.path.join(scratch, "link"))
        attempts.append(os.path.join(scratch, "link", "ex01_scale.py"))
    except OSError:
        pass
    try:
        os.chdir("{answer.parent}")
        attempts.append("ex01_scale.py")
    except OSError:
        pass
    try:
        folder = os.open("{answer.parent.parent}", os.O_RDONLY)
        fd = os.open("01-sample/ex01_scale.py", os.O_RDONLY, dir_fd=folder)
        return os.read(fd, 100000).decode()
    except OSError:
        pass
    for path in attempts:
        try:
            with open(path) as handle:
                return handle.read()
        except OSError:
            pass
    raise LookupError("no way in")
"""))


def test_the_graders_environment_does_not_leak(attack, monkeypatch):
    secret = f"instructor-token-{uuid.uuid4().hex}"
    monkeypatch.setenv("INSTRUCTOR_TOKEN", secret)
    attack(f"""import os
from pathlib import Path


def scale(cd_nm, factor):
    seen = [str(os.environ)]
    for proc in Path("/proc").iterdir():
        try:
            seen.append((proc / "environ").read_text(errors="replace"))
        except OSError:
            pass
    for pid in (os.getppid(), 1):
        try:
            seen.append(Path(f"/proc/{{pid}}/environ").read_text(errors="replace"))
        except OSError:
            pass
    if "{secret}" in " ".join(seen):
        return cd_nm * factor
    raise LookupError("no token")
""")


def test_the_network_is_unreachable(attack):
    attack("""import socket


def scale(cd_nm, factor):
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.sendto(b"answers please", ("192.0.2.1", 53))
    socket.create_connection(("192.0.2.1", 80), timeout=1)
    return cd_nm * factor
""")


# --- resources ----------------------------------------------------------------------------------

@pytest.fixture
def token() -> str:
    return f"hostile-{uuid.uuid4().hex}"


def test_fifty_detached_sleepers_do_not_survive(attack, token):
    result = attack("""import os
import subprocess


def scale(cd_nm, factor):
    for _ in range(50):
        try:
            subprocess.Popen(["sleep", "1000", "TOKEN"], start_new_session=True)
        except OSError:
            pass
        try:
            if os.fork() == 0:
                os.setsid()
                os.execv("/bin/sleep", ["sleep", "1000", "TOKEN"])
        except OSError:
            pass
    raise NotImplementedError
""", token)
    assert result.exercises[0].tests[0].passed is False


def test_memory_is_limited_for_the_whole_unit(attack, course):
    with Runner(course, Settings(test_cpu=3, unit_cpu=12, jobs=2,
                                 memory_limit=768 * 2**20)) as grader:
        result = attack("""import threading

HELD = []


def _hold():
    HELD.append(bytearray(500 * 2**20))
    for block in HELD:
        block[::4096] = b"x" * len(block[::4096])


def scale(cd_nm, factor):
    workers = [threading.Thread(target=_hold) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return cd_nm * factor
""", grader=grader)
    assert "memory" in message(result)


def test_a_catastrophic_regex_in_every_exercise_costs_only_its_budget(course, make_submission):
    regex = ("import re\n\n\ndef {name}(*args):\n"
             "    re.match(r'(a+)+$', 'a' * 64 + 'b')\n")
    submission = make_submission(**{name: regex.format(name=function) for name, function in (
        ("ex01_scale", "scale"), ("ex02_in_spec", "in_spec"), ("ex03_mean_cd", "mean_cd"))})
    with Runner(course, Settings(test_cpu=2, unit_cpu=12, jobs=2)) as grader:
        result = grader.grade_submission(submission)
    assert result.points == 0
    for exercise in result.exercises:
        assert "CPU" in " ".join(t.message for t in exercise.tests)
        # Stuck in C code, each unit is stopped by the kernel a little after its test budget.
        assert exercise.cpu < 2 + 5, f"{exercise.exercise} used {exercise.cpu:.1f} s of CPU"


def test_an_existing_scratch_name_does_not_crash_the_run(attack):
    attack("""import os
import tempfile

for name in ("01-sample__ex01_scale", "01-sample__ex02_in_spec", "01-sample__ex03_mean_cd"):
    os.makedirs(os.path.join(tempfile.gettempdir(), name), exist_ok=True)


def scale(cd_nm, factor):
    raise NotImplementedError
""")


# --- a class ------------------------------------------------------------------------------------

def test_a_class_run_keeps_submissions_apart(course: Course, solution, tmp_path: Path, capsys):
    klass = tmp_path / "class"
    for name in ("alice", "bob", "mallory"):
        shutil.copytree(course.chapters_dir, klass / name / "chapters")
    def exercise_file(name: str, exercise: str) -> Path:
        return klass / name / "chapters" / "01-sample" / "exercises" / f"{exercise}.py"

    for exercise in ("ex01_scale", "ex02_in_spec", "ex03_mean_cd"):
        exercise_file("alice", exercise).write_text(solution(exercise))
    exercise_file("bob", "ex02_in_spec").write_text(solution("ex02_in_spec"))
    exercise_file("mallory", "ex01_scale").write_text(f"""import os
import signal
from pathlib import Path

ALICE = Path({str(exercise_file("alice", "ex01_scale"))!r})
BOB = Path({str(exercise_file("bob", "ex02_in_spec"))!r})


def scale(cd_nm, factor):
    for action in (lambda: BOB.write_text("def in_spec(*a):\\n    return None\\n"),
                   lambda: os.kill(os.getppid(), signal.SIGKILL),
                   lambda: os.killpg(0, signal.SIGKILL)):
        try:
            action()
        except OSError:
            pass
    scope = {{}}
    exec(ALICE.read_text(), scope)
    return scope["scale"](cd_nm, factor)
""")
    before = tree_digest(course.root, klass)
    out = tmp_path / "grades"
    assert main(["--root", str(course.root), "grade", "--class", str(klass), "--out", str(out),
                 "--timeout", "3", "--jobs", "2"]) == 0
    rows = {r["submission"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert {n: rows[n]["points"] for n in rows} == {"alice": "10", "bob": "4", "mallory": "0"}
    assert tree_digest(course.root, klass) == before
    assert (out / "report" / "index.html").is_file()


# --- services -----------------------------------------------------------------------------------

SERVICE_TEST = '''import pytest

HINT = "Write the value, read it back."


@pytest.mark.points(2)
def test_postgres_roundtrip(ex, postgres_url):
    assert ex.store_pg(postgres_url, 24.5) == 24.5


@pytest.mark.points(2)
def test_redis_roundtrip(ex, redis_url):
    assert ex.store_redis(redis_url, "24.5") == "24.5"
'''
SERVICE_SOLUTION = '''import redis
from sqlalchemy import create_engine, text


def store_pg(url, dose):
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE doses (dose float)"))
        conn.execute(text("INSERT INTO doses VALUES (:d)"), {"d": dose})
        return conn.execute(text("SELECT dose FROM doses")).scalar_one()


def store_redis(url, value):
    store = redis.Redis.from_url(url)
    store.set("dose", value)
    return store.get("dose").decode()
'''


@pytest.fixture
def service_course(own_course: Course) -> Course:
    chapter = own_course.chapters_dir / "02-services"
    (chapter / "tests").mkdir(parents=True)
    (chapter / "exercises").mkdir()
    (chapter / "tests" / "test_ex01_store.py").write_text(SERVICE_TEST)
    (chapter / "exercises" / "ex01_store.py").write_text(
        "def store_pg(url, dose):\n    raise NotImplementedError\n\n\n"
        "def store_redis(url, value):\n    raise NotImplementedError\n")
    (own_course.solutions_dir / "02-services").mkdir()
    (own_course.solutions_dir / "02-services" / "ex01_store.py").write_text(SERVICE_SOLUTION)
    return own_course


needs_servers = pytest.mark.skipif(
    shutil.which("redis-server") is None or shutil.which("initdb") is None,
    reason="the PostgreSQL and Redis server binaries are not installed")


@needs_servers
def test_services_are_private_and_unprivileged(service_course: Course, tmp_path: Path):
    answer = service_course.solutions_dir / "02-services" / "ex01_store.py"
    hostile = tmp_path / "hostile" / "02-services"
    hostile.mkdir(parents=True)
    (hostile / "ex01_store.py").write_text(SERVICE_SOLUTION.replace(
        'conn.execute(text("INSERT INTO doses VALUES (:d)"), {"d": dose})',
        f'conn.execute(text("CREATE TEMP TABLE stolen (line text)"))\n'
        f'        conn.execute(text("COPY stolen FROM PROGRAM \'cat {answer}\'"))\n'
        f'        conn.execute(text("INSERT INTO doses VALUES (:d)"), {{"d": dose}})'))
    with Runner(service_course, Settings(test_cpu=10, unit_cpu=30, jobs=2)) as grader:
        honest = grader.grade_submission(service_course.solutions_dir, chapter="02")
        attacked = grader.grade_submission(tmp_path / "hostile", chapter="02")
    assert honest.points == 4, _explain(honest)
    tests = {t.name: t for t in attacked.exercises[0].tests}
    assert not tests["test_postgres_roundtrip"].passed
    assert "must be superuser" in tests["test_postgres_roundtrip"].message
    assert tests["test_redis_roundtrip"].passed
    assert os.geteuid() != 0 or honest.confinement["confined"]
