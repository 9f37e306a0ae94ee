"""Extension objects, created once and unbound; ``create_app`` binds them to each app."""

from __future__ import annotations

from flask_caching import Cache
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# rate_limit_storage registers the litho+redis:// scheme that config.py gives the limiter.
from litho_platform import rate_limit_storage  # noqa: F401
from litho_platform.limits import rate_limit_key

# Named constraints let Alembic drop and alter them, which SQLite's batch mode needs.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()
cache = Cache()

# Settings given here rather than through app.config: Flask-Limiter reads several of them only
# on the first init_app, so an app built later (every test builds one) would silently inherit
# the first app's values. Storage is the exception: each init_app creates a fresh one from
# RATELIMIT_STORAGE_URI, so counters never leak from one app into the next.
limiter = Limiter(
    key_func=rate_limit_key,
    key_prefix="litho",
    strategy="fixed-window",
    headers_enabled=True,
    retry_after="delta-seconds",
)
