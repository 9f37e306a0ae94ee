"""Celery bound to the app factory, the way Flask's documentation shows.

Every task runs inside the Flask app's context; tasks take ids, never ORM objects. Without
CELERY_BROKER_URL the app's Celery runs tasks eagerly, in-process (the embedded default).
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask

# Imported for its @shared_task: every Celery app created below gets its own bound copy.
from litho_platform.tasks import analysis  # noqa: F401


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
