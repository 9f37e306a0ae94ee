"""``make verify``: the course's own consistency proof, run in CI.

For every chapter: the solutions mirror the starters file for file; every graded test fails
against the starter and passes against the solution; the README's exercise table gives each
exercise the points its tests carry; the demo starts and serves ``/swagger``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from grading.layout import Course, match_chapter
from grading.runner import GradeResult, Runner

TABLE_ROW = re.compile(r"^\|\s*`(ex\d{2}_[a-z0-9_]+)`.*\|\s*(\d+(?:\.\d+)?)\s*\|\s*$")


def readme_points(readme: Path) -> dict[str, float]:
    """Points per exercise from the README's exercise table."""
    if not readme.is_file():
        return {}
    found = {}
    for line in readme.read_text().splitlines():
        match = TABLE_ROW.match(line.strip())
        if match:
            found[match.group(1)] = float(match.group(2))
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_serves_swagger(course: Course, chapter: str, timeout: float = 30.0) -> str | None:
    """Start the chapter's demo as `make demo` does; None when /swagger answers 200."""
    demo = course.chapters_dir / chapter / "demo"
    package = f"ch{chapter[:2]}_demo"
    if not (demo / package / "__main__.py").is_file():
        return f"no runnable demo: {demo.relative_to(course.root)}/{package}/__main__.py missing"
    port = free_port()
    env = {**os.environ, "PORT": str(port)}
    proc = subprocess.Popen([sys.executable, "-m", package], cwd=demo, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = proc.stdout.read().decode(errors="replace")[-500:]
                return f"demo exited with code {proc.returncode}: {tail}"
            for path in ("/swagger", "/swagger.json"):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
                        if r.status != 200:
                            break
                except (urllib.error.URLError, OSError):
                    break
            else:
                return None
            time.sleep(0.3)
        return f"demo did not serve /swagger and /swagger.json within {timeout:.0f}s"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def check_chapter(course: Course, chapter: str, solutions: GradeResult,
                  starters: GradeResult, min_exercises: int = 5) -> list[str]:
    """Every problem found in one chapter, as sentences."""
    problems = []
    chapter_dir = course.chapters_dir / chapter
    starters_py = {p.name for p in (chapter_dir / "exercises").glob("*.py")}
    solutions_py = {p.name for p in (course.solutions_dir / chapter).glob("*.py")}
    for name in sorted(starters_py ^ solutions_py):
        side = "solutions" if name in starters_py else "exercises"
        problems.append(f"{name} has no counterpart in {side}/")
    exercises = course.exercises(chapter)
    if len(exercises) < min_exercises:
        problems.append(f"{len(exercises)} graded exercises; a chapter needs at least "
                        f"{min_exercises}")
    table = readme_points(chapter_dir / "README.md")
    by_name = {r.exercise: r for r in solutions.exercises if r.chapter == chapter}
    by_name_starter = {r.exercise: r for r in starters.exercises if r.chapter == chapter}
    for exercise in exercises:
        solved = by_name.get(exercise.name)
        started = by_name_starter.get(exercise.name)
        if not course.starter(exercise).is_file():
            problems.append(f"{exercise.name}: starter missing")
        if solved is None or not solved.tests:
            problems.append(f"{exercise.name}: no graded tests found")
            continue
        if solved.max_points <= 0:
            problems.append(f"{exercise.name}: no test carries points")
        for test in solved.tests:
            if not test.passed:
                problems.append(f"{exercise.name}: {test.name} fails against the solution: "
                                f"{test.message}")
        for test in started.tests if started else []:
            if test.points > 0 and test.passed:
                problems.append(f"{exercise.name}: {test.name} passes against the starter "
                                "(a graded test must be able to fail)")
            if "ImportError" in test.message or "ModuleNotFoundError" in test.message:
                problems.append(f"{exercise.name}: the starter fails by an import error: "
                                f"{test.message}")
        if exercise.name not in table:
            problems.append(f"{exercise.name}: missing from the README's exercise table")
        elif table[exercise.name] != solved.max_points:
            problems.append(f"{exercise.name}: README says {table[exercise.name]:g} points, "
                            f"the tests carry {solved.max_points:g}")
    for name in sorted(set(table) - {e.name for e in exercises}):
        problems.append(f"{name}: in the README's table but has no tests")
    return problems


def verify(course: Course, runner: Runner, chapter: str | None = None,
           min_exercises: int = 5) -> bool:
    ok = True
    for name in match_chapter(course.chapters(), chapter):
        print(f"{name}:", flush=True)
        solutions = runner.run_trusted("solutions", name)
        starters = runner.run_trusted("exercises", name)
        problems = check_chapter(course, name, solutions, starters, min_exercises)
        demo_problem = demo_serves_swagger(course, name)
        if demo_problem:
            problems.append(demo_problem)
        tests = sum(len(e.tests) for e in solutions.exercises)
        if problems:
            ok = False
            print("\n".join(f"  FAIL {p}" for p in problems))
        else:
            print(f"  ok   {len(solutions.exercises)} exercises, {tests} graded tests, "
                  f"{solutions.max_points:g} points: starters fail, solutions pass, "
                  "README agrees, demo serves /swagger")
    print("verify: " + ("all chapters consistent" if ok else "problems found"))
    return ok
