"""Typed configuration from the environment; production refuses unsafe secrets."""

from __future__ import annotations

import pytest
from flask import request, session

from litho_platform import create_app
from litho_platform.config import INSECURE_DEV_SECRET, ConfigError, Settings, check_config
from litho_platform.rate_limits import FallbackCounters

STRONG = "s" * 40


def test_settings_read_the_environment():
    settings = Settings.from_env(
        {"APP_ENV": "Production", "MAX_UPLOAD_MB": "64", "PORT": "9000", "REDIS_URL": " "}
    )
    assert settings.app_env == "production"
    assert settings.max_upload_mb == 64
    assert settings.port == 9000
    assert settings.redis_url is None


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"APP_ENV": "staging"}, "APP_ENV must be one of"),
        ({"MAX_UPLOAD_MB": "lots"}, "MAX_UPLOAD_MB must be an integer"),
        ({"PORT": "0"}, "PORT must be at least 1"),
    ],
)
def test_malformed_settings_are_refused(environ, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(environ)


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        ({}, "SECRET_KEY is required in production; JWT_SECRET_KEY is required"),
        ({"SECRET_KEY": INSECURE_DEV_SECRET, "JWT_SECRET_KEY": STRONG}, "development default"),
        ({"SECRET_KEY": STRONG, "JWT_SECRET_KEY": "short"}, "at least 32 characters"),
    ],
)
def test_production_refuses_missing_default_or_short_secrets(
    monkeypatch, tmp_path, secrets, message
):
    monkeypatch.setenv("APP_ENV", "production")
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_production_starts_with_real_secrets(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("JWT_SECRET_KEY", "j" * 40)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert not app.testing
    assert app.config["PROPAGATE_EXCEPTIONS"] is False
    assert app.config["ARGON2_PROFILE"] == "RFC_9106_LOW_MEMORY"


def test_embedded_defaults(app):
    config = app.config
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/litho.sqlite3"
    assert config["CACHE_TYPE"] == "SimpleCache"
    assert config["CACHE_KEY_PREFIX"] == "litho:"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["CELERY"]["task_always_eager"] is True
    assert app.extensions["celery"].conf.task_always_eager is True
    assert config["MAX_CONTENT_LENGTH"] == 32 * 1024 * 1024


def test_external_services_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/elsewhere.sqlite3")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    monkeypatch.setenv("CELERY_BROKER_URL", "amqp://broker.internal//")
    monkeypatch.setenv("CELERY_RESULT_BACKEND", "redis://cache.internal:6379/2")
    monkeypatch.setenv("MAX_UPLOAD_MB", "100")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    config = app.config
    assert config["SQLALCHEMY_DATABASE_URI"].endswith("elsewhere.sqlite3")
    assert config["CACHE_TYPE"] == "litho_platform.cache_backend.TolerantRedisCache"
    assert config["CACHE_REDIS_URL"] == "redis://cache.internal:6379/0"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/0"
    # Redis counters, with this process's memory while Redis is down.
    assert isinstance(app.extensions["litho_rate_limits"], FallbackCounters)
    assert config["CELERY"]["task_always_eager"] is False
    assert app.extensions["celery"].conf.broker_url == "amqp://broker.internal//"
    assert app.extensions["celery"].conf.result_backend == "redis://cache.internal:6379/2"
    assert config["MAX_CONTENT_LENGTH"] == 100 * 1024 * 1024


def test_postgresql_gets_a_checked_pool_sized_from_the_environment():
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql+psycopg://litho@db.internal/litho",
            "DB_POOL_SIZE": "8",
            "DB_MAX_OVERFLOW": "0",
        }
    )
    options = settings.flask_config()["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True
    assert (options["pool_size"], options["max_overflow"]) == (8, 0)


def test_a_worker_loses_no_analysis_and_runs_none_twice():
    celery = Settings.from_env(
        {
            "CELERY_BROKER_URL": "redis://broker.internal:6379/1",
            "CELERY_RESULT_BACKEND": "redis://broker.internal:6379/2",
            "ANALYSIS_SOFT_TIME_LIMIT": "100",
            "ANALYSIS_TIME_LIMIT": "120",
            "CELERY_VISIBILITY_TIMEOUT": "300",
        }
    ).flask_config()["CELERY"]
    assert celery["task_acks_late"] is True
    assert celery["task_reject_on_worker_lost"] is True
    assert celery["worker_prefetch_multiplier"] == 1
    assert (celery["task_soft_time_limit"], celery["task_time_limit"]) == (100, 120)
    assert celery["broker_transport_options"]["visibility_timeout"] == 300


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"CELERY_BROKER_URL": "redis://b:6379/1"}, "CELERY_RESULT_BACKEND is required"),
        (
            {
                "CELERY_BROKER_URL": "redis://b:6379/1",
                "CELERY_RESULT_BACKEND": "redis://b:6379/2",
                "CELERY_VISIBILITY_TIMEOUT": "200",
            },
            "CELERY_VISIBILITY_TIMEOUT must exceed ANALYSIS_TIME_LIMIT",
        ),
        ({"ANALYSIS_SOFT_TIME_LIMIT": "300"}, "SOFT_TIME_LIMIT must be below"),
    ],
)
def test_unsafe_job_settings_are_refused(environ, message):
    with pytest.raises(ConfigError, match=message):
        check_config(Settings.from_env(environ).flask_config())


def test_request_log_is_app_or_server():
    assert Settings.from_env({}).flask_config()["REQUEST_LOG"] == "app"
    assert Settings.from_env({"REQUEST_LOG": "Server"}).flask_config()["REQUEST_LOG"] == "server"
    with pytest.raises(ConfigError, match="REQUEST_LOG must be one of app, server"):
        check_config(Settings.from_env({"REQUEST_LOG": "nginx"}).flask_config())


def test_proxy_headers_are_ignored_unless_proxies_are_counted(make_app):
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    seen = {}

    def capture():
        seen["address"] = request.remote_addr
        return "ok"

    for hops, expected in ((None, "127.0.0.1"), ("1", "203.0.113.9")):
        app = make_app(
            PROXY_FIX=Settings.from_env({"PROXY_FIX_X_FOR": hops or "0"}).flask_config()[
                "PROXY_FIX"
            ]
        )
        app.add_url_rule("/probe-address", "probe_address", capture)
        app.test_client().get("/probe-address", headers=forwarded)
        assert seen["address"] == expected


def test_the_api_keeps_no_cookie_session(app, client, make_user):
    alice = make_user("alice")
    response = client.get("/api/v1/auth/me", headers=alice.headers)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    with app.test_request_context(), pytest.raises(RuntimeError, match="session is unavailable"):
        session["user"] = alice.id
