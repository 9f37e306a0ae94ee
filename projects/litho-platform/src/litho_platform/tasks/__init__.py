"""Celery bound to the app factory, the way Flask's documentation shows.

Every task runs inside the Flask app's context; tasks take ids, never ORM objects. Without
CELERY_BROKER_URL the app's Celery runs tasks eagerly, in-process (the embedded default).

A task published during a web request carries the request's id in its message headers; the
worker makes it the current request id while the task runs, so the task's log lines carry it.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from celery.signals import before_task_publish, task_prerun
from flask import Flask

from litho_platform.observability import current_request_id, valid_request_id

# Imported for their @shared_task: every Celery app created below gets its own bound copy.
from litho_platform.tasks import analysis, batches, maintenance  # noqa: F401

REQUEST_ID_HEADER = "request_id"


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        flask_app = app

        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


@before_task_publish.connect
def _send_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = current_request_id.get()
    if headers is not None and request_id is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


@task_prerun.connect
def _adopt_request_id(task: Task | None = None, **_: Any) -> None:
    # An eager task runs inside the web request and keeps its id. In a worker each task
    # replaces the previous one's, and keeps it until the next starts, so Celery's own line
    # logged after the task (succeeded, retry, failed) carries it too.
    if task is None or task.request.is_eager:
        return
    current_request_id.set(valid_request_id(getattr(task.request, REQUEST_ID_HEADER, None)))
