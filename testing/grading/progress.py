"""``make check``: where a trainee stands across the course and what to do next.

Progress is remembered in ``.course/progress.json`` (ignored by git), so a check of one chapter
still shows the whole course, and an exercise that was solved and now fails is called out as a
regression rather than passing silently.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from grading.layout import Course, chapter_of, match_chapter
from grading.runner import ExerciseResult, Runner

BAR = 20


def _bar(points: float, most: float) -> str:
    filled = round(BAR * points / most) if most else 0
    return "#" * filled + "." * (BAR - filled)


@dataclass
class Progress:
    path: Path
    exercises: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> Progress:
        path = root / ".course" / "progress.json"
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
        return cls(path, data.get("exercises", {}))

    def save(self) -> None:
        self.path.parent.mkdir(exist_ok=True)
        self.path.write_text(json.dumps({"exercises": self.exercises}, indent=1, sort_keys=True))

    def update(self, result: ExerciseResult) -> str | None:
        """Record a fresh result; return "solved" or "regressed" when the state changed."""
        key = f"{result.chapter}/{result.exercise}"
        before = self.exercises.get(key, {}).get("solved", False)
        self.exercises[key] = {
            "solved": result.solved, "points": result.points, "max_points": result.max_points,
            "checked": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        if result.solved and not before:
            return "solved"
        if before and not result.solved:
            return "regressed"
        return None


class CheckView:
    def __init__(self, course: Course, runner: Runner, state: Progress):
        self.course, self.runner, self.state = course, runner, state
        self.results: dict[str, ExerciseResult] = {}

    def run(self, chapter: str | None) -> None:
        selected = match_chapter(self.course.chapters(), chapter)
        label = "chapter " + ", ".join(selected) if chapter else "all chapters"
        print(f"Checking your exercises ({label})…", flush=True)
        confinement = self.runner.confinement
        if not confinement.confined:
            print(f"  note: unconfined ({confinement.reason}): your code runs without the "
                  "OS sandbox that grading uses", flush=True)
        changes: list[str] = []

        def on_result(result: ExerciseResult) -> None:
            self.results[f"{result.chapter}/{result.exercise}"] = result
            change = self.state.update(result)
            if change:
                changes.append(f"{change}: {result.chapter}/{result.exercise}")

        for name in selected:
            self.runner.run_trusted("exercises", name, on_result)
        self.state.save()
        print(self.render(changes, selected))

    def render(self, changes: list[str], selected: list[str]) -> str:
        lines = [""]
        total = most = 0.0
        solved = count = 0
        planned = self.runner.planned()
        for chapter in self.course.chapters():
            exercises = self.course.exercises(chapter)
            entries = [self.state.exercises.get(e.key, {}) for e in exercises]
            points = sum(e.get("points", 0.0) for e in entries)
            chapter_most = sum(t["points"] for e in exercises for t in planned.get(e.key, []))
            done = sum(1 for e in entries if e.get("solved"))
            total, most = total + points, most + chapter_most
            solved, count = solved + done, count + len(exercises)
            known = "" if all(entries) else "  (not checked yet)"
            lines.append(f"{chapter:<36} [{_bar(points, chapter_most)}] "
                         f"{done}/{len(exercises)} solved, {points:g}/{chapter_most:g} points"
                         f"{known}")
        lines.append(f"{'Course':<36} [{_bar(total, most)}] {solved}/{count} solved, "
                     f"{total:g}/{most:g} points")
        lines += [f"  {change}" for change in changes]
        lines += self._next_step(selected)
        return "\n".join(lines)

    def _next_step(self, selected: list[str]) -> list[str]:
        """The first unsolved exercise of the chapters just checked, else of the whole course."""
        chosen = [e for e in self.course.exercises() if e.chapter in selected]
        others = [e for e in self.course.exercises() if e.chapter not in selected]
        for exercise in chosen + others:
            result = self.results.get(exercise.key)
            remembered = self.state.exercises.get(exercise.key)
            if result is None and remembered and remembered.get("solved"):
                continue
            if result is None:
                return ["", f"Next: {exercise.key} has not been checked yet: "
                            f"make check CH={exercise.chapter[:2]}"]
            if result.solved:
                continue
            starter = self.course.starter(exercise).relative_to(self.course.root)
            failure = result.first_failure
            lines = ["", f"Next: {exercise.key}  ({starter})",
                     f"  {result.points:g}/{result.max_points:g} points so far"]
            if failure is not None:
                lines.append(f"  failing: {failure.name}: {failure.message or failure.outcome}")
            if result.hint:
                lines.append(f"  hint: {result.hint}")
            lines.append(f"  re-run: make check CH={exercise.chapter[:2]}  "
                         f"(or WATCH=1 to re-check on every save)")
            return lines
        return ["", "Every exercise is solved. Well done: see each chapter's \"Going further\"."]

    def watch(self, chapter: str | None) -> int:
        from watchfiles import watch

        self.run(chapter)
        print("\nWatching chapters/*/exercises for changes (Ctrl-C to stop)…", flush=True)
        for changes in watch(self.course.chapters_dir, recursive=True):
            touched = {chapter_of(Path(p)) for _, p in changes
                       if p.endswith(".py") and "/exercises/" in p}
            for name in sorted(c for c in touched if c):
                if chapter is None or name in match_chapter(self.course.chapters(), chapter):
                    self.run(name)
        return 0
