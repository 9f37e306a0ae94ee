"""Flask extensions, created once and unbound; `app.register_extensions` binds them to an app."""

from flask import current_app
from flask_caching import Cache
{%- if cookiecutter.auth == "jwt" %}
from flask_jwt_extended import JWTManager
{%- endif %}
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from .models import Base

db = SQLAlchemy(model_class=Base)
# Batch mode lets migrations alter tables on SQLite, which has no ALTER COLUMN.
migrate = Migrate(render_as_batch=True, compare_type=True)
cache = Cache()
{%- if cookiecutter.auth == "jwt" %}
jwt = JWTManager()
{%- endif %}
limiter = Limiter(
    key_func=get_remote_address,
    # Limiter reads RATELIMIT_DEFAULT only from the first app it is bound to; a callable
    # is evaluated per request, so every app (and every test's app) uses its own setting.
    default_limits=[lambda: current_app.config["RATELIMIT_DEFAULT"]],
    headers_enabled=True,
)
