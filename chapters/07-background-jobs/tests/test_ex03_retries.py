"""Graded tests of ex03_retries: backoff that grows and is capped, jitter, transient errors only.

Retries are recorded with Celery's ``task_retry`` signal, whose ``reason`` is the ``Retry``
exception: ``reason.when`` is the countdown the task asked for. Eagerly, Celery runs the retry
at once (the countdown is recorded, not waited for); on a real worker it is honoured.
"""

from __future__ import annotations

import random

import pytest
from celery.signals import task_retry

from ch07_demo.services.archive import (
    ArchiveTimeout,
    ArchiveUnavailable,
    CorruptWaferFile,
    WaferNotFound,
)

HINT = (
    "backoff_delay: ceiling = min(cap, base * 2**attempt), delay = rng.random() * ceiling. "
    "In the task, catch TRANSIENT_ARCHIVE_ERRORS only and `raise self.retry(exc=..., "
    "countdown=..., max_retries=...)`; record one failure, then re-raise, when it is final."
)

TASK = "ch07.ex03.fetch_wafer"
WAFER = "L24-0121-W05"
BASE, CAP, MAX_RETRIES = 0.5, 4.0, 4


class ScriptedRandom:
    """A random source returning the given numbers in order; counts the draws."""

    def __init__(self, *values: float) -> None:
        self.values = list(values)
        self.draws = 0

    def random(self) -> float:
        self.draws += 1
        return self.values.pop(0)


@pytest.fixture
def countdowns():
    """The countdown of every retry requested during the test, in order."""
    seen = []

    def on_retry(sender=None, reason=None, **_):
        if getattr(sender, "name", None) == TASK:
            seen.append(reason.when)

    task_retry.connect(on_retry, weak=False)
    yield seen
    task_retry.disconnect(on_retry)


def app_with(make_app, seed=2024, **config):
    settings = {"ARCHIVE_RETRY_BASE_S": BASE, "ARCHIVE_RETRY_CAP_S": CAP,
                "ARCHIVE_MAX_RETRIES": MAX_RETRIES, **config}
    app = make_app(**settings)
    app.extensions["retry_rng"] = random.Random(seed)
    return app


def expected_delays(seed, attempts, base=BASE, cap=CAP):
    rng = random.Random(seed)
    return [rng.random() * min(cap, base * 2**n) for n in range(attempts)]


# --- the pure function ----------------------------------------------------------------------


@pytest.mark.points(3)
def test_the_ceiling_doubles_per_attempt_up_to_the_cap(ex):
    draws = [0.5, 0.25, 1.0 - 1e-9, 0.5, 0.5, 0.5, 0.5, 0.1]
    rng = ScriptedRandom(*draws)
    delays = [ex.backoff_delay(n, base_s=0.5, cap_s=8.0, rng=rng) for n in range(8)]
    ceilings = [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    assert delays == pytest.approx([d * c for d, c in zip(draws, ceilings, strict=True)]), (
        f"backoff_delay(0..7, base_s=0.5, cap_s=8) with draws {draws}"
    )
    assert rng.draws == 8, "exactly one rng.random() per delay"


@pytest.mark.points(2)
def test_the_delay_is_jittered_below_the_ceiling(ex):
    rng = random.Random(7)
    delays = [ex.backoff_delay(3, base_s=1.0, cap_s=60.0, rng=rng) for _ in range(200)]
    assert all(0.0 <= d < 8.0 for d in delays), "full jitter stays in [0, ceiling)"
    assert len(set(delays)) == 200, "each delay is drawn anew: jitter"
    assert min(delays) < 2.0, "jitter spans the whole range"
    assert max(delays) > 6.0, "jitter spans the whole range"
    assert ex.backoff_delay(2, base_s=0.25, cap_s=10.0, rng=random.Random(3)) == (
        random.Random(3).random() * 1.0
    )


@pytest.mark.points(1)
def test_nonsense_backoff_parameters_are_refused(ex):
    for attempt, base_s, cap_s in [(-1, 1.0, 8.0), (0, 0.0, 8.0), (0, -1.0, 8.0), (0, 2.0, 1.0)]:
        with pytest.raises(ValueError):
            ex.backoff_delay(attempt, base_s=base_s, cap_s=cap_s, rng=random.Random(1))


@pytest.mark.points(1)
def test_the_cap_may_equal_the_base(ex):
    assert ex.backoff_delay(5, base_s=2.0, cap_s=2.0, rng=ScriptedRandom(0.5)) == 1.0


# --- the task -------------------------------------------------------------------------------


@pytest.mark.points(3)
def test_transient_errors_are_retried_with_growing_jittered_countdowns(
        ex, make_app, archive, countdowns):
    app = app_with(make_app, seed=11)
    archive.fail_next(WAFER, ArchiveTimeout("no answer in 30 s"), ArchiveUnavailable("503"),
                      ConnectionError("reset by peer"))
    result = app.extensions["celery"].tasks[TASK].delay(WAFER)

    assert result.state == "SUCCESS", f"{result.state}: {result.result!r}"
    assert result.result == {"wafer_id": WAFER, "points": 63}
    assert archive.calls_of(WAFER) == 4, "three failed reads, then the one that worked"
    assert countdowns == pytest.approx(expected_delays(11, 3)), (
        "countdown n must be backoff_delay(n, base, cap, the app's retry_rng)"
    )
    assert app.extensions["job_failures"] == [], "a retry is not a terminal failure"


@pytest.mark.points(3)
def test_giving_up_records_one_failure_with_its_reason(ex, make_app, archive, countdowns):
    app = app_with(make_app, seed=5)
    archive.always_fail(WAFER, ArchiveTimeout("no answer in 30 s"))
    result = app.extensions["celery"].tasks[TASK].delay(WAFER)

    assert result.state == "FAILURE"
    assert isinstance(result.result, ArchiveTimeout), repr(result.result)
    assert archive.calls_of(WAFER) == MAX_RETRIES + 1, "the first attempt and every retry"
    assert countdowns == pytest.approx(expected_delays(5, MAX_RETRIES))
    assert app.extensions["job_failures"] == [{
        "task": TASK, "task_id": result.id, "wafer_id": WAFER,
        "reason": "ArchiveTimeout: no answer in 30 s", "attempts": MAX_RETRIES + 1,
        "transient": True,
    }]


@pytest.mark.points(2)
@pytest.mark.parametrize("error", [
    WaferNotFound("no wafer L24-0121-W05 in the archive"),
    CorruptWaferFile("row 12: CD is not a number"),
    KeyError("cd_nm"),
])
def test_permanent_errors_fail_at_once_without_a_retry(ex, make_app, archive, countdowns,
                                                        error):
    app = app_with(make_app)
    archive.always_fail(WAFER, error)
    result = app.extensions["celery"].tasks[TASK].delay(WAFER)

    assert result.state == "FAILURE"
    assert result.result is error or type(result.result) is type(error)
    assert archive.calls_of(WAFER) == 1, f"{error!r} must not be retried"
    assert countdowns == []
    assert app.extensions["job_failures"] == [{
        "task": TASK, "task_id": result.id, "wafer_id": WAFER,
        "reason": f"{type(error).__name__}: {error}", "attempts": 1, "transient": False,
    }]


@pytest.mark.points(1)
def test_max_retries_comes_from_the_app(ex, make_app, archive, countdowns):
    app = app_with(make_app, ARCHIVE_MAX_RETRIES=1)
    archive.always_fail(WAFER, ArchiveUnavailable("503"))
    result = app.extensions["celery"].tasks[TASK].delay(WAFER)
    assert result.state == "FAILURE"
    assert archive.calls_of(WAFER) == 2
    assert len(countdowns) == 1
    assert app.extensions["job_failures"][0]["attempts"] == 2


@pytest.mark.points(2)
@pytest.mark.services
def test_a_real_worker_retries_and_succeeds(ex, make_app, archive, redis_celery, worker_for,
                                             countdowns):
    # Tiny delays: the worker honours each countdown, and the test must not wait for long.
    app = app_with(make_app, seed=3, celery=redis_celery, ARCHIVE_RETRY_BASE_S=0.001,
                   ARCHIVE_RETRY_CAP_S=0.004)
    archive.fail_next(WAFER, ArchiveUnavailable("503"), ArchiveTimeout("30 s"))
    with worker_for(app.extensions["celery"]):
        result = app.extensions["celery"].tasks[TASK].delay(WAFER)
        assert result.get(timeout=6) == {"wafer_id": WAFER, "points": 63}
    assert archive.calls_of(WAFER) == 3
    assert countdowns == pytest.approx(expected_delays(3, 2, base=0.001, cap=0.004))
    assert app.extensions["job_failures"] == []
