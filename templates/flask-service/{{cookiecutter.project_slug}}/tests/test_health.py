"""Liveness and readiness probes."""

from dataclasses import replace

from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.config import Config

# Nothing listens on port 1, and no directory has this name: connections fail at once.
UNREACHABLE_DATABASE = "sqlite:////nonexistent-directory/service.db"
{%- if cookiecutter.use_redis == "yes" %}
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
{%- endif %}


def test_live(client: FlaskClient) -> None:
    response = client.get("/health/live")

    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_ready_checks_the_database(client: FlaskClient) -> None:
    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok"}}


def test_not_ready_when_the_database_is_unreachable(config: Config) -> None:
    app = create_app(replace(config, database_url=UNREACHABLE_DATABASE))

    response = app.test_client().get("/health/ready")

    assert response.status_code == 503
    assert response.json == {"status": "fail", "checks": {"database": "error"}}
{%- if cookiecutter.use_redis == "yes" %}


def test_not_ready_when_redis{% if cookiecutter.use_celery == "yes" %}_and_the_broker_are{% else %}_is{% endif %}_unreachable(config: Config) -> None:
    app = create_app(
        replace(
            config,
            redis_url=UNREACHABLE_REDIS,
{%- if cookiecutter.use_celery == "yes" %}
            celery_broker_url=UNREACHABLE_REDIS,
{%- endif %}
        )
    )

    response = app.test_client().get("/health/ready")

    assert response.status_code == 503
    assert response.json["checks"]["redis"] == "error"
{%- if cookiecutter.use_celery == "yes" %}
    assert response.json["checks"]["broker"] == "error"
{%- endif %}
{%- endif %}
