"""Extensions, created once and unbound; ``create_app`` binds them to each app it builds.

Celery is not here: a Celery app is built per Flask app by ``tasks.celery_init_app`` (it holds
that app's configuration), and tasks reach it through ``@shared_task``.
"""

from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every table in the demo."""


db = SQLAlchemy(model_class=Base)
