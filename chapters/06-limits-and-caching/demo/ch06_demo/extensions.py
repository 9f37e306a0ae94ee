"""Extensions, created once and unbound; the app factory binds them to each app.

Flask-Limiter reads most of its settings (storage, strategy, headers, key prefix, fallback)
in ``init_app``, and several of them only the first time: a ``Limiter`` shared by many apps,
as in a test suite, keeps the first app's choices and the last app's storage. Production has
one app per process, so one module-level limiter is right there; tests of the exercises build
a fresh limiter per app (each exercise module has its own).
"""

from __future__ import annotations

from flask_caching import Cache
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from ch06_demo.ratelimits import rate_limit_key


class Base(DeclarativeBase):
    """Declarative base of every table in the demo."""


db = SQLAlchemy(model_class=Base)
jwt = JWTManager()
cache = Cache()
limiter = Limiter(key_func=rate_limit_key)
