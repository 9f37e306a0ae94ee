"""``course``: the command behind ``make check``, ``make grade``, ``make verify`` and
``make new-exercise``.

    course check [--ch NN] [--watch]             a trainee's progress and next step
    course grade --submission PATH [--ch NN] [--out DIR] [--extra-tests DIR]
    course grade --class DIR [--out DIR] [--extra-tests DIR]
    course verify [--ch NN]                      starters fail, solutions pass, points, demos
    course new-exercise --ch NN --name slug      scaffold an exercise
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grading import progress as progress_view
from grading import reports, scaffold, verify
from grading.layout import Course, LayoutError, find_repo_root
from grading.runner import ExerciseResult, Runner, Settings


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "timeout", None):
        settings.test_timeout = args.timeout
    if getattr(args, "unit_timeout", None):
        settings.unit_timeout = args.unit_timeout
    if getattr(args, "jobs", None):
        settings.jobs = args.jobs
    return settings


def _progress_line(result: ExerciseResult) -> None:
    mark = "ok  " if result.solved else "FAIL"
    print(f"  {mark} {result.chapter}/{result.exercise}  "
          f"{result.points:g}/{result.max_points:g}", flush=True)


def cmd_grade(args: argparse.Namespace, course: Course) -> int:
    runner = Runner(course, _settings(args))
    extra = Path(args.extra_tests).resolve() if args.extra_tests else None
    out = Path(args.out)
    if args.class_dir:
        folder = Path(args.class_dir)
        if not folder.is_dir():
            print(f"error: {folder} is not a folder of submissions", file=sys.stderr)
            return 2
        submissions = sorted(p for p in folder.iterdir() if p.is_dir())
        if not submissions:
            print(f"error: {folder} holds no submission folders", file=sys.stderr)
            return 2
        results = {}
        for index, submission in enumerate(submissions, 1):
            print(f"[{index}/{len(submissions)}] {submission.name}", flush=True)
            result = runner.grade_submission(submission.resolve(), args.ch, extra, _progress_line)
            reports.write_all(result, out / submission.name)
            results[submission.name] = result
            print(f"  total {result.points:g}/{result.max_points:g} ({result.duration:.1f}s)")
        reports.gradebook(results, out / "gradebook.csv")
        print(f"\nGradebook: {out / 'gradebook.csv'}; per submission: {out}/<name>/grade.json")
        return 0
    submission = Path(args.submission).resolve()
    print(f"Grading {submission}", flush=True)
    result = runner.grade_submission(submission, args.ch, extra, _progress_line)
    paths = reports.write_all(result, out)
    print("\n" + reports.summary(result))
    print(f"\nReports: {', '.join(str(p) for p in paths.values())}")
    return 0


def cmd_check(args: argparse.Namespace, course: Course) -> int:
    runner = Runner(course, _settings(args))
    state = progress_view.Progress.load(course.root)
    view = progress_view.CheckView(course, runner, state)
    if args.watch:
        return view.watch(args.ch)
    view.run(args.ch)
    return 0


def cmd_verify(args: argparse.Namespace, course: Course) -> int:
    return 0 if verify.verify(course, Runner(course, _settings(args)), args.ch) else 1


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
        p.add_argument("--timeout", type=float, help="seconds per test (default 10)")
        p.add_argument("--unit-timeout", type=float, help="seconds per exercise run (default 60)")
        p.add_argument("--jobs", type=int, help="parallel runs (default: CPU count)")

    grade = sub.add_parser("grade", help="grade a submission or a class of submissions")
    target = grade.add_mutually_exclusive_group(required=True)
    target.add_argument("--submission", help="a copy of the repository or of its chapters/")
    target.add_argument("--class", dest="class_dir", help="a folder of submission folders")
    grade.add_argument("--ch", help="only this chapter (NN)")
    grade.add_argument("--out", default="grades", help="report folder (default: grades)")
    grade.add_argument("--extra-tests", help="private tests: DIR/NN-slug/test_exNN_slug.py")
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
