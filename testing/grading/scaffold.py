"""``make new-exercise CH=NN NAME=slug``: the four pieces of a new exercise, consistent from birth.

The scaffold is deliberately unfinished in one place, the reference solution, so ``make verify``
keeps failing until the author has written the exercise, its tests and its solution.
"""

from __future__ import annotations

import re
from pathlib import Path

from grading.layout import Course, LayoutError, match_chapter

SLUG = re.compile(r"^[a-z][a-z0-9_]*$")

STARTER = '''"""{title}

Specification: describe inputs, outputs, units and errors here; the tests hold you to it.
"""


def {function}(value):
    """Return ... for ``value`` (describe the contract)."""
    raise NotImplementedError("{exercise}: write {function}")
'''

SOLUTION = '''"""{title}

Specification: describe inputs, outputs, units and errors here; the tests hold you to it.
"""


def {function}(value):
    """Return ... for ``value`` (describe the contract)."""
    raise NotImplementedError("{exercise}: the reference solution is not written yet")
'''

TEST = '''import pytest

HINT = "Say what to try next when this exercise fails (not the answer)."


@pytest.mark.points({points})
def test_{function}_contract(ex):
    # Replace with the exercise's real contract: it must fail on the starter, pass on the solution.
    assert ex.{function}(1) == 1
'''


def new_exercise(course: Course, chapter: str, slug: str, points: int = 2) -> list[Path]:
    if not SLUG.match(slug):
        raise LayoutError(f"NAME={slug!r}: use lower_case_with_underscores")
    (name,) = match_chapter(course.chapters(), chapter)
    chapter_dir = course.chapters_dir / name
    numbers = [int(e.name[2:4]) for e in course.exercises(name)]
    numbers += [int(p.stem[2:4]) for p in (chapter_dir / "exercises").glob("ex[0-9][0-9]_*.py")]
    exercise = f"ex{max(numbers, default=0) + 1:02d}_{slug}"
    title = slug.replace("_", " ").capitalize() + "."
    values = {"title": title, "function": slug, "exercise": exercise, "points": points}
    files = {
        chapter_dir / "exercises" / f"{exercise}.py": STARTER,
        course.solutions_dir / name / f"{exercise}.py": SOLUTION,
        chapter_dir / "tests" / f"test_{exercise}.py": TEST,
    }
    for path in files:
        if path.exists():
            raise LayoutError(f"{path} already exists")
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values))
    readme = chapter_dir / "README.md"
    _add_table_row(readme, f"| `{exercise}` | {title} | {points} |")
    return [*files, readme]


def _add_table_row(readme: Path, row: str) -> None:
    """Insert the row after the exercise table's last row (or start a table)."""
    lines = readme.read_text().splitlines() if readme.exists() else []
    rows = [i for i, line in enumerate(lines) if re.match(r"^\|\s*`ex\d{2}_", line)]
    if rows:
        lines.insert(rows[-1] + 1, row)
    else:
        lines += ["", "| Exercise | You build | Points |", "| --- | --- | --- |", row]
    readme.write_text("\n".join(lines) + "\n")
