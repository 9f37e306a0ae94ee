"""Celery bound to the app factory, the way Flask's documentation shows.

``celery_init_app`` builds one Celery app per Flask app, configured from ``app.config["CELERY"]``,
whose tasks run inside that Flask app's context: ``db.session``, ``current_app.config`` and
``current_app.extensions`` work in a task exactly as in a view. Tasks are declared with
``@shared_task`` (they belong to no particular Celery app) and take ids, never ORM objects.
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
    """A Celery app for ``app``, stored as ``app.extensions["celery"]`` and made the default."""

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            # A worker has no request and no app context: push one per task run, so the task
            # gets a fresh db.session that is removed (and rolled back) when the task ends.
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    # @shared_task proxies resolve to the default app: the one the worker or the web app built.
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    # Imported for their @shared_task declarations, which every Celery app created from now on
    # (this one included) registers when it is finalised.
    from ch07_demo.tasks import analysis, maintenance  # noqa: F401

    return celery_app
