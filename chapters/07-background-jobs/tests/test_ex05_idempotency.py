"""Graded tests of ex05_idempotency: a Redis lock with an owner and an expiry, and jobs that run
once per key. Every key lives under the test's own prefix on the ``redis_url`` Redis.

"The worker died holding the lock" is played without waiting for a real expiry: the dead
worker's lock is taken with ``acquire_lock``, checked to carry a TTL, then made to expire at
once (``PEXPIRE``) or removed as Redis would remove it.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.services

HINT = (
    "acquire_lock: redis.set(key, token, nx=True, px=ttl_ms). release_lock: compare the token "
    "and delete in one Lua script. run_once: result marker first, then the lock, then the "
    "marker again, the work, the marker with its TTL, and release in a finally."
)

TASK = "ch07.ex05.import_wafer"
TTL_MS, RESULT_TTL_S = 30_000, 600


def keys(prefix, job_key):
    return f"{prefix}{job_key}:lock", f"{prefix}{job_key}:result"


def once(ex, redis_client, prefix, job_key, work):
    return ex.run_once(redis_client, job_key, work, prefix=prefix, lock_ttl_ms=TTL_MS,
                       result_ttl_s=RESULT_TTL_S)


# --- the lock -------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_the_lock_has_one_holder_and_an_expiry(ex, redis_client, key_prefix):
    key = f"{key_prefix}lock-a"
    token = ex.acquire_lock(redis_client, key, 5_000)
    assert isinstance(token, str), "the holder's token"
    assert token
    assert redis_client.get(key) == token.encode(), "the lock's value is the holder's token"
    assert 0 < redis_client.pttl(key) <= 5_000, (
        "a lock without expiry blocks its key forever when its holder dies"
    )
    assert ex.acquire_lock(redis_client, key, 5_000) is None, "a held lock cannot be taken"
    other = ex.acquire_lock(redis_client, f"{key_prefix}lock-b", 5_000)
    assert other, "another key is another lock"
    assert other != token, "every lock gets a token of its own"
    with pytest.raises(ValueError):
        ex.acquire_lock(redis_client, f"{key_prefix}lock-c", 0)
    assert ex.acquire_lock(redis_client, f"{key_prefix}lock-d", 1), "1 ms is a valid TTL"


@pytest.mark.points(2)
def test_only_the_holder_releases_the_lock(ex, redis_client, key_prefix):
    key = f"{key_prefix}lock-a"
    token = ex.acquire_lock(redis_client, key, 5_000)
    assert ex.release_lock(redis_client, key, "not-the-token") is False
    assert redis_client.get(key) == token.encode(), "someone else's release must not free it"
    assert ex.release_lock(redis_client, key, token) is True
    assert not redis_client.exists(key)
    assert ex.release_lock(redis_client, key, token) is False, "nothing left to release"


class RacingRedis:
    """The test Redis, where another worker acts at the worst moment.

    ``on(method, key, action)``: right after this client's next ``method`` call on ``key``
    (``get`` or ``set``) has run, ``action()`` runs, as if another worker had been scheduled
    in between. Everything else goes straight to the real client.
    """

    def __init__(self, client):
        self._client = client
        self._hooks = {}

    def on(self, method, key, action):
        self._hooks[(method, key)] = action

    def _after(self, method, key):
        action = self._hooks.pop((method, key if isinstance(key, str) else key.decode()), None)
        if action is not None:
            action()

    def get(self, name):
        value = self._client.get(name)
        self._after("get", name)
        return value

    def set(self, name, *args, **kwargs):
        value = self._client.set(name, *args, **kwargs)
        self._after("set", name)
        return value

    def __getattr__(self, name):
        return getattr(self._client, name)


@pytest.mark.points(2)
def test_the_release_is_one_atomic_compare_and_delete(ex, redis_client, key_prefix):
    key = f"{key_prefix}lock-a"
    racing = RacingRedis(redis_client)
    token = ex.acquire_lock(racing, key, 5_000)
    taken = {}

    def expire_and_take():
        # Between reading the token and deleting the key, the lock expires and is taken.
        redis_client.delete(key)
        taken["token"] = ex.acquire_lock(redis_client, key, 5_000)

    racing.on("get", key, expire_and_take)
    ex.release_lock(racing, key, token)
    if taken:
        assert redis_client.get(key) == taken["token"].encode(), (
            "a GET then a DEL is two steps: the lock was taken in between and then deleted"
        )
    else:
        assert not redis_client.exists(key), "the holder's release must delete the lock"


@pytest.mark.points(2)
def test_an_expired_lock_can_be_taken_again(ex, redis_client, key_prefix, wait):
    key = f"{key_prefix}lock-a"
    dead = ex.acquire_lock(redis_client, key, 60_000)
    redis_client.pexpire(key, 1)  # the holder died; its lock runs out
    wait(lambda: not redis_client.exists(key), "the dead holder's lock to expire")
    new = ex.acquire_lock(redis_client, key, 60_000)
    assert new
    assert new != dead
    assert ex.release_lock(redis_client, key, dead) is False, "the dead holder's token is void"
    assert redis_client.get(key) == new.encode()


# --- run_once -------------------------------------------------------------------------------


@pytest.mark.points(3)
def test_a_second_run_with_the_same_key_returns_the_first_result(ex, redis_client,
                                                                  key_prefix):
    calls = []

    def work():
        calls.append(1)
        return {"points": 63 * len(calls)}

    first = once(ex, redis_client, key_prefix, "job-1", work)
    second = once(ex, redis_client, key_prefix, "job-1", work)
    assert (first.status, first.result) == ("ran", {"points": 63})
    assert (second.status, second.result) == ("duplicate", {"points": 63})
    assert calls == [1], "the work ran twice for one key"
    lock_key, result_key = keys(key_prefix, "job-1")
    assert json.loads(redis_client.get(result_key)) == {"points": 63}
    assert 0 < redis_client.ttl(result_key) <= RESULT_TTL_S, "the result marker expires"
    assert not redis_client.exists(lock_key), "the lock is released after the work"
    other = once(ex, redis_client, key_prefix, "job-2", work)
    assert other.status == "ran", "another key is another job"


@pytest.mark.points(2)
def test_a_finished_job_is_a_duplicate_even_while_its_lock_is_held(ex, redis_client,
                                                                    key_prefix):
    lock_key, result_key = keys(key_prefix, "job-1")
    redis_client.set(result_key, json.dumps({"points": 63}), ex=RESULT_TTL_S)
    holder = ex.acquire_lock(redis_client, lock_key, TTL_MS)  # a redelivered copy is running
    calls = []
    outcome = once(ex, redis_client, key_prefix, "job-1", lambda: calls.append(1))
    assert (outcome.status, outcome.result, calls) == ("duplicate", {"points": 63}, [])
    assert redis_client.get(lock_key) == holder.encode()


@pytest.mark.points(2)
def test_a_run_that_finished_while_we_took_the_lock_is_a_duplicate(ex, redis_client,
                                                                    key_prefix):
    lock_key, result_key = keys(key_prefix, "job-1")
    racing = RacingRedis(redis_client)
    # The other run stores its result and releases its lock between our first look at the
    # marker and our SET NX; we then get the lock, and must look at the marker again.
    racing.on("get", result_key, lambda: redis_client.set(result_key, json.dumps("theirs"),
                                                          ex=RESULT_TTL_S))
    calls = []
    outcome = ex.run_once(racing, "job-1", lambda: calls.append(1) or "ours", prefix=key_prefix,
                          lock_ttl_ms=TTL_MS, result_ttl_s=RESULT_TTL_S)
    assert (outcome.status, outcome.result, calls) == ("duplicate", "theirs", [])
    assert not redis_client.exists(lock_key), "the lock is released"


@pytest.mark.points(2)
def test_the_work_runs_under_a_lock_with_an_expiry(ex, redis_client, key_prefix):
    lock_key, _ = keys(key_prefix, "job-1")
    seen = {}

    def work():
        seen["pttl"] = redis_client.pttl(lock_key)
        seen["nested"] = once(ex, redis_client, key_prefix, "job-1", lambda: "again")
        return "done"

    outcome = once(ex, redis_client, key_prefix, "job-1", work)
    assert outcome.status == "ran"
    assert 0 < seen["pttl"] <= TTL_MS, f"lock {lock_key} during the work: PTTL {seen['pttl']}"
    assert (seen["nested"].status, seen["nested"].result) == ("busy", None), (
        "a run that finds the lock held must not work"
    )


@pytest.mark.points(2)
def test_a_held_lock_is_busy_and_left_alone(ex, redis_client, key_prefix):
    lock_key, result_key = keys(key_prefix, "job-1")
    holder = ex.acquire_lock(redis_client, lock_key, TTL_MS)
    calls = []
    outcome = once(ex, redis_client, key_prefix, "job-1", lambda: calls.append(1))
    assert (outcome.status, outcome.result, calls) == ("busy", None, [])
    assert redis_client.get(lock_key) == holder.encode(), "a busy run must not touch the lock"
    assert not redis_client.exists(result_key)


@pytest.mark.points(3)
def test_a_lock_lost_during_the_work_is_not_released_by_its_old_holder(ex, redis_client,
                                                                        key_prefix):
    lock_key, _ = keys(key_prefix, "job-1")
    taken = {}

    def slow_work():
        # The work outlived its lock, which expired; another worker took the key meanwhile.
        redis_client.delete(lock_key)
        taken["token"] = ex.acquire_lock(redis_client, lock_key, TTL_MS)
        return "done"

    assert once(ex, redis_client, key_prefix, "job-1", slow_work).status == "ran"
    assert redis_client.get(lock_key) == taken["token"].encode(), (
        "releasing must not delete a lock that now belongs to someone else"
    )


@pytest.mark.points(2)
def test_a_failed_run_releases_the_lock_and_stores_nothing(ex, redis_client, key_prefix):
    lock_key, result_key = keys(key_prefix, "job-1")

    def broken():
        raise OSError("archive unreachable")

    with pytest.raises(OSError, match="archive unreachable"):
        once(ex, redis_client, key_prefix, "job-1", broken)
    assert not redis_client.exists(lock_key), "a failed run must release its lock"
    assert not redis_client.exists(result_key)
    assert once(ex, redis_client, key_prefix, "job-1", lambda: 7).status == "ran"


@pytest.mark.points(2)
def test_a_dead_workers_lock_delays_the_job_until_it_expires(ex, redis_client, key_prefix,
                                                              wait):
    lock_key, _ = keys(key_prefix, "job-1")
    ex.acquire_lock(redis_client, lock_key, 60_000)  # taken by a worker that then died
    assert once(ex, redis_client, key_prefix, "job-1", lambda: 1).status == "busy"
    redis_client.pexpire(lock_key, 1)
    wait(lambda: not redis_client.exists(lock_key), "the dead worker's lock to expire")
    assert once(ex, redis_client, key_prefix, "job-1", lambda: 1).status == "ran"


# --- the task on a real worker --------------------------------------------------------------


def job_app(make_app, redis_celery, redis_client, key_prefix):
    app = make_app(celery=redis_celery, JOB_KEY_PREFIX=f"{key_prefix}jobs:",
                   JOB_LOCK_TTL_MS=TTL_MS, JOB_RESULT_TTL_S=RESULT_TTL_S, JOB_BUSY_RETRY_S=0.01)
    app.extensions["redis"] = redis_client
    return app


@pytest.mark.points(3)
def test_a_job_submitted_twice_runs_once_on_a_worker(ex, make_app, archive, redis_celery,
                                                     redis_client, key_prefix, worker_for):
    app = job_app(make_app, redis_celery, redis_client, key_prefix)
    task = app.extensions["celery"].tasks[TASK]
    with worker_for(app.extensions["celery"]):
        first = task.delay("import-L24-0117-W03", "L24-0117-W03")
        second = task.delay("import-L24-0117-W03", "L24-0117-W03")
        other = task.delay("import-L24-0117-W04", "L24-0117-W04")
        results = [r.get(timeout=6) for r in (first, second, other)]
    expected = {"wafer_id": "L24-0117-W03", "points": 63}
    assert results[:2] == [{"status": "ran", "result": expected},
                           {"status": "duplicate", "result": expected}]
    assert results[2]["status"] == "ran"
    assert archive.calls_of("L24-0117-W03") == 1, "the same key must run once"


@pytest.mark.points(3)
def test_a_job_waits_out_a_dead_workers_lock_then_runs(ex, make_app, archive, redis_celery,
                                                       redis_client, key_prefix, worker_for,
                                                       wait):
    app = job_app(make_app, redis_celery, redis_client, key_prefix)
    lock_key, _ = keys(f"{key_prefix}jobs:", "import-L24-0121-W09")
    ex.acquire_lock(redis_client, lock_key, 60_000)  # its holder was SIGKILLed mid-import
    task = app.extensions["celery"].tasks[TASK]
    with worker_for(app.extensions["celery"]):
        result = task.delay("import-L24-0121-W09", "L24-0121-W09")
        wait(lambda: result.state == "RETRY", "the job to back off while the lock is held")
        assert archive.calls_of("L24-0121-W09") == 0, "the job ran while the lock was held"
        redis_client.pexpire(lock_key, 1)
        assert result.get(timeout=6) == {
            "status": "ran", "result": {"wafer_id": "L24-0121-W09", "points": 63}
        }
    assert archive.calls_of("L24-0121-W09") == 1
