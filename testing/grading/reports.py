"""What a grading run leaves behind: for people, for CI, for Gradescope, for a gradebook."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from grading.runner import ExerciseResult, GradeResult


def _num(value: float) -> str:
    return f"{value:g}"


def summary(result: GradeResult, hints: bool = True) -> str:
    """A readable report: per exercise its points, the first failure and the hint."""
    lines = [f"Submission: {result.submission}"]
    if result.confinement:
        lines.append(f"Confinement: {_confinement(result.confinement)}")
    lines += [f"  ! {problem}" for problem in result.problems]
    lines += [f"  ! REVIEW {e.chapter}/{e.exercise}: {e.flagged}" for e in result.flagged]
    for chapter, exercises in result.chapters().items():
        points = sum(e.points for e in exercises)
        most = sum(e.max_points for e in exercises)
        lines.append(f"\n{chapter}  {_num(points)}/{_num(most)}")
        for exercise in exercises:
            lines += _exercise_lines(exercise, hints)
    lines.append(f"\nTotal: {_num(result.points)}/{_num(result.max_points)} points "
                 f"({result.duration:.1f}s)")
    return "\n".join(lines)


def _confinement(data: dict) -> str:
    if not data.get("confined"):
        return f"unconfined ({data.get('reason', 'no OS sandbox')})"
    return (f"{data['sandbox']}, {data['limits']} limits"
            + (", seccomp" if data.get("seccomp") else ""))


def _exercise_lines(exercise: ExerciseResult, hints: bool) -> list[str]:
    mark = "REVIEW" if exercise.flagged else ("ok  " if exercise.solved else "FAIL")
    lines = [f"  {mark} {exercise.exercise:<32} {_num(exercise.points):>4}/"
             f"{_num(exercise.max_points)}"]
    failure = exercise.first_failure
    if failure is not None:
        lines.append(f"       first failure: {failure.name}: {failure.message or failure.outcome}")
        if hints and exercise.hint:
            lines.append(f"       hint: {exercise.hint}")
    return lines


def write_all(result: GradeResult, out: Path) -> dict[str, Path]:
    """grade.json, junit.xml, results.json (Gradescope) and summary.txt in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "grade.json": out / "grade.json",
        "junit.xml": out / "junit.xml",
        "results.json": out / "results.json",
        "summary.txt": out / "summary.txt",
    }
    paths["grade.json"].write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    paths["junit.xml"].write_bytes(junit(result))
    paths["results.json"].write_text(json.dumps(gradescope(result), indent=2) + "\n")
    paths["summary.txt"].write_text(summary(result) + "\n")
    return paths


def junit(result: GradeResult) -> bytes:
    suites = ET.Element("testsuites", name=result.submission)
    for exercise in result.exercises:
        failures = sum(1 for t in exercise.tests if not t.passed)
        suite = ET.SubElement(
            suites, "testsuite", name=f"{exercise.chapter}.{exercise.exercise}",
            tests=str(len(exercise.tests)), failures=str(failures),
            time=f"{sum(t.duration for t in exercise.tests):.3f}",
        )
        for test in exercise.tests:
            case = ET.SubElement(suite, "testcase", name=test.name, time=f"{test.duration:.3f}",
                                 classname=f"{exercise.chapter}.{exercise.exercise}")
            ET.SubElement(case, "properties").append(
                ET.Element("property", name="points", value=f"{_num(test.earned)}/"
                                                                 f"{_num(test.points)}"))
            if not test.passed:
                tag = "skipped" if test.outcome == "skipped" else "failure"
                ET.SubElement(case, tag, message=test.message or test.outcome).text = exercise.hint
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True)


def gradescope(result: GradeResult) -> dict:
    """Gradescope's autograder ``results.json`` (one entry per graded test)."""
    tests = []
    for exercise in result.exercises:
        for test in exercise.tests:
            output = "" if test.passed else test.message
            if not test.passed and exercise.hint:
                output += f"\nHint: {exercise.hint}"
            tests.append({
                "name": f"{exercise.chapter} {exercise.exercise}: {test.name}",
                "score": test.earned,
                "max_score": test.points,
                "status": "passed" if test.passed else "failed",
                "output": output.strip(),
            })
    notes = [*result.problems,
             *(f"{e.chapter}/{e.exercise} withheld for review: {e.flagged}"
               for e in result.flagged)]
    if result.confinement:
        notes.append(f"Confinement: {_confinement(result.confinement)}")
    return {
        "score": result.points,
        "execution_time": round(result.duration, 2),
        "output": "\n".join(notes),
        "tests": tests,
    }


def gradebook(results: dict[str, GradeResult], path: Path) -> None:
    """One row per submission: total, per-chapter and per-exercise points."""
    columns: list[str] = []
    for result in results.values():
        for exercise in result.exercises:
            for name in (exercise.chapter, f"{exercise.chapter}/{exercise.exercise}"):
                if name not in columns:
                    columns.append(name)
    most = next(iter(results.values())).max_points if results else 0
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", "points", "max_points", *columns, "flagged",
                         "confinement", "problems"])
        for name, result in sorted(results.items()):
            cells: dict[str, float] = {}
            for exercise in result.exercises:
                cells[exercise.chapter] = cells.get(exercise.chapter, 0.0) + exercise.points
                cells[f"{exercise.chapter}/{exercise.exercise}"] = exercise.points
            writer.writerow([name, _num(result.points), _num(most),
                             *(_num(cells.get(c, 0.0)) for c in columns),
                             "; ".join(f"{e.chapter}/{e.exercise}" for e in result.flagged),
                             _confinement(result.confinement) if result.confinement else "",
                             "; ".join(result.problems)])


def class_report(results: dict[str, GradeResult], out: Path) -> Path:
    """The instructor's HTML view of a class run (``classreport``)."""
    from grading.classreport import write_report

    return write_report(results, out)
