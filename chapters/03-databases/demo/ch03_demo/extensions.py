"""Extensions, created once and unbound; ``create_app`` binds them to each app it builds."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Constraint names are part of the schema: a migration drops or alters a constraint by its name,
# and a SQLite batch migration cannot find an unnamed one. The convention names every one.
NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class Base(DeclarativeBase):
    """Declarative base of every table in the demo."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class AuditedSession(Session):
    """The class of this app's sessions; the audit log listens to flushes of this class only.

    A listener on Flask-SQLAlchemy's own ``Session`` would fire for every Flask-SQLAlchemy app in
    the process; a subclass keeps the audit log to this one.
    """


db = SQLAlchemy(model_class=Base, session_options={"class_": AuditedSession})
migrate = Migrate()
