"""Fixtures for chapter 07: Flask apps with Celery, eager or on a real worker over Redis.

- ``make_app(celery=...)`` builds a Flask app with its Celery app (the demo's ``celery_init_app``
  unless the test passes another), a scripted ``FakeArchive`` and empty failure records.
- ``eager_celery()`` is the embedded default's configuration: tasks run inside the caller.
- ``redis_celery`` configures Celery on the ``redis_url`` fixture (never a hard-coded address),
  with a key prefix and a queue of the test's own, so tests of different chapters and
  concurrent runs never see each other's messages or results; every key is deleted afterwards.
- ``running_worker(celery_app)``: Celery's in-process test worker (a thread, solo pool).
- ``wait_until(predicate, what)``: waits for a state, not for a time; the deadline only bounds
  a hang.

``ch07_demo`` is imported inside the fixtures: pytest loads this file before the grading
plugin has put the chapter demos on ``sys.path``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask

# Bounds a hang only: the states waited for arrive in milliseconds. Below the grader's 10 s
# per-test limit, so a hang fails with a message instead of a kill.
HANG_S = 6.0


def wait_until(predicate: Callable[[], Any], what: str, timeout: float = HANG_S) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what} (last value: {value!r})", pytrace=False)
        time.sleep(0.005)


class FakeArchive:
    """A metrology archive the test scripts: which reads fail, and how; records every read.

    Measurements are the demo archive's synthetic FEM data for any id (``fem_measurements``).
    """

    def __init__(self) -> None:
        self.calls: list[str] = []
        self._next_errors: dict[str, list[BaseException]] = {}
        self._always: dict[str, BaseException] = {}
        self._gates: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def fail_next(self, wafer_id: str, *errors: BaseException) -> None:
        """The next reads of ``wafer_id`` raise these errors, one per read, then succeed."""
        self._next_errors.setdefault(wafer_id, []).extend(errors)

    def always_fail(self, wafer_id: str, error: BaseException) -> None:
        self._always[wafer_id] = error

    def gate(self, wafer_id: str) -> threading.Event:
        """Reads of ``wafer_id`` wait until the returned event is set (at most HANG_S)."""
        return self._gates.setdefault(wafer_id, threading.Event())

    def calls_of(self, wafer_id: str) -> int:
        with self._lock:
            return self.calls.count(wafer_id)

    def fetch(self, wafer_id: str):
        from ch07_demo.services.archive import fem_measurements

        with self._lock:
            self.calls.append(wafer_id)
            queued = self._next_errors.get(wafer_id)
            error = queued.pop(0) if queued else self._always.get(wafer_id)
            gate = self._gates.get(wafer_id)
        if gate is not None:
            gate.wait(HANG_S)
        if error is not None:
            raise error
        return fem_measurements(wafer_id)


@pytest.fixture(autouse=True)
def _celery_globals() -> Iterator[None]:
    """Celery keeps a default app and a per-thread current app: reset both around each test."""
    from celery import _state

    saved = _state.default_app
    finalizers = set(_state._on_app_finalizers)
    apps = set(_state._get_active_apps())
    _state._tls.current_app = None
    yield
    _state._tls.current_app = None
    _state.default_app = saved
    # Apps of this test (a closed app stays registered until collected, and Celery's fallback
    # "default" app is created on first use): @shared_task would register on each of them.
    for app in set(_state._get_active_apps()) - apps:
        _state._deregister_app(app)
    # Each test imports its exercise afresh, and each import's @shared_task registers itself
    # for every Celery app created later: forget this test's, so the next test's app gets
    # the next import's task (and no DuplicateTaskNameWarning).
    for finalizer in set(_state._on_app_finalizers) - finalizers:
        cells = finalizer.__closure__ or ()
        if any(getattr(c.cell_contents, "__module__", "").startswith("course_impl.")
               for c in cells):
            _state._on_app_finalizers.discard(finalizer)


@pytest.fixture
def archive() -> FakeArchive:
    return FakeArchive()


def eager_celery() -> dict[str, Any]:
    return {
        "broker_url": "memory://",
        "result_backend": "cache+memory://",
        "task_always_eager": True,
        "task_store_eager_result": True,
        "task_eager_propagates": False,
    }


@pytest.fixture
def key_prefix() -> str:
    return f"ch07-test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def redis_client(redis_url: str, key_prefix: str) -> Iterator[Any]:
    """A client of the test Redis; every key under this test's prefix is deleted afterwards."""
    import redis

    client = redis.Redis.from_url(redis_url)
    yield client
    # Under the prefix, and kombu keys that name a queue of this test (_kombu.binding...).
    for key in client.scan_iter(match=f"*{key_prefix}*", count=500):
        client.delete(key)
    client.close()


@pytest.fixture
def redis_celery(redis_url: str, key_prefix: str, redis_client: Any) -> dict[str, Any]:
    """Celery settings for a real worker on the test Redis, isolated by this test's prefix."""
    return {
        "broker_url": redis_url,
        "result_backend": redis_url,
        # kombu prefixes every broker key, the backend every result key: nothing is shared
        # with another test. A short poll lets the test worker stop quickly.
        "broker_transport_options": {"global_keyprefix": key_prefix, "polling_interval": 0.1},
        "result_backend_transport_options": {"global_keyprefix": key_prefix},
        "task_default_queue": f"{key_prefix}jobs",
        "task_track_started": True,
        "worker_enable_remote_control": False,
        "worker_hijack_root_logger": False,
        "broker_connection_retry_on_startup": False,
        "result_expires": 600,
    }


@pytest.fixture
def make_app(archive: FakeArchive) -> Iterator[Callable[..., Flask]]:
    """``make_app(celery=<settings>, init=<celery_init_app>, **config)``: a fresh Flask app."""
    celery_apps = []

    def build(celery: dict[str, Any] | None = None, init: Callable | None = None,
              name: str = "ch07_tests", **config: Any) -> Flask:
        from ch07_demo.tasks import celery_init_app

        app = Flask(name)
        app.config.update(CELERY=celery or eager_celery(), TESTING=True, **config)
        app.extensions.update({
            "metrology_archive": archive,
            "job_failures": [],
            "batch_summaries": {},
            "batch_failures": [],
        })
        celery_apps.append((init or celery_init_app)(app))
        return app

    yield build
    for celery_app in celery_apps:
        if celery_app is not None and hasattr(celery_app, "close"):
            celery_app.close()


@contextmanager
def running_worker(celery_app: Any) -> Iterator[Any]:
    """Celery's in-process test worker consuming ``celery_app``'s queue."""
    from celery.contrib.testing.worker import start_worker

    with start_worker(celery_app, perform_ping_check=False, loglevel="WARNING",
                      shutdown_timeout=HANG_S) as worker:
        yield worker


@pytest.fixture
def wait() -> Callable[..., Any]:
    """``wait(predicate, what)``: see ``wait_until``."""
    return wait_until


@pytest.fixture
def worker_for() -> Callable[[Any], Any]:
    """``with worker_for(celery_app):``: see ``running_worker``."""
    return running_worker
