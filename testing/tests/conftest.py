"""Fixtures for the grading engine's own tests.

They grade ``sample_course``, a miniature course with three exercises (10 points), so that the
engine's guarantees are proven independently of the real chapters.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grading.layout import Course
from grading.runner import Runner, Settings

SAMPLE = Path(__file__).parent / "sample_course"

# The sample course's graded tests belong to the runs these tests start, not to this session.
collect_ignore = ["sample_course"]


def copy_sample(target: Path) -> Course:
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", ".course"))
    return Course(target)


@pytest.fixture(scope="session")
def course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """A copy of the sample course shared by tests that only read it."""
    return copy_sample(tmp_path_factory.mktemp("shared") / "course")


@pytest.fixture
def own_course(tmp_path: Path) -> Course:
    """A private copy for tests that change the course itself."""
    return copy_sample(tmp_path / "course")


@pytest.fixture(scope="session")
def runner(course: Course) -> Runner:
    # One runner for the session: the instructor's tests are collected once. Tight CPU budgets
    # keep the hostile cases quick (the sample tests take milliseconds of CPU); budgets count
    # CPU time, so a busy machine does not change these results.
    with Runner(course, Settings(test_cpu=3, unit_cpu=12, jobs=2)) as runner:
        yield runner


@pytest.fixture
def make_submission(course: Course, tmp_path: Path):
    """A trainee's copy: the starters, with some exercise files replaced by the given sources."""

    def make(name: str = "trainee", **sources: str) -> Path:
        root = tmp_path / "submissions" / name
        shutil.copytree(course.chapters_dir, root / "chapters",
                        ignore=shutil.ignore_patterns("__pycache__"))
        for exercise, source in sources.items():
            (root / "chapters" / "01-sample" / "exercises" / f"{exercise}.py").write_text(source)
        return root

    return make


@pytest.fixture(scope="session")
def solution(course: Course):
    """The reference solution's source of an exercise, to hand in as a trainee's answer."""

    def source(exercise: str) -> str:
        return (course.solutions_dir / "01-sample" / f"{exercise}.py").read_text()

    return source
