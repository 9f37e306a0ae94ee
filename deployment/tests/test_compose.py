"""deployment/compose: the compose-spec schema on the file as written and as Docker Compose
interpolates it with .env.example, and the wiring a schema does not see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

COMPOSE_DIR = Path(__file__).resolve().parents[1] / "compose"
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"
ENV_EXAMPLE = COMPOSE_DIR / ".env.example"
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def example_env(checks) -> dict[str, str]:
    return checks.read_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="module")
def compose(checks, raw, example_env) -> dict:
    """The file as `docker compose config` would see it with .env copied from .env.example."""
    return checks.interpolate_compose(raw, example_env)


def test_schema_accepts_the_file(validators):
    outcome = validators.compose(COMPOSE_FILE)
    assert outcome.ok, outcome.output


def test_schema_accepts_the_interpolated_file(validators, compose, tmp_path):
    rendered = tmp_path / "docker-compose.yml"
    rendered.write_text(yaml.safe_dump(compose))
    outcome = validators.compose(rendered)
    assert outcome.ok, outcome.output


def test_schema_rejects_a_broken_copy(validators, tmp_path):
    broken = COMPOSE_FILE.read_text().replace(
        "condition: service_completed_successfully", "condition: service_finished", 1
    )
    (tmp_path / "docker-compose.yml").write_text(broken)
    outcome = validators.compose(tmp_path / "docker-compose.yml")
    assert not outcome.ok
    assert "service_finished" in outcome.output


def test_every_variable_has_a_value_and_every_value_a_use(checks, raw, example_env):
    used = checks.compose_variables(raw)
    without_default = {
        name for name in used
        if re.search(r"\$\{" + name + r"(\}|:?[?])", COMPOSE_FILE.read_text())
    }
    assert without_default - set(example_env) == set(), "set in .env.example"
    assert set(example_env) - used == set(), ".env.example values nothing reads"


def test_interpolation_refuses_a_missing_secret(checks, raw, example_env):
    env = {name: value for name, value in example_env.items() if name != "JWT_SECRET_KEY"}
    with pytest.raises(KeyError, match="JWT_SECRET_KEY"):
        checks.interpolate_compose(raw, env)


def test_the_services(compose):
    assert set(compose["services"]) == {*APP_SERVICES, "postgres", "redis", "nginx"}


def test_migrate_runs_once_before_web_and_worker(checks, compose):
    services = compose["services"]
    assert services["migrate"]["command"] == checks.MIGRATE_COMMAND
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
    assert services["nginx"]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_every_long_running_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        healthcheck = service.get("healthcheck", {})
        if name == "migrate":
            assert healthcheck == {"disable": True}, "one-shot: the image's HTTP check is wrong"
        else:
            assert healthcheck.get("test"), f"{name} has no healthcheck"
            assert not healthcheck.get("disable"), name


def test_commands_follow_the_service_contract(checks, compose):
    services = compose["services"]
    assert services["web"]["command"] == checks.WSGI_COMMAND
    assert services["worker"]["command"][:4] == [*checks.CELERY_APP, "worker"]
    assert services["beat"]["command"][:4] == [*checks.CELERY_APP, "beat"]
    assert "--enable-remote-control" in services["beat"]["command"], "its healthcheck pings it"
    assert "celery@$HOSTNAME" in services["worker"]["healthcheck"]["test"][-1]
    assert "celerybeat@$HOSTNAME" in services["beat"]["healthcheck"]["test"][-1]
    assert checks.compose_environment(services["web"])["WEB_CONCURRENCY"] == "2"


def test_app_services_set_only_variables_something_reads(checks, compose):
    allowed = checks.allowed_env_names()
    for name in APP_SERVICES:
        environment = checks.compose_environment(compose["services"][name])
        assert set(environment) - allowed == set(), f"{name}: nothing reads these"
        assert checks.REQUIRED_SERVICE_ENV - set(environment) == set(), name
        assert environment["APP_ENV"] == "production"
        assert environment["DATABASE_URL"].startswith("postgresql+psycopg://")
        for url in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
            assert environment[url].startswith("redis://redis:6379/"), url
    web = checks.compose_environment(compose["services"]["web"])
    databases = {web[url].rsplit("/", 1)[1] for url in
                 ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")}
    assert len(databases) == 3, "cache, broker and results in separate Redis databases"


def test_the_allowed_names_check_can_fail(checks):
    assert {"DATABASE_URI", "SECRET_KEY"} - checks.allowed_env_names() == {"DATABASE_URI"}


def test_placeholder_secrets_are_refused_by_the_app(example_env):
    from litho_platform.config import ConfigError, Settings, check_config

    settings = Settings.from_env({
        "APP_ENV": "production",
        "SECRET_KEY": example_env["SECRET_KEY"],
        "JWT_SECRET_KEY": example_env["JWT_SECRET_KEY"],
    })
    with pytest.raises(ConfigError, match="SECRET_KEY must be at least"):
        check_config(settings.flask_config())
    for name in ("SECRET_KEY", "JWT_SECRET_KEY", "POSTGRES_PASSWORD"):
        assert example_env[name] == "CHANGE-ME", name


def test_images_are_pinned(compose):
    for name, service in compose["services"].items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository, f"{name}: {image} has no tag"
        assert tag != "latest", f"{name}: {image}"
    app_images = {compose["services"][name]["image"] for name in APP_SERVICES}
    assert len(app_images) == 1, "one image for the web, worker, beat and migration"


def test_storage_is_named_volumes_and_only_nginx_is_published(compose):
    declared = set(compose["volumes"])
    used = set()
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert name == "nginx"
                assert volume.endswith(":ro"), "configuration mounts are read-only"
            else:
                used.add(source)
        assert ("ports" in service) == (name == "nginx"), name
    assert used == declared
    for name in ("web", "worker"):
        assert "litho-data:/var/lib/litho" in compose["services"][name]["volumes"], name


def test_app_containers_are_read_only_and_unprivileged(compose):
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert service["read_only"] is True, name
        assert "/tmp" in service["tmpfs"], name
        assert service["cap_drop"] == ["ALL"], name


def test_limits_and_timeouts_agree(checks, compose):
    web = checks.compose_environment(compose["services"]["web"])
    nginx = checks.compose_environment(compose["services"]["nginx"])
    assert checks.megabytes(nginx["NGINX_CLIENT_MAX_BODY_SIZE"]) > int(web["MAX_UPLOAD_MB"]), (
        "nginx must let the app answer an oversized upload with its own 413"
    )
    assert checks.seconds(nginx["NGINX_PROXY_READ_TIMEOUT"]) > int(web["GUNICORN_TIMEOUT"])
    assert checks.seconds(compose["services"]["web"]["stop_grace_period"]) > int(
        web["GUNICORN_GRACEFUL_TIMEOUT"]
    )
    assert checks.seconds(compose["services"]["worker"]["stop_grace_period"]) >= 300
