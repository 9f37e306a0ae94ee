"""Exercise 05: a job submitted twice with the same key runs once.

Duplicates are normal with Celery: a client resubmits after a timeout, and with ``acks_late`` a
message whose worker died (or outlived the visibility timeout) is delivered again. The task
itself must make a second run harmless. Two guards, both in Redis:

- a **result marker** ``<prefix><key>:result``: the first run's result, stored with a TTL; a
  later run with the same key returns it without working again;
- a **lock** ``<prefix><key>:lock`` held while the work runs, so that two runs at the same time
  cannot both start. ``SET key token NX PX ttl``: only one caller gets it, it carries a random
  token that says who holds it, and it **expires**, so a worker that dies holding it (SIGKILL,
  OOM, a lost node) blocks the key for ``ttl`` at most. Only the holder may release it: a
  compare-and-delete in one Lua script, since a plain ``DEL`` after the lock expired and
  another worker took it would free the other worker's lock.

The app provides ``current_app.extensions["redis"]`` (a ``redis.Redis``),
``extensions["metrology_archive"]`` and ``config["JOB_KEY_PREFIX"]``, ``config["JOB_LOCK_TTL_MS"]``,
``config["JOB_RESULT_TTL_S"]`` and ``config["JOB_BUSY_RETRY_S"]``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import Task, shared_task
from flask import current_app
from redis import Redis

TASK_NAME = "ch07.ex05.import_wafer"

# KEYS[1] the lock, ARGV[1] the caller's token: delete only if the caller still holds it.
RELEASE_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


@dataclass(frozen=True)
class Outcome:
    """``status``: ``"ran"`` (this call did the work), ``"duplicate"`` (an earlier run did;
    ``result`` is its result) or ``"busy"`` (another run holds the lock; ``result`` None)."""

    status: str
    result: Any = None


def acquire_lock(redis: Redis, key: str, ttl_ms: int) -> str | None:
    """Take the lock ``key`` for ``ttl_ms`` milliseconds; its new random token, or None if held.

    One ``SET key token NX PX ttl_ms``: atomic, and the lock expires by itself. Every call
    makes a new token (``uuid4().hex``). ``ValueError`` when ``ttl_ms < 1``.
    """
    if ttl_ms < 1:
        raise ValueError(f"ttl_ms must be >= 1, got {ttl_ms}")
    token = uuid.uuid4().hex
    return token if redis.set(key, token, nx=True, px=ttl_ms) else None


def release_lock(redis: Redis, key: str, token: str) -> bool:
    """Delete the lock ``key`` if, and only if, it still holds ``token``; True if deleted.

    One atomic compare-and-delete (``RELEASE_SCRIPT``, run with ``redis.eval`` or a registered
    script): a lock that expired and was taken by someone else is left alone.
    """
    return bool(redis.eval(RELEASE_SCRIPT, 1, key, token))


def run_once(
    redis: Redis,
    job_key: str,
    work: Callable[[], Any],
    *,
    prefix: str,
    lock_ttl_ms: int,
    result_ttl_s: int,
) -> Outcome:
    """Run ``work()`` once per ``job_key``; its result must be JSON-serialisable.

    1. If ``<prefix><job_key>:result`` exists: ``Outcome("duplicate", <stored result>)``,
       without calling ``work``.
    2. Take the lock ``<prefix><job_key>:lock`` (``acquire_lock``, ``lock_ttl_ms``); not
       available: ``Outcome("busy")``, without calling ``work`` and leaving the lock alone.
    3. Holding it, look for the result marker again (a run that finished between steps 1 and 2):
       found, ``Outcome("duplicate", ...)``. Otherwise call ``work()``, store its result as
       JSON in the marker with a TTL of ``result_ttl_s`` seconds, ``Outcome("ran", result)``.
    4. Release the lock (``release_lock`` with this call's token) in every case once it was
       taken, also when ``work`` raises; the exception then propagates and no marker is stored,
       so a later call runs the work again.
    """
    result_key = f"{prefix}{job_key}:result"
    lock_key = f"{prefix}{job_key}:lock"
    stored = redis.get(result_key)
    if stored is not None:
        return Outcome("duplicate", json.loads(stored))
    token = acquire_lock(redis, lock_key, lock_ttl_ms)
    if token is None:
        return Outcome("busy")
    try:
        stored = redis.get(result_key)
        if stored is not None:
            return Outcome("duplicate", json.loads(stored))
        result = work()
        redis.set(result_key, json.dumps(result), ex=result_ttl_s)
        return Outcome("ran", result)
    finally:
        release_lock(redis, lock_key, token)


@shared_task(bind=True, name=TASK_NAME, max_retries=None)
def import_wafer(self: Task, job_key: str, wafer_id: str) -> dict[str, Any]:
    """Import a wafer at most once per ``job_key``: ``{"status": ..., "result": ...}``.

    The work is ``{"wafer_id": wafer_id, "points": len(archive.fetch(wafer_id))}``, run through
    ``run_once`` with the app's prefix and TTLs. ``"ran"`` and ``"duplicate"`` return
    ``{"status": outcome.status, "result": outcome.result}``. ``"busy"`` (another run holds the
    lock, or a dead worker's lock has not expired yet) retries the task after
    ``config["JOB_BUSY_RETRY_S"]`` seconds (``raise self.retry(countdown=...)``), without limit.
    """
    config = current_app.config
    archive = current_app.extensions["metrology_archive"]

    def work() -> dict[str, Any]:
        return {"wafer_id": wafer_id, "points": len(archive.fetch(wafer_id))}

    outcome = run_once(
        current_app.extensions["redis"],
        job_key,
        work,
        prefix=config["JOB_KEY_PREFIX"],
        lock_ttl_ms=config["JOB_LOCK_TTL_MS"],
        result_ttl_s=config["JOB_RESULT_TTL_S"],
    )
    if outcome.status == "busy":
        raise self.retry(countdown=config["JOB_BUSY_RETRY_S"])
    return {"status": outcome.status, "result": outcome.result}
