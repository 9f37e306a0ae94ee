"""Exercise 01: Celery bound to the app factory.

A Celery worker has no request, hence no Flask app context: ``db.session``, ``current_app`` and
``current_app.config`` fail in a task unless something pushes a context around it. Flask's
documented pattern builds one Celery app per Flask app, from that app's configuration, with a
task class whose ``__call__`` runs the task inside ``app.app_context()``. Tasks are declared with
``@shared_task`` and take ids, never ORM objects.

The configuration comes from the environment, through the app: eager (tasks run inside the
caller, no servers) when no broker is configured, a real broker and a result backend otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from celery import Celery, Task  # noqa: F401
from flask import Flask

DEFAULT_VISIBILITY_TIMEOUT_S = 3600


def celery_config(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The ``CELERY`` mapping of the app's config, read from ``environ``.

    Without ``CELERY_BROKER_URL`` (absent or empty), the embedded default, exactly::

        {"broker_url": "memory://", "result_backend": "cache+memory://",
         "task_always_eager": True, "task_store_eager_result": True,
         "task_eager_propagates": False}

    With it, exactly these keys::

        broker_url                 CELERY_BROKER_URL
        result_backend             CELERY_RESULT_BACKEND, or the broker URL when that is
                                   absent or empty
        task_always_eager          False
        task_acks_late             True   (acknowledge after the task ran)
        task_reject_on_worker_lost True   (a killed child process requeues its message)
        worker_prefetch_multiplier 1
        task_track_started         True
        broker_transport_options   {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT as an int,
                                    default 3600}

    ``ValueError`` naming ``CELERY_VISIBILITY_TIMEOUT`` when it is not a whole number of
    seconds >= 1 (``"10.5"``, ``"0"``, ``"soon"``).
    """
    raise NotImplementedError(
        "return the eager default without CELERY_BROKER_URL, else the worker settings"
    )


def celery_init_app(app: Flask) -> Celery:
    """Build the Celery app of ``app`` and return it.

    - named ``app.name``, configured from ``app.config["CELERY"]`` (a mapping of Celery setting
      names, as ``celery_config`` returns); ``KeyError`` when ``app.config`` has no ``CELERY``;
    - its task class (``task_cls``) runs every task inside ``app.app_context()``: a context is
      pushed for each run and popped when the run ends, whether the task returns or raises,
      so ``current_app`` in a task is ``app`` and the app's teardown functions run once per
      task; this holds for tasks declared with ``@shared_task`` and with ``celery_app.task``,
      eagerly and on a worker;
    - each Flask app gets its own Celery app: a task run through app A's Celery app sees A, even
      when app B was built later;
    - made the default Celery app (``set_default()``), which ``@shared_task`` proxies resolve to;
    - stored as ``app.extensions["celery"]``.
    """
    raise NotImplementedError(
        "build Celery(app.name, task_cls=<a Task whose __call__ runs in app.app_context()>), "
        "configure it from app.config['CELERY'], set_default(), store it in app.extensions"
    )
