"""Scale-out on engines that exist, and the instructor's class report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from grading import autograder, classreport
from grading.layout import Course
from grading.runner import Runner


def test_gradescope_bundle_runs_in_a_gradescope_like_root(course: Course, tmp_path: Path):
    bundle = autograder.bundle(course, tmp_path / "autograder.zip")
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        archive.extractall(root / "source")
    assert "setup.sh" in names
    assert "run_autograder" in names
    assert not any(n.startswith("solutions") or "/solutions/" in n for n in names)
    run = root / "source" / "run_autograder"
    run.chmod(0o755)
    shutil.copytree(course.solutions_dir, root / "submission")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "COURSE_PYTHON": sys.executable}
    proc = subprocess.run([str(run)], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 10
    assert len(results["tests"]) == 6
    assert "Confinement:" in results["output"]


def test_classroom_workflow_is_a_valid_github_workflow(course: Course, tmp_path: Path):
    workflow = tmp_path / "classroom.yml"
    workflow.write_text(autograder.classroom_workflow(course, "01"))
    check = Path(sys.executable).parent / "check-jsonschema"
    proc = subprocess.run([str(check), "--builtin-schema", "vendor.github-workflows",
                           str(workflow)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = workflow.read_text()
    assert text.count("autograding-command-grader@v1") == 3
    assert "max-score: 4" in text


def test_class_report_opens_offline(runner: Runner, course: Course, tmp_path: Path):
    results = {"ada": runner.grade_submission(course.solutions_dir),
               "bob": runner.grade_submission(course.root)}
    index = classreport.write_report(results, tmp_path)
    page = index.read_text()
    assert "data:image/png;base64," in page
    assert "http://" not in page
    assert "https://" not in page
    assert "<script" not in page
    assert "ex02_in_spec" in page
    bob = index.parent / "submissions" / "bob.html"
    assert "test_inside: NotImplementedError" in page, bob.read_text()
    assert (index.parent / "submissions" / "bob.html").read_text().count("<tr>") == 4
