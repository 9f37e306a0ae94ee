"""Where things live in the course repository, and in a trainee's submission.

The names are the contract of COURSE.md: ``chapters/NN-slug/{exercises,tests,demo}``,
``solutions/NN-slug/`` mirroring ``exercises/`` file for file, exercises named ``exNN_slug.py``
and graded by ``tests/test_exNN_slug.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CHAPTER_RE = re.compile(r"^(\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$")
EXERCISE_RE = re.compile(r"^ex\d{2}_[a-z0-9_]+$")


class LayoutError(Exception):
    """A tree does not have the layout the grader needs; the message says what is wrong."""


def find_repo_root(start: Path | None = None) -> Path:
    """The course repository containing ``start`` (default: this package's own checkout)."""
    here = (start or Path(__file__)).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "chapters").is_dir() and (candidate / "testing" / "grading").is_dir():
            return candidate
    raise LayoutError(f"{here} is not inside the course repository")


def is_chapter_name(name: str) -> bool:
    return bool(CHAPTER_RE.match(name))


def chapter_of(path: Path) -> str | None:
    """The chapter a file belongs to: its nearest ancestor folder named ``NN-slug``."""
    for parent in path.resolve().parents:
        if is_chapter_name(parent.name):
            return parent.name
    return None


def exercise_of_test(path: Path) -> str | None:
    """``test_ex02_pagination.py`` grades ``ex02_pagination``; other test files grade nothing."""
    stem = path.stem
    if stem.startswith("test_") and EXERCISE_RE.match(stem[5:]):
        return stem[5:]
    return None


def match_chapter(chapters: list[str], selector: str | None) -> list[str]:
    """Chapters named by ``selector``: ``"03"``, ``"3"``, ``"03-databases"`` or None for all."""
    if not selector:
        return chapters
    wanted = selector.strip()
    if wanted.isdigit():
        wanted = f"{int(wanted):02d}"
    found = [c for c in chapters if c == wanted or c.split("-", 1)[0] == wanted]
    if not found:
        raise LayoutError(f"no chapter {selector!r}; chapters are: {', '.join(chapters) or 'none'}")
    return found


@dataclass(frozen=True)
class Exercise:
    chapter: str
    name: str
    test_file: Path

    @property
    def key(self) -> str:
        return f"{self.chapter}/{self.name}"


@dataclass(frozen=True)
class Course:
    """The instructor's copy of the course: the tests that grade, the solutions that pass them."""

    root: Path

    @property
    def chapters_dir(self) -> Path:
        return self.root / "chapters"

    @property
    def solutions_dir(self) -> Path:
        return self.root / "solutions"

    def chapters(self) -> list[str]:
        return sorted(
            p.name for p in self.chapters_dir.iterdir() if p.is_dir() and is_chapter_name(p.name)
        )

    def exercises(self, chapter: str | None = None) -> list[Exercise]:
        """Every graded exercise, in course order (chapter, then exercise number)."""
        found = []
        for name in match_chapter(self.chapters(), chapter):
            tests = self.chapters_dir / name / "tests"
            for test_file in sorted(tests.glob("test_ex*.py")):
                exercise = exercise_of_test(test_file)
                if exercise:
                    found.append(Exercise(name, exercise, test_file))
        return found

    def starter(self, exercise: Exercise) -> Path:
        return self.chapters_dir / exercise.chapter / "exercises" / f"{exercise.name}.py"

    def solution(self, exercise: Exercise) -> Path:
        return self.solutions_dir / exercise.chapter / f"{exercise.name}.py"


class Implementation:
    """A tree of exercise modules: the solutions, a trainee's exercises, or a submission.

    Three layouts are understood, so that a trainee can hand in the whole repository, its
    ``chapters/`` folder, or a folder laid out like ``solutions/``:

    - ``ROOT/chapters/NN-slug/exercises/exNN_slug.py``
    - ``ROOT/NN-slug/exercises/exNN_slug.py``
    - ``ROOT/NN-slug/exNN_slug.py``
    """

    def __init__(self, root: Path):
        self.root = root.resolve()
        if (self.root / "chapters").is_dir():
            self.pattern = "chapters/{chapter}/exercises/{exercise}.py"
        elif any((p / "exercises").is_dir() for p in self._chapter_dirs(self.root)):
            self.pattern = "{chapter}/exercises/{exercise}.py"
        else:
            self.pattern = "{chapter}/{exercise}.py"

    @staticmethod
    def _chapter_dirs(root: Path) -> list[Path]:
        if not root.is_dir():
            return []
        return [p for p in root.iterdir() if p.is_dir() and is_chapter_name(p.name)]

    @classmethod
    def named(cls, name: str, course_root: Path) -> Implementation:
        """``solutions``, ``exercises`` (the trainee's own checkout), or a path."""
        if name == "solutions":
            return cls(course_root / "solutions")
        if name == "exercises":
            return cls(course_root / "chapters")
        return cls(Path(name))

    def path(self, chapter: str, exercise: str) -> Path:
        return self.root / self.pattern.format(chapter=chapter, exercise=exercise)

    def describe(self) -> str:
        return f"{self.root} ({self.pattern.replace('{chapter}', 'NN-slug')})"
