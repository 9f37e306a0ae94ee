"""Celery worker entry point: `celery -A {{ cookiecutter.project_slug }}.worker:celery_app worker`."""

from .app import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
