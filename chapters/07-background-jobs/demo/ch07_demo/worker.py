"""The Celery application of the worker and beat processes, from the demo folder:

    celery -A ch07_demo.worker worker -l info
    celery -A ch07_demo.worker beat -l info --schedule instance/celerybeat-schedule

It is built by the same app factory, from the same environment, as the web process
(``celery`` is the attribute name Celery looks for). Without CELERY_BROKER_URL there is nothing
to consume: the web process runs its jobs eagerly.
"""

from __future__ import annotations

from ch07_demo import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
