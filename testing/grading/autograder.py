"""The same engine on engines that exist: a Gradescope autograder bundle and a GitHub Classroom
autograding workflow.

- ``bundle(course, zip_path, chapter)``: a zip for Gradescope's "zip file upload" autograder:
  ``setup.sh`` (system packages, the pinned ``.venv``), ``run_autograder`` (grades
  ``/autograder/submission`` with this engine, writes ``/autograder/results/results.json``) and
  the instructor's side of the course (tests, demos, the engine, the ``litho`` package) without
  ``solutions/``. Gradescope runs each submission in a fresh container; where that container
  allows no user namespaces, ``run_autograder`` grades ``--unconfined`` and the report says so.
- ``classroom_workflow(course, chapter)``: a GitHub Actions workflow for a Classroom assignment,
  one ``autograding-command-grader`` step per exercise (worth the exercise's points when all of
  its tests pass) and the Classroom reporter. In Classroom the trainee owns the repository, tests
  and workflow included: it is feedback, not a boundary.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

import grading
from grading.layout import Course, match_chapter

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when the autograder image is built.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3.11 python3.11-venv make bubblewrap \\
    redis-server postgresql >/dev/null
cd /autograder/source
make venv PYTHON=python3.11
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission; it must leave results/results.json behind.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
PY="${COURSE_PYTHON:-$SOURCE/.venv/bin/python}"
WORK="$(mktemp -d)"
mkdir -p "$ROOT/results"
cp -R "$ROOT/submission" "$WORK/submission"
MODE=""
"$PY" -c 'import sys; from grading import confine; sys.exit(not confine.probe().confined)' \\
    || MODE="--unconfined"   # the container is the boundary; the report records it
"$PY" -m grading.cli --root "$SOURCE" grade --submission "$WORK/submission" @CHAPTER@ \\
    --out "$WORK/out" $MODE
if [ -f "$WORK/out/results.json" ]; then
    cp "$WORK/out/results.json" "$ROOT/results/results.json"
else
    echo '{"score": 0, "output": "The grader could not run; ask your instructor."}' \\
        > "$ROOT/results/results.json"
fi
rm -rf "$WORK"
"""


def _course_files(course: Course, chapters: list[str]) -> list[tuple[Path, str]]:
    """(source, path in the bundle) of everything the grader needs, never ``solutions/``."""
    root, files = course.root, []
    for name in ("pyproject.toml", "requirements.txt", "Makefile"):
        if (root / name).is_file():
            files.append((root / name, name))
    for chapter in chapters:
        for part in ("tests", "demo", "exercises", "README.md"):
            source = course.chapters_dir / chapter / part
            if source.exists():
                files.append((source, f"chapters/{chapter}/{part}"))
    engine = Path(grading.__file__).resolve().parent
    files += [(engine, "testing/grading"), (engine.parent / "pyproject.toml",
                                            "testing/pyproject.toml")]
    platform = root / "projects" / "litho-platform"
    for part in ("pyproject.toml", "src", "README.md"):
        if (platform / part).exists():
            files.append((platform / part, f"projects/litho-platform/{part}"))
    return files


def bundle(course: Course, target: Path, chapter: str | None = None) -> Path:
    chapters = match_chapter(course.chapters(), chapter)
    target.parent.mkdir(parents=True, exist_ok=True)
    selector = f"--ch {chapters[0][:2]}" if chapter else ""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "instance", "*.db", "*.egg-info")
    with tempfile.TemporaryDirectory(prefix="autograder-") as tmp, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        stage = Path(tmp)
        for source, name in _course_files(course, chapters):
            if source.is_dir():
                shutil.copytree(source, stage / name, ignore=ignore)
            else:
                (stage / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, stage / name)
        (stage / "setup.sh").write_text(SETUP)
        (stage / "run_autograder").write_text(RUN.replace("@CHAPTER@", selector))
        for path in sorted(stage.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo.from_file(path, str(path.relative_to(stage)))
                if path.name in ("setup.sh", "run_autograder"):
                    info.external_attr = 0o100755 << 16
                archive.writestr(info, path.read_bytes())
    return target


def classroom_workflow(course: Course, chapter: str) -> str:
    """A GitHub Classroom autograding workflow for one chapter."""
    from grading.runner import Runner, Settings

    (name,) = match_chapter(course.chapters(), chapter)
    planned = Runner(course, Settings(confine=False)).planned()
    steps, runners, env = [], [], []
    for exercise in course.exercises(name):
        points = sum(t["points"] for t in planned.get(exercise.key, []))
        step = exercise.name.replace("_", "-")
        runners.append(step)
        env.append(f"          {step.upper()}_RESULTS: \"${{{{steps.{step}.outputs.result}}}}\"")
        steps.append(f"""      - name: {exercise.name}
        id: {step}
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: {exercise.name}
          setup-command: ""
          command: >-
            .venv/bin/course grade --submission . --ch {name[:2]} --exercise {exercise.name}
            --require-full --unconfined --out /tmp/grade-{exercise.name}
          timeout: 10
          max-score: {points:g}""")
    return f"""# GitHub Classroom autograding for {name}: `make classroom CH={name[:2]}`.
# The runner is a fresh virtual machine per job, so grading runs --unconfined there.
name: Autograding Tests
on:
  - push
  - repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Python 3.11
        uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Course environment
        run: make venv
{chr(10).join(steps)}
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
{chr(10).join(env)}
        with:
          runners: {",".join(runners)}
"""
