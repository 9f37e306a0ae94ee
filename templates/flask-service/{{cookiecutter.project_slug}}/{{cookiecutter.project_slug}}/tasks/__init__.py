"""Celery bound to the app factory, as in Flask's "Background Tasks with Celery" pattern.

Tasks are declared with `@shared_task`, so they belong to whichever Celery app the
factory built, and take ids, never ORM objects: a task may run in another process,
after the request's session is gone.
"""

from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for `app` from `app.config["CELERY"]` and make it the default."""

    class FlaskTask(Task):
        # Each run gets the app context, hence db.session, config and extensions.
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
