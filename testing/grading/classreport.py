"""The instructor's view of a class run: ``OUT/report/index.html`` and a page per submission.

Plain HTML that opens offline (no scripts, no web fonts, no remote assets): per chapter a
score-distribution plot (matplotlib, embedded as a PNG data URI), per exercise its pass rate, the
most common first failure and the submissions flagged for review; per submission every
exercise with its points, first failure, and the confinement it was graded under.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from pathlib import Path

from grading.runner import GradeResult

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}.num{text-align:right}
.flag{color:#a00;font-weight:600}.ok{color:#070}img{max-width:36rem}
"""


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)}"
            f"</title><style>{STYLE}</style><body><h1>{html.escape(title)}</h1>{body}</body>"
            "</html>\n")


def _histogram(chapter: str, scores: list[float], most: float) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 2.6), dpi=100)
    axes = figure.add_subplot()
    bins = max(1, min(20, int(most) or 1))
    axes.hist(scores, bins=bins, range=(0, most or 1), color="#4a7bb7", edgecolor="white")
    axes.set_xlabel(f"points (of {most:g})")
    axes.set_ylabel("submissions")
    axes.set_title(chapter)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    data = base64.b64encode(buffer.getvalue()).decode()
    label = html.escape(f"score distribution of {chapter}")
    return f'<img alt="{label}" src="data:image/png;base64,{data}">'


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "submission"


def write_report(results: dict[str, GradeResult], out: Path) -> Path:
    folder = out / "report"
    (folder / "submissions").mkdir(parents=True, exist_ok=True)
    names = sorted(results)
    parts = [f"<p>{len(names)} submissions.</p>"]
    chapters: dict[str, list[str]] = {}
    for result in results.values():
        for exercise in result.exercises:
            keys = chapters.setdefault(exercise.chapter, [])
            if exercise.exercise not in keys:
                keys.append(exercise.exercise)
    for chapter, exercises in chapters.items():
        scores, most = [], 0.0
        for name in names:
            mine = [e for e in results[name].exercises if e.chapter == chapter]
            scores.append(sum(e.points for e in mine))
            most = max(most, sum(e.max_points for e in mine))
        parts.append(f"<h2>{html.escape(chapter)}</h2>{_histogram(chapter, scores, most)}")
        rows = []
        for exercise in exercises:
            graded = [(n, e) for n in names for e in results[n].exercises
                      if e.chapter == chapter and e.exercise == exercise]
            solved = sum(1 for _, e in graded if e.solved)
            failures = Counter(f"{e.first_failure.name}: {e.first_failure.message[:120]}"
                               for _, e in graded if e.first_failure and not e.flagged)
            common = failures.most_common(1)
            flagged = [n for n, e in graded if e.flagged]
            rows.append(
                f"<tr><td>{html.escape(exercise)}</td>"
                f"<td class=num>{solved}/{len(graded)} ({100 * solved / max(1, len(graded)):.0f} %)"
                f"</td><td>{html.escape(common[0][0]) + f' ({common[0][1]}x)' if common else ''}"
                f"</td><td class=flag>{', '.join(_link(n) for n in flagged)}</td></tr>")
        parts.append("<table><tr><th>exercise</th><th>pass rate</th><th>most common first "
                     "failure</th><th>flagged for review</th></tr>" + "".join(rows) + "</table>")
    rows = [f"<tr><td>{_link(n)}</td><td class=num>{results[n].points:g}/"
            f"{results[n].max_points:g}</td><td class=flag>"
            f"{len(results[n].flagged) or ''}</td></tr>" for n in names]
    parts.append("<h2>Submissions</h2><table><tr><th>submission</th><th>points</th>"
                 "<th>flagged</th></tr>" + "".join(rows) + "</table>")
    index = folder / "index.html"
    index.write_text(_page("Class report", "".join(parts)))
    for name in names:
        (folder / "submissions" / f"{_slug(name)}.html").write_text(
            _submission_page(name, results[name]))
    return index


def _link(name: str) -> str:
    return f'<a href="submissions/{_slug(name)}.html">{html.escape(name)}</a>'


def _submission_page(name: str, result: GradeResult) -> str:
    from grading.reports import _confinement

    parts = [f"<p><a href=../index.html>class report</a> · {result.points:g}/"
             f"{result.max_points:g} points · graded "
             f"{html.escape(_confinement(result.confinement) if result.confinement else '')}"
             f" · {result.duration:.1f} s</p>"]
    parts += [f"<p class=flag>{html.escape(p)}</p>" for p in result.problems]
    rows = []
    for exercise in result.exercises:
        failure = exercise.first_failure
        state = ("<span class=flag>review: " + html.escape(exercise.flagged) + "</span>"
                 if exercise.flagged else
                 "<span class=ok>solved</span>" if exercise.solved else
                 html.escape(f"{failure.name}: {failure.message}") if failure else "")
        rows.append(f"<tr><td>{html.escape(exercise.chapter)}</td>"
                    f"<td>{html.escape(exercise.exercise)}</td><td class=num>"
                    f"{exercise.points:g}/{exercise.max_points:g}</td><td>{state}</td></tr>")
    parts.append("<table><tr><th>chapter</th><th>exercise</th><th>points</th><th>first failure"
                 "</th></tr>" + "".join(rows) + "</table>")
    return _page(f"Submission {name}", "".join(parts))
