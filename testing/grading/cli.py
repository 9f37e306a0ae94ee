"""``course``: the command behind ``make check``, ``make grade``, ``make verify`` and
``make new-exercise``.

    course check [--ch NN] [--watch]             a trainee's progress and next step
    course grade --submission PATH [--ch NN] [--out DIR] [--extra-tests DIR] [--unconfined]
    course grade --class DIR [--out DIR] [--extra-tests DIR] [--jobs N] [--unconfined]
    course verify [--ch NN]                      starters fail, solutions pass, points, demos
    course mutants [--ch NN] [--min PCT]         mutants of each solution the tests kill
    course new-exercise --ch NN --name slug      scaffold an exercise
"""

from __future__ import annotations

import argparse
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grading import progress as progress_view
from grading import reports, scaffold, verify
from grading.layout import Course, LayoutError, find_repo_root
from grading.runner import ExerciseResult, GradeResult, Runner, Settings


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "timeout", None):
        settings.test_cpu = args.timeout
    if getattr(args, "unit_timeout", None):
        settings.unit_cpu = args.unit_timeout
    if getattr(args, "wall", None):
        settings.wall = args.wall
    if getattr(args, "jobs", None):
        settings.jobs = args.jobs
    if getattr(args, "unconfined", False):
        settings.confine = False
    return settings


def _progress_line(result: ExerciseResult) -> None:
    mark = "ok  " if result.solved else "FAIL"
    print(f"  {mark} {result.chapter}/{result.exercise}  "
          f"{result.points:g}/{result.max_points:g}", flush=True)


def cmd_grade(args: argparse.Namespace, course: Course) -> int:
    with Runner(course, _settings(args)) as runner:
        confinement = runner.confinement
        if not confinement.confined and not args.unconfined:
            print(f"error: no OS sandbox here ({confinement.reason}); submissions are not graded "
                  "unconfined unless you say so: --unconfined (make grade UNCONFINED=1)",
                  file=sys.stderr)
            return 2
        print(f"Grading {confinement.describe()}", flush=True)
        if args.class_dir:
            return _grade_class(args, course, runner)
        return _grade_one(args, runner)


def _grade_one(args: argparse.Namespace, runner: Runner) -> int:
    extra = Path(args.extra_tests).resolve() if args.extra_tests else None
    submission = Path(args.submission).resolve()
    print(f"Grading {submission}", flush=True)
    result = runner.grade_submission(submission, args.ch, extra, _progress_line, args.exercise)
    paths = reports.write_all(result, Path(args.out))
    print("\n" + reports.summary(result))
    print(f"\nReports: {', '.join(str(p) for p in paths.values())}")
    if args.require_full and result.points < result.max_points:
        return 1
    return 0


def _grade_class(args: argparse.Namespace, course: Course, runner: Runner) -> int:
    """Every submission folder of a class, ``--jobs`` units at a time across submissions; a
    submission that breaks the grader scores 0 with the reason, and the gradebook is always
    written."""
    extra = Path(args.extra_tests).resolve() if args.extra_tests else None
    out, folder = Path(args.out), Path(args.class_dir)
    if not folder.is_dir():
        print(f"error: {folder} is not a folder of submissions", file=sys.stderr)
        return 2
    submissions = sorted(p for p in folder.iterdir() if p.is_dir())
    if not submissions:
        print(f"error: {folder} holds no submission folders", file=sys.stderr)
        return 2
    results: dict[str, GradeResult] = {}
    printing = threading.Lock()

    def grade(submission: Path) -> None:
        try:
            result = runner.grade_submission(submission.resolve(), args.ch, extra)
        except Exception as exc:  # noqa: BLE001 - one submission never stops the class
            result = _failed_result(runner, submission, args.ch, exc)
        results[submission.name] = result
        with printing:
            print(f"[{len(results)}/{len(submissions)}] {submission.name}: "
                  f"{result.points:g}/{result.max_points:g} ({result.duration:.1f}s)"
                  + (f", {len(result.flagged)} flagged for review" if result.flagged else ""),
                  flush=True)

    with ThreadPoolExecutor(max_workers=runner.jobs) as pool:
        list(pool.map(grade, submissions))
    for name, result in results.items():
        reports.write_all(result, out / name)
    reports.gradebook(results, out / "gradebook.csv")
    report = reports.class_report(results, out)
    print(f"\nGradebook: {out / 'gradebook.csv'}; class report: {report}; "
          f"per submission: {out}/<name>/grade.json")
    return 0


def _failed_result(runner: Runner, submission: Path, chapter: str | None,
                   exc: Exception) -> GradeResult:
    from grading.runner import TestResult

    planned = runner.planned()
    exercises = []
    for exercise in runner.course.exercises(chapter):
        result = ExerciseResult(exercise.chapter, exercise.name)
        result.tests = [TestResult(t["name"], t["points"], False,
                                   f"not graded: {type(exc).__name__}: {exc}", "error")
                        for t in planned.get(exercise.key, [])]
        exercises.append(result)
    return GradeResult(str(submission), exercises, 0.0,
                       [f"grading failed: {type(exc).__name__}: {exc}"],
                       runner.confinement.to_dict())


def cmd_check(args: argparse.Namespace, course: Course) -> int:
    with Runner(course, _settings(args)) as runner:
        state = progress_view.Progress.load(course.root)
        view = progress_view.CheckView(course, runner, state)
        if args.watch:
            return view.watch(args.ch)
        view.run(args.ch)
    return 0


def cmd_verify(args: argparse.Namespace, course: Course) -> int:
    with Runner(course, _settings(args)) as runner:
        return 0 if verify.verify(course, runner, args.ch) else 1


def cmd_mutants(args: argparse.Namespace, course: Course) -> int:
    from grading import mutants

    return 0 if mutants.run(course, args.ch, args.min) else 1


def cmd_autograder(args: argparse.Namespace, course: Course) -> int:
    from grading import autograder

    out = Path(args.out or f"grades/autograder{'-ch' + args.ch if args.ch else ''}.zip")
    print(f"Gradescope autograder bundle: {autograder.bundle(course, out, args.ch)}")
    return 0


def cmd_classroom(args: argparse.Namespace, course: Course) -> int:
    from grading import autograder

    out = Path(args.out or f"grades/classroom-ch{args.ch}.yml")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(autograder.classroom_workflow(course, args.ch))
    print(f"GitHub Classroom workflow: {out} (copy it to .github/workflows/ of the template)")
    return 0


def cmd_new_exercise(args: argparse.Namespace, course: Course) -> int:
    created = scaffold.new_exercise(course, args.ch, args.name, args.points)
    for path in created:
        print(f"created {path.relative_to(course.root)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", help="course repository (default: the one this engine is in)")
    sub = parser.add_subparsers(dest="command", required=True)

    def timing(p: argparse.ArgumentParser) -> None:
        p.add_argument("--timeout", type=float, help="CPU seconds per test (default 10)")
        p.add_argument("--unit-timeout", type=float,
                       help="CPU seconds per unit, all its processes (default 60)")
        p.add_argument("--wall", type=float,
                       help="wall-clock backstop per unit for stuck runs (default 600)")
        p.add_argument("--jobs", type=int, help="parallel units (default: CPU count, memory "
                                                "permitting)")
        p.add_argument("--unconfined", action="store_true",
                       help="run without the OS sandbox (grade refuses to otherwise)")

    grade = sub.add_parser("grade", help="grade a submission or a class of submissions")
    target = grade.add_mutually_exclusive_group(required=True)
    target.add_argument("--submission", help="a copy of the repository or of its chapters/")
    target.add_argument("--class", dest="class_dir", help="a folder of submission folders")
    grade.add_argument("--ch", help="only this chapter (NN)")
    grade.add_argument("--out", default="grades", help="report folder (default: grades)")
    grade.add_argument("--extra-tests", help="private tests: DIR/NN-slug/test_exNN_slug.py")
    grade.add_argument("--exercise", help="only this exercise (exNN_slug; with --ch)")
    grade.add_argument("--require-full", action="store_true",
                       help="exit 1 unless every point is earned (for CI graders)")
    timing(grade)
    grade.set_defaults(func=cmd_grade)

    check = sub.add_parser("check", help="check your own exercises and see what to do next")
    check.add_argument("--ch", help="only this chapter (NN)")
    check.add_argument("--watch", action="store_true", help="re-check whenever you save")
    timing(check)
    check.set_defaults(func=cmd_check)

    ver = sub.add_parser("verify", help="prove every starter fails and every solution passes")
    ver.add_argument("--ch", help="only this chapter (NN)")
    timing(ver)
    ver.set_defaults(func=cmd_verify)

    mut = sub.add_parser("mutants", help="mutate each solution; report the mutants tests kill")
    mut.add_argument("--ch", help="only this chapter (NN)")
    mut.add_argument("--min", type=float, help="fail when a chapter kills fewer (percent)")
    mut.set_defaults(func=cmd_mutants)

    bundle = sub.add_parser("autograder", help="build a Gradescope autograder zip")
    bundle.add_argument("--ch", help="only this chapter (NN)")
    bundle.add_argument("--out", help="zip path (default grades/autograder[-chNN].zip)")
    bundle.set_defaults(func=cmd_autograder)

    room = sub.add_parser("classroom", help="write a GitHub Classroom autograding workflow")
    room.add_argument("--ch", required=True, help="chapter (NN)")
    room.add_argument("--out", help="file (default grades/classroom-chNN.yml)")
    room.set_defaults(func=cmd_classroom)

    new = sub.add_parser("new-exercise", help="scaffold starter, test, solution and README row")
    new.add_argument("--ch", required=True, help="chapter (NN)")
    new.add_argument("--name", required=True, help="slug, e.g. cursor_pagination")
    new.add_argument("--points", type=int, default=2, help="points of the scaffolded test")
    new.set_defaults(func=cmd_new_exercise)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        course = Course(Path(args.root).resolve() if args.root else find_repo_root())
        return args.func(args, course)
    except LayoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
