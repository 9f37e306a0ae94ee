"""Extensions, created once and unbound; ``create_app`` binds them to each app it builds.

Talisman and CORS are not here: both keep the options of the app they were bound to on the
extension object itself, so ``security.register_security`` makes one of each per app.
"""

from __future__ import annotations

from flask_jwt_extended import JWTManager
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every table in the demo."""


db = SQLAlchemy(model_class=Base)
jwt = JWTManager()
