"""Configuration from the environment, and what production refuses."""

import pytest

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.config import Config, ConfigError

STRONG_SECRET = "s" * 40
PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": STRONG_SECRET,
{%- if cookiecutter.auth == "jwt" %}
    "JWT_SECRET_KEY": STRONG_SECRET,
{%- endif %}
{%- if cookiecutter.database == "postgresql" %}
    "DATABASE_URL": "postgresql://service:password@db.internal:5432/service",
{%- else %}
    "DATABASE_URL": "sqlite://",
{%- endif %}
{%- if cookiecutter.use_redis == "yes" %}
    "REDIS_URL": "redis://redis.internal:6379/0",
{%- endif %}
{%- if cookiecutter.use_celery == "yes" %}
    "CELERY_BROKER_URL": "redis://redis.internal:6379/1",
{%- endif %}
}


def test_defaults_need_no_servers() -> None:
    config = Config.from_env({})

    assert config.app_env == "development"
    assert config.database_url.startswith("sqlite:///")
    assert config.flask_config()["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config.flask_config()["CACHE_TYPE"] == "SimpleCache"


def test_values_are_parsed_and_typed() -> None:
    config = Config.from_env({"TRUSTED_PROXIES": "2", "LOG_LEVEL": "debug"})

    assert (config.trusted_proxies, config.log_level) == (2, "DEBUG")


def test_a_malformed_number_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES must be an integer"):
        Config.from_env({"TRUSTED_PROXIES": "two"})


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="APP_ENV"):
        Config.from_env({"APP_ENV": "staging"}).check()


def test_production_starts_with_everything_set() -> None:
    app = create_app(Config.from_env(PRODUCTION))

    assert not app.testing
    assert app.config["SECRET_KEY"] == STRONG_SECRET
{%- if cookiecutter.use_redis == "yes" %}
    assert app.config["CACHE_TYPE"] == "RedisCache"
    assert app.config["RATELIMIT_STORAGE_URI"] == PRODUCTION["REDIS_URL"]
{%- endif %}
{%- if cookiecutter.use_celery == "yes" %}
    assert not app.extensions["celery"].conf.task_always_eager
{%- endif %}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SECRET_KEY", None),
        ("SECRET_KEY", "short"),
{%- if cookiecutter.auth == "jwt" %}
        ("JWT_SECRET_KEY", None),
{%- endif %}
{%- if cookiecutter.database == "postgresql" %}
        ("DATABASE_URL", None),
{%- endif %}
{%- if cookiecutter.use_redis == "yes" %}
        ("REDIS_URL", None),
{%- endif %}
{%- if cookiecutter.use_celery == "yes" %}
        ("CELERY_BROKER_URL", None),
{%- endif %}
    ],
)
def test_production_refuses_defaults(variable: str, value: str | None) -> None:
    environment = {**PRODUCTION, variable: value}
    if value is None:
        del environment[variable]

    with pytest.raises(ConfigError, match=variable):
        create_app(Config.from_env(environment))
{%- if cookiecutter.database == "postgresql" %}


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_postgres_urls_use_psycopg_3(scheme: str) -> None:
    config = Config.from_env({"DATABASE_URL": f"{scheme}://user@db:5432/service"})

    assert config.database_url == "postgresql+psycopg://user@db:5432/service"
{%- endif %}
