"""The mutation tool: mutants of the sample solutions, killed, surviving or marked equivalent."""

from __future__ import annotations

from grading import mutants
from grading.layout import Course


def test_mutants_cover_the_usual_mistakes():
    source = "def in_spec(cd, target, tol):\n    return abs(cd - target) <= target * tol / 100\n"
    idents = {m.ident for m in mutants.mutants(source)}
    assert {"L2 '<=' -> '<'", "L2 '-' -> '+'", "L2 '*' -> '/'", "L2 100 -> 101",
            "L2 return None"} <= idents


def test_survivors_are_reported_unless_marked_equivalent(own_course: Course):
    tests = own_course.chapters_dir / "01-sample" / "tests"
    (tests / "mutants-equivalent.txt").write_text(
        "# exercise: mutant: reason\n"
        "ex02_in_spec: L6 '<=' -> '<': the tests never hit the band's edge (kept as a lesson)\n")
    results = {r.exercise.name: r for r in mutants.mutate_chapter(own_course, "01-sample")}
    scale = results["ex01_scale"]
    assert scale.tried >= 2
    assert scale.killed == scale.tried
    in_spec = results["ex02_in_spec"]
    assert "L6 '<=' -> '<'" in in_spec.equivalent
    assert "L6 '<=' -> '<'" not in in_spec.survivors
    assert in_spec.killed + len(in_spec.equivalent) + len(in_spec.survivors) == in_spec.tried
