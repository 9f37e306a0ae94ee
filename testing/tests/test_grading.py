"""The instructors' guarantees: exact scores, hostile code contained, malformed work reported."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from grading.layout import Course
from grading.runner import GradeResult, Runner, Settings


def points(result: GradeResult) -> dict[str, float]:
    return {e.exercise: e.points for e in result.exercises}


def message(result: GradeResult, exercise: str) -> str:
    (found,) = [e for e in result.exercises if e.exercise == exercise]
    return " ".join(t.message for t in found.tests)


def test_solutions_as_submission_score_full_points(runner: Runner, course: Course):
    result = runner.grade_submission(course.solutions_dir)
    assert (result.points, result.max_points) == (10, 10)
    assert result.problems == []


def test_starters_score_zero_with_the_reason_and_hint(runner: Runner, course: Course):
    result = runner.grade_submission(course.root)  # a whole repository copy
    assert (result.points, result.max_points) == (0, 10)
    assert "NotImplementedError" in message(result, "ex01_scale")
    assert result.exercises[0].hint == "Multiply."


def test_partly_solved_scores_exactly_the_solved_exercises(solution, runner, make_submission):
    submission = make_submission(ex02_in_spec=solution("ex02_in_spec"))
    result = runner.grade_submission(submission)
    assert points(result) == {"ex01_scale": 0, "ex02_in_spec": 4, "ex03_mean_cd": 0}


def test_one_failing_test_costs_only_its_points(runner, make_submission):
    half = "def mean_cd(values):\n    return sum(values) / len(values)\n"  # no ValueError
    result = runner.grade_submission(make_submission(ex03_mean_cd=half))
    assert points(result)["ex03_mean_cd"] == 2


LOOP = "def scale(cd_nm, factor):\n    while True:\n        pass\n"
STUBBORN_LOOP = """import time


def scale(cd_nm, factor):
    while True:
        try:
            time.sleep(0.05)
        except BaseException:
            pass
"""
DELETES = """import os
import shutil
from pathlib import Path


def in_spec(cd_nm, target_nm, tolerance_pct):
    here = Path(__file__).resolve()
    for test in here.parents[2].rglob("test_*.py"):
        os.remove(test)
    shutil.rmtree(here.parents[2])
    return abs(cd_nm - target_nm) <= target_nm * tolerance_pct / 100
"""


def test_endless_loops_cost_their_exercise_and_the_run_ends(solution, runner, make_submission):
    submission = make_submission(
        ex01_scale=LOOP, ex03_mean_cd=solution("ex03_mean_cd")
    )
    started = time.monotonic()
    result = runner.grade_submission(submission)
    assert points(result) == {"ex01_scale": 0, "ex02_in_spec": 0, "ex03_mean_cd": 3}
    assert "CPU time budget" in message(result, "ex01_scale")
    assert time.monotonic() - started < 60


def test_a_loop_that_swallows_the_timeout_is_killed(solution, course, make_submission):
    # It sleeps, so no CPU budget stops it: only the wall-clock backstop does, set low here.
    submission = make_submission(
        ex01_scale=STUBBORN_LOOP, ex02_in_spec=solution("ex02_in_spec")
    )
    with Runner(course, Settings(test_cpu=3, unit_cpu=12, wall=8, jobs=2)) as runner:
        result = runner.grade_submission(submission)
    assert points(result) == {"ex01_scale": 0, "ex02_in_spec": 4, "ex03_mean_cd": 0}
    assert "wall clock" in message(result, "ex01_scale")


def test_deleting_files_is_refused_and_harms_no_other_exercise(
    solution, runner, course, make_submission
):
    submission = make_submission(
        ex02_in_spec=DELETES, ex03_mean_cd=solution("ex03_mean_cd")
    )
    result = runner.grade_submission(submission)
    assert points(result) == {"ex01_scale": 0, "ex02_in_spec": 0, "ex03_mean_cd": 3}
    assert "grading sandbox" in message(result, "ex02_in_spec")
    assert (course.chapters_dir / "01-sample" / "tests" / "test_ex03_mean_cd.py").exists()


def test_exiting_the_interpreter_scores_zero_for_that_exercise(solution, runner, make_submission):
    exits_at_import = "import sys\n\nsys.exit(0)\n"
    hard_exit = ("import os\n\n\ndef in_spec(cd_nm, target_nm, tolerance_pct):\n"
                 "    os._exit(0)\n")
    submission = make_submission(
        ex01_scale=exits_at_import, ex02_in_spec=hard_exit,
        ex03_mean_cd=solution("ex03_mean_cd"),
    )
    result = runner.grade_submission(submission)
    assert points(result) == {"ex01_scale": 0, "ex02_in_spec": 0, "ex03_mean_cd": 3}
    assert "ended before" in message(result, "ex02_in_spec")


def test_rewriting_its_tests_is_refused(runner, make_submission):
    # The sandbox's layout is documented, so the attack can aim at the right file.
    rewrites = """from pathlib import Path

PASS = "def test_everything():\\n    pass\\n"
TESTS = Path(__file__).resolve().parents[2] / "work" / "chapters" / "01-sample" / "tests"


def scale(cd_nm, factor):
    (TESTS / "test_ex01_scale.py").write_text(PASS)
    return 0
"""
    result = runner.grade_submission(make_submission(ex01_scale=rewrites))
    assert points(result)["ex01_scale"] == 0
    assert "grading sandbox" in message(result, "ex01_scale")


def test_searching_the_disk_for_the_solutions_finds_nothing(runner, course, make_submission):
    answer = course.solutions_dir / "01-sample" / "ex01_scale.py"
    searches = f"""import os
from pathlib import Path

KNOWN = Path({str(answer)!r})


def _find():
    if KNOWN.exists():
        return KNOWN.read_text()
    for folder, _, files in os.walk("/"):
        if "ex01_scale.py" in files and "solutions" in folder:
            return (Path(folder) / "ex01_scale.py").read_text()
    raise LookupError("no solution found")


def scale(cd_nm, factor):
    scope = {{}}
    exec(_find(), scope)
    return scope["scale"](cd_nm, factor)
"""
    result = runner.grade_submission(make_submission(ex01_scale=searches))
    assert points(result)["ex01_scale"] == 0
    # Confined, the answers are not in the unit's file system at all; unconfined, the hook
    # refuses the reads.
    found = message(result, "ex01_scale")
    assert "no solution found" in found or "grading sandbox" in found


def test_forging_pytest_reports_is_detected(solution, runner, make_submission):
    forges = """import _pytest.reports as reports

_original = reports.TestReport.from_item_and_call.__func__


def _forged(cls, item, call):
    report = _original(cls, item, call)
    report.outcome, report.longrepr = "passed", None
    return report


reports.TestReport.from_item_and_call = classmethod(_forged)


def scale(cd_nm, factor):
    raise NotImplementedError
"""
    submission = make_submission(
        ex01_scale=forges, ex02_in_spec=solution("ex02_in_spec")
    )
    result = runner.grade_submission(submission)
    assert points(result) == {"ex01_scale": 0, "ex02_in_spec": 4, "ex03_mean_cd": 0}
    assert "withheld for review" in message(result, "ex01_scale")
    assert [e.exercise for e in result.flagged] == ["ex01_scale"]


def test_syntax_error_costs_that_exercise_with_a_clear_message(solution, runner, make_submission):
    submission = make_submission(
        ex01_scale="def scale(cd_nm, factor)\n    return cd_nm\n",
        ex02_in_spec=solution("ex02_in_spec"),
    )
    result = runner.grade_submission(submission)
    assert points(result) == {"ex01_scale": 0, "ex02_in_spec": 4, "ex03_mean_cd": 0}
    assert "SyntaxError" in message(result, "ex01_scale")


def test_missing_exercise_file_is_named(solution, runner, make_submission):
    submission = make_submission(ex02_in_spec=solution("ex02_in_spec"))
    (submission / "chapters" / "01-sample" / "exercises" / "ex03_mean_cd.py").unlink()
    result = runner.grade_submission(submission)
    assert points(result)["ex02_in_spec"] == 4
    assert "missing 01-sample/ex03_mean_cd.py" in result.problems
    assert "no file ex03_mean_cd.py" in message(result, "ex03_mean_cd")


@pytest.mark.parametrize("layout", ["empty", "wrong_layout", "not_there", "a_file"])
def test_malformed_submissions_score_zero_with_a_reason(runner, tmp_path: Path, layout: str):
    target = tmp_path / layout
    if layout == "empty":
        target.mkdir()
    elif layout == "wrong_layout":
        (target / "my_answers").mkdir(parents=True)
        (target / "my_answers" / "ex01_scale.py").write_text("def scale(a, b):\n    return a*b\n")
    elif layout == "a_file":
        target.write_text("not a folder")
    result = runner.grade_submission(target)
    assert result.points == 0
    assert result.max_points == 10
    assert result.problems, "a malformed submission must say what is wrong"


def test_other_layouts_are_understood(solution, runner, course, tmp_path: Path):
    """A submission may be the chapters/ folder itself, or laid out like solutions/."""
    import shutil

    chapters_only = tmp_path / "only_chapters"
    shutil.copytree(course.chapters_dir, chapters_only)
    for exercise in ("ex01_scale", "ex02_in_spec", "ex03_mean_cd"):
        target = chapters_only / "01-sample" / "exercises" / f"{exercise}.py"
        target.write_text(solution(exercise))
    assert runner.grade_submission(chapters_only).points == 10


def test_extra_tests_add_to_the_exercise(runner, course, tmp_path: Path):
    extra = tmp_path / "private" / "01-sample"
    extra.mkdir(parents=True)
    (extra / "test_ex01_scale.py").write_text(
        "import pytest\n\n\n@pytest.mark.points(5)\n"
        "def test_scale_negative(ex):\n    assert ex.scale(-2.0, 3.0) == -6.0\n"
    )
    result = runner.grade_submission(course.solutions_dir, extra_tests=extra.parent)
    assert (result.points, result.max_points) == (15, 15)
    assert "test_scale_negative" in {t.name for t in result.exercises[0].tests}


def test_private_tests_are_unreadable_to_the_submission(runner, course, make_submission, tmp_path):
    extra = tmp_path / "private" / "01-sample"
    extra.mkdir(parents=True)
    (extra / "test_ex01_scale.py").write_text(
        "import pytest\n\n\n@pytest.mark.points(5)\n"
        "def test_scale_secret(ex):\n    assert ex.scale(7.0, 6.0) == 42.0\n"
    )
    peeks = """from pathlib import Path

PRIVATE = Path(__file__).resolve().parents[2] / "work/chapters/01-sample/tests/extra"


def scale(cd_nm, factor):
    (PRIVATE / "test_ex01_scale.py").read_text()
    return cd_nm * factor
"""
    result = runner.grade_submission(make_submission(ex01_scale=peeks), extra_tests=extra.parent)
    assert points(result)["ex01_scale"] == 0
    assert "grading sandbox: reading" in message(result, "ex01_scale")
