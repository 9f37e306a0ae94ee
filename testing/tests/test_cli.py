"""The ``course`` command as instructors, maintainers and trainees use it."""

from __future__ import annotations

import csv
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from grading import verify
from grading.cli import main
from grading.layout import Course
from grading.runner import Runner, Settings


def run(course: Course, *argv: str) -> int:
    timing = [] if argv[0] == "new-exercise" else ["--timeout", "5", "--jobs", "2"]
    return main(["--root", str(course.root), *argv, *timing])


def test_grade_writes_every_report(course: Course, tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert run(course, "grade", "--submission", str(course.solutions_dir), "--out", str(out)) == 0
    grade = json.loads((out / "grade.json").read_text())
    assert {"submission", "points", "max_points", "chapters"} <= grade.keys()
    (chapter,) = grade["chapters"]
    assert chapter["chapter"] == "01-sample"
    assert (chapter["points"], chapter["max_points"]) == (10, 10)
    exercise = chapter["exercises"][0]
    assert {"exercise", "points", "max_points", "tests"} <= exercise.keys()
    assert {"name", "passed", "points", "max_points", "message"} <= exercise["tests"][0].keys()

    suites = ET.parse(out / "junit.xml").getroot()
    assert len(suites.findall("testsuite")) == 3
    assert not suites.findall(".//failure")

    gradescope = json.loads((out / "results.json").read_text())
    assert gradescope["score"] == 10
    assert sum(t["max_score"] for t in gradescope["tests"]) == 10

    printed = capsys.readouterr().out
    assert "Total: 10/10 points" in printed
    assert "01-sample/ex03_mean_cd  3/3" in printed  # per-exercise progress lines


def test_grade_summary_names_first_failure_and_hint(course: Course, tmp_path: Path):
    out = tmp_path / "out"
    run(course, "grade", "--submission", str(course.root), "--out", str(out))
    summary = (out / "summary.txt").read_text()
    assert "FAIL ex02_in_spec" in summary
    assert "first failure: test_inside: NotImplementedError: ex02: compare" in summary
    assert "hint: Compare the absolute deviation with the tolerance band." in summary
    failures = ET.parse(out / "junit.xml").getroot().findall(".//failure")
    assert len(failures) == 6


def test_grade_a_class_into_one_gradebook(course: Course, tmp_path: Path, solution):
    klass = tmp_path / "class"
    shutil.copytree(course.solutions_dir, klass / "ada")
    shutil.copytree(course.chapters_dir, klass / "bob" / "chapters")
    half = klass / "cyd" / "chapters"
    shutil.copytree(course.chapters_dir, half)
    (half / "01-sample" / "exercises" / "ex01_scale.py").write_text(solution("ex01_scale"))
    out = tmp_path / "grades"
    assert run(course, "grade", "--class", str(klass), "--out", str(out)) == 0
    rows = {r["submission"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert {name: rows[name]["points"] for name in rows} == {"ada": "10", "bob": "0", "cyd": "3"}
    assert rows["cyd"]["01-sample/ex01_scale"] == "3"
    assert rows["cyd"]["max_points"] == "10"
    assert (out / "cyd" / "grade.json").is_file()


def test_grade_reports_a_missing_submission_without_a_traceback(course, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(course, "grade", "--submission", str(tmp_path / "nope"), "--out", str(out)) == 0
    assert "does not exist" in capsys.readouterr().out
    assert json.loads((out / "grade.json").read_text())["points"] == 0


def test_verify_accepts_the_sample_course(course: Course, capsys):
    # The sample course is deliberately small: three exercises keep these tests quick.
    assert verify.verify(course, Runner(course, Settings(jobs=2)), min_exercises=3)
    assert "3 exercises, 6 graded tests, 10 points" in capsys.readouterr().out


def test_verify_catches_inconsistencies(own_course: Course):
    chapter = own_course.chapters_dir / "01-sample"
    # A starter that already solves its exercise: its tests cannot fail.
    solved = (own_course.solutions_dir / "01-sample" / "ex01_scale.py").read_text()
    (chapter / "exercises" / "ex01_scale.py").write_text(solved)
    readme = chapter / "README.md"
    readme.write_text(readme.read_text().replace("| 4 |", "| 5 |"))
    runner = Runner(own_course, Settings(jobs=2))
    problems = verify.check_chapter(
        own_course, "01-sample", runner.run_trusted("solutions"), runner.run_trusted("exercises")
    )
    assert "ex01_scale: test_scale_by_one passes against the starter (a graded test must be " \
           "able to fail)" in problems
    assert "ex02_in_spec: README says 5 points, the tests carry 4" in problems
    assert "3 graded exercises; a chapter needs at least 5" in problems


def test_verify_catches_a_missing_solution_and_a_broken_demo(own_course: Course):
    (own_course.solutions_dir / "01-sample" / "ex03_mean_cd.py").unlink()
    main_py = own_course.chapters_dir / "01-sample" / "demo" / "ch01_demo" / "__main__.py"
    main_py.write_text("raise SystemExit(3)\n")
    runner = Runner(own_course, Settings(jobs=2))
    problems = verify.check_chapter(
        own_course, "01-sample", runner.run_trusted("solutions"), runner.run_trusted("exercises")
    )
    assert "ex03_mean_cd.py has no counterpart in solutions/" in problems
    assert any(p.startswith("ex03_mean_cd: test_mean fails against the solution") for p in problems)
    assert verify.demo_serves_swagger(own_course, "01-sample").startswith("demo exited with code 3")


def test_new_exercise_scaffolds_a_consistent_quadruple(own_course: Course):
    assert run(own_course, "new-exercise", "--ch", "01", "--name", "dose_ratio") == 0
    chapter = own_course.chapters_dir / "01-sample"
    assert (chapter / "exercises" / "ex04_dose_ratio.py").is_file()
    assert (chapter / "tests" / "test_ex04_dose_ratio.py").is_file()
    assert (own_course.solutions_dir / "01-sample" / "ex04_dose_ratio.py").is_file()
    assert verify.readme_points(chapter / "README.md")["ex04_dose_ratio"] == 2
    # Until the author writes the solution, verify must keep failing on it.
    runner = Runner(own_course, Settings(jobs=2))
    problems = verify.check_chapter(
        own_course, "01-sample", runner.run_trusted("solutions"), runner.run_trusted("exercises")
    )
    assert any(p.startswith("ex04_dose_ratio: test_dose_ratio_contract fails against the")
               for p in problems)


def test_new_exercise_refuses_a_bad_name(own_course: Course, capsys):
    assert run(own_course, "new-exercise", "--ch", "01", "--name", "Bad-Name") == 2
    assert "lower_case_with_underscores" in capsys.readouterr().err


def test_check_shows_progress_next_step_and_regressions(own_course: Course, capsys):
    exercises = own_course.chapters_dir / "01-sample" / "exercises"
    solutions = own_course.solutions_dir / "01-sample"
    shutil.copy(solutions / "ex01_scale.py", exercises / "ex01_scale.py")
    assert run(own_course, "check", "--ch", "01") == 0
    first = capsys.readouterr().out
    assert "1/3 solved" in first
    assert "solved: 01-sample/ex01_scale" in first
    assert "Next: 01-sample/ex02_in_spec" in first
    assert "hint: Compare the absolute deviation with the tolerance band." in first
    remembered = json.loads((own_course.root / ".course" / "progress.json").read_text())
    assert remembered["exercises"]["01-sample/ex01_scale"]["solved"] is True

    (exercises / "ex01_scale.py").write_text("def scale(cd_nm, factor):\n    return cd_nm\n")
    assert run(own_course, "check") == 0
    second = capsys.readouterr().out
    assert "regressed: 01-sample/ex01_scale" in second
    assert "Next: 01-sample/ex01_scale" in second
