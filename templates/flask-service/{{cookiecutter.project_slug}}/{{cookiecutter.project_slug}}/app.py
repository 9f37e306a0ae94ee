{%- set namespaces = [cookiecutter.resource_plural] -%}
{%- if cookiecutter.auth == "jwt" %}{% set namespaces = namespaces + ["auth"] %}{% endif -%}
{%- set namespaces = namespaces + ["health"] -%}
"""The application factory: building an app is a list of named steps, read top to bottom."""

from flask import Blueprint, Flask
from werkzeug.middleware.proxy_fix import ProxyFix

{% for module in namespaces|sort %}from .api.{{ module }} import ns as {{ module }}_namespace
{% endfor %}from .commands import register_commands
from .config import Config
from .errors import ProblemApi, register_errorhandlers
from .extensions import cache, db, {% if cookiecutter.auth == "jwt" %}jwt, {% endif %}limiter, migrate
from .logs import configure_logging, register_request_logging
from .metrics import register_metrics
{% if cookiecutter.use_celery == "yes" %}from .tasks import celery_init_app
{% endif %}

def create_app(config: Config | None = None) -> Flask:
    """Build the app from `config`, or from the environment when none is given.

    Raises config.ConfigError when the configuration is unsafe for its APP_ENV.
    """
    config = config or Config.from_env()
    config.check()
    app = Flask(__name__)
    app.config.from_mapping(config.flask_config())

    configure_logging(app)
    # Before the extensions' hooks, so that even a request the rate limiter turns away
    # has a request id and is measured.
    register_request_hooks(app)
    register_extensions(app)
    register_api(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_request_hooks(app: Flask) -> None:
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_request_logging(app)
    register_metrics(app)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db)
    cache.init_app(app)
    limiter.init_app(app)
{%- if cookiecutter.auth == "jwt" %}
    jwt.init_app(app)
{%- endif %}
{%- if cookiecutter.use_celery == "yes" %}
    celery_init_app(app)
{%- endif %}


def register_api(app: Flask) -> None:
    """Mount every namespace on one Api, with Swagger UI at /swagger."""
    blueprint = Blueprint("api", __name__)
    api = ProblemApi(
        blueprint,
        title="{{ cookiecutter.project_name }}",
        version="{{ cookiecutter.version }}",
        description="{{ cookiecutter.description }}",
        doc="/swagger",
{%- if cookiecutter.auth == "jwt" %}
        authorizations={
            "bearer": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "Bearer <access token from /auth/login>",
            }
        },
{%- endif %}
    )
{%- for module in namespaces %}
    api.add_namespace({{ module }}_namespace)
{%- endfor %}
    app.register_blueprint(blueprint)
