"""Extensions, created once and unbound; ``create_app`` binds them to each app it builds."""

from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every table in the demo."""


db = SQLAlchemy(model_class=Base)
