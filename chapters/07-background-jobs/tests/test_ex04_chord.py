"""Graded tests of ex04_chord: a batch over many files, summarised once, and its failures.

The chord runs on a real worker over the test Redis: eager mode runs a chord inline, and a
failing member then behaves nothing like it does in production.
"""

from __future__ import annotations

import pytest
from celery import chord

from ch07_demo.services.archive import CorruptWaferFile, WaferNotFound, fem_measurements

HINT = (
    "Members catch WaferNotFound and CorruptWaferFile and return {'ok': False, 'reason': ...}; "
    "the body must list those under 'failed'. build_batch: chord(group(...), body) where "
    "body.on_error(batch_failed signature) handles a member that raised."
)

ANALYSE, SUMMARISE, FAILED = ("ch07.ex04.analyse_file", "ch07.ex04.summarise_batch",
                              "ch07.ex04.batch_failed")
FILES = [f"L24-0118-W{n:02d}" for n in range(1, 7)]
TARGET, TOL = 45.0, 10.0


def counts(file_id, tol=TOL):
    cds = [m.cd_nm for m in fem_measurements(file_id)]
    return len(cds), sum(abs(cd - TARGET) <= TARGET * tol / 100 for cd in cds)


def run(celery_app, name, *args):
    return celery_app.tasks[name].apply(args=args).get()


# --- members and body, called directly ------------------------------------------------------


@pytest.mark.points(2)
def test_a_member_counts_in_spec_points_or_reports_a_bad_file(ex, make_app, archive):
    celery_app = make_app().extensions["celery"]
    for tol in (TOL, 4.5):
        points, passing = counts(FILES[0], tol)
        assert run(celery_app, ANALYSE, FILES[0], TARGET, tol) == {
            "file_id": FILES[0], "ok": True, "points": points, "in_spec": passing,
        }, f"analyse_file({FILES[0]!r}, {TARGET}, {tol})"
    archive.always_fail(FILES[1], CorruptWaferFile("row 12: CD is not a number"))
    archive.always_fail(FILES[2], WaferNotFound("no wafer L24-0118-W03 in the archive"))
    assert run(celery_app, ANALYSE, FILES[1], TARGET, TOL) == {
        "file_id": FILES[1], "ok": False, "reason": "CorruptWaferFile: row 12: CD is not a number",
    }
    assert run(celery_app, ANALYSE, FILES[2], TARGET, TOL) == {
        "file_id": FILES[2], "ok": False,
        "reason": "WaferNotFound: no wafer L24-0118-W03 in the archive",
    }
    archive.always_fail(FILES[3], OSError("disk read error"))
    result = celery_app.tasks[ANALYSE].apply(args=(FILES[3], TARGET, TOL))
    assert result.state == "FAILURE", "an unexpected error must fail the member"


@pytest.mark.points(3)
def test_the_summary_names_every_failed_file(ex, make_app):
    app = make_app()
    results = [
        {"file_id": "A", "ok": True, "points": 63, "in_spec": 40},
        {"file_id": "B", "ok": False, "reason": "CorruptWaferFile: row 12"},
        {"file_id": "C", "ok": True, "points": 50, "in_spec": 11},
        {"file_id": "D", "ok": False, "reason": "WaferNotFound: D"},
    ]
    expected = {
        "batch_id": "B-17", "files": 4, "succeeded": ["A", "C"],
        "failed": [{"file_id": "B", "reason": "CorruptWaferFile: row 12"},
                   {"file_id": "D", "reason": "WaferNotFound: D"}],
        "points": 113, "in_spec": 51, "in_spec_fraction": round(51 / 113, 4), "complete": False,
    }
    assert run(app.extensions["celery"], SUMMARISE, results, "B-17") == expected
    assert app.extensions["batch_summaries"] == {"B-17": expected}


@pytest.mark.points(1)
def test_a_batch_of_bad_files_only_has_no_fraction(ex, make_app):
    app = make_app()
    results = [{"file_id": "B", "ok": False, "reason": "CorruptWaferFile: row 1"}]
    summary = run(app.extensions["celery"], SUMMARISE, results, "B-18")
    assert (summary["points"], summary["in_spec_fraction"], summary["complete"]) == (0, None,
                                                                                       False)
    clean = [{"file_id": "A", "ok": True, "points": 10, "in_spec": 10}]
    assert run(app.extensions["celery"], SUMMARISE, clean, "B-19")["complete"] is True


@pytest.mark.points(2)
def test_the_batch_is_a_chord_with_an_error_callback(ex, make_app):
    celery_app = make_app().extensions["celery"]
    batch = ex.build_batch(celery_app, FILES[:3], "B-20", target_cd_nm=TARGET,
                           tolerance_pct=TOL)
    assert isinstance(batch, chord)
    assert [(t.task, tuple(t.args)) for t in batch.tasks] == [
        (ANALYSE, (f, TARGET, TOL)) for f in FILES[:3]
    ]
    assert (batch.body.task, tuple(batch.body.args)) == (SUMMARISE, ("B-20",))
    errbacks = batch.body.options.get("link_error") or []
    assert [(e["task"], tuple(e["args"])) for e in errbacks] == [(FAILED, ("B-20",))]
    for bad in ([], ["A", "B", "A"]):
        with pytest.raises(ValueError):
            ex.build_batch(celery_app, bad, "B-21", target_cd_nm=TARGET, tolerance_pct=TOL)


# --- on a real worker -----------------------------------------------------------------------


@pytest.mark.points(3)
@pytest.mark.services
def test_a_batch_with_a_bad_file_completes_and_says_so(ex, make_app, archive, redis_celery,
                                                        worker_for):
    app = make_app(celery=redis_celery)
    celery_app = app.extensions["celery"]
    archive.always_fail(FILES[2], CorruptWaferFile("row 12: CD is not a number"))
    with worker_for(celery_app):
        batch = ex.build_batch(celery_app, FILES, "B-30", target_cd_nm=TARGET,
                               tolerance_pct=TOL)
        summary = batch.apply_async().get(timeout=6)
    good = [f for f in FILES if f != FILES[2]]
    points = sum(counts(f)[0] for f in good)
    passing = sum(counts(f)[1] for f in good)
    assert summary == {
        "batch_id": "B-30", "files": 6, "succeeded": good,
        "failed": [{"file_id": FILES[2], "reason": "CorruptWaferFile: row 12: CD is not a number"}],
        "points": points, "in_spec": passing, "in_spec_fraction": round(passing / points, 4),
        "complete": False,
    }
    assert sorted(archive.calls) == sorted(FILES), "each file is read once"
    assert app.extensions["batch_summaries"]["B-30"] == summary
    assert app.extensions["batch_failures"] == []


@pytest.mark.points(3)
@pytest.mark.services
def test_a_member_that_crashes_fails_the_batch_through_the_error_callback(
        ex, make_app, archive, redis_celery, worker_for, wait):
    app = make_app(celery=redis_celery)
    celery_app = app.extensions["celery"]
    archive.always_fail(FILES[4], OSError("disk read error"))
    with worker_for(celery_app):
        result = ex.build_batch(celery_app, FILES, "B-31", target_cd_nm=TARGET,
                                tolerance_pct=TOL).apply_async()
        wait(lambda: result.ready(), "the chord to fail")
        wait(lambda: app.extensions["batch_failures"], "the error callback to run")
    assert result.state == "FAILURE"
    assert "B-31" not in app.extensions["batch_summaries"], "the body must not have run"
    [failure] = app.extensions["batch_failures"]
    assert failure["batch_id"] == "B-31"
    assert "disk read error" in failure["reason"], failure
    assert failure["callback_id"] == result.id, "request is the body's request"
