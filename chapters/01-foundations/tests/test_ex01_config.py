"""Graded tests of ex01_config: typed settings per environment, strict in production."""

from __future__ import annotations

import pytest
from flask import Flask

HINT = (
    "Start with parse_bool/parse_int/parse_url: each raises ConfigError whose message names the "
    "variable. Then load_settings: pick the defaults from APP_ENV, treat blank values as unset, "
    "collect every problem in a list and raise one ConfigError at the end."
)

STRONG_SECRET = "k3y-" + "x" * 40
PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": STRONG_SECRET,
    "DATABASE_URL": "postgresql+psycopg://litho@db.internal:5432/litho",
}


@pytest.mark.points(1)
def test_development_and_testing_need_no_variables(ex):
    dev = ex.load_settings({})
    assert (dev.env, dev.debug, dev.secret_key) == ("development", True, ex.DEV_SECRET_KEY)
    assert (dev.database_url, dev.port, dev.log_level) == ("sqlite:///litho-dev.db", 5000, "DEBUG")

    testing = ex.load_settings({"APP_ENV": "testing"})
    assert (testing.debug, testing.database_url, testing.log_level) == (False, "sqlite://", "INFO")

    app = Flask(__name__)
    app.config.from_mapping(testing.flask_config())
    assert app.config["TESTING"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
    assert app.config["PROPAGATE_EXCEPTIONS"] is False
    assert app.config["APP_ENV"] == "testing"


@pytest.mark.points(2)
def test_values_are_parsed_into_their_types(ex):
    settings = ex.load_settings(
        {"APP_ENV": "testing", "DEBUG": " Yes ", "PORT": " 8080 ", "LOG_LEVEL": "warning"}
    )
    assert settings.debug is True
    assert settings.port == 8080
    assert settings.log_level == "WARNING"
    assert ex.parse_bool("DEBUG", "OFF") is False
    assert ex.parse_int("PORT", "1", minimum=1, maximum=65535) == 1
    assert ex.parse_int("PORT", "65535", minimum=1, maximum=65535) == 65535
    for raw in ("0", "65536", "80a", "8.0", "1_000", ""):
        with pytest.raises(ex.ConfigError, match="PORT"):
            ex.parse_int("PORT", raw, minimum=1, maximum=65535)
    for raw in ("maybe", "2", "y"):
        with pytest.raises(ex.ConfigError, match="DEBUG"):
            ex.parse_bool("DEBUG", raw)


@pytest.mark.points(2)
def test_database_url_is_validated_without_echoing_it(ex):
    for url in ("sqlite://", "sqlite:////var/lib/litho.db", "postgresql://db:5432/litho"):
        assert ex.parse_url("DATABASE_URL", url, schemes=ex.DATABASE_SCHEMES) == url
    bad = (
        "mysql://db/litho",  # scheme not allowed
        "postgresql:///litho",  # no host
        "postgresql://db:port/litho",  # port is not a number
        "db.internal:5432",  # not a URL at all
    )
    for url in bad:
        with pytest.raises(ex.ConfigError, match="DATABASE_URL"):
            ex.parse_url("DATABASE_URL", url, schemes=ex.DATABASE_SCHEMES)
    with pytest.raises(ex.ConfigError) as caught:
        ex.load_settings({**PRODUCTION, "DATABASE_URL": "mysql://litho:s3cr3t-pw@db/litho"})
    assert "DATABASE_URL" in str(caught.value)
    assert "s3cr3t-pw" not in str(caught.value)


@pytest.mark.points(3)
def test_production_refuses_unsafe_settings_and_reports_them_all(ex):
    with pytest.raises(ex.ConfigError) as caught:
        ex.load_settings({"APP_ENV": "production"})
    assert any("SECRET_KEY" in p for p in caught.value.problems)
    assert any("DATABASE_URL" in p for p in caught.value.problems)

    # Blank counts as unset: an env file line "SECRET_KEY=" must not pass as a secret.
    with pytest.raises(ex.ConfigError, match="SECRET_KEY"):
        ex.load_settings({**PRODUCTION, "SECRET_KEY": "  "})
    with pytest.raises(ex.ConfigError, match="SECRET_KEY"):
        ex.load_settings({**PRODUCTION, "SECRET_KEY": ex.DEV_SECRET_KEY})
    short = "s" * (ex.MIN_SECRET_KEY_LENGTH - 1)
    with pytest.raises(ex.ConfigError, match="SECRET_KEY") as caught:
        ex.load_settings({**PRODUCTION, "SECRET_KEY": short})
    assert short not in str(caught.value)

    with pytest.raises(ex.ConfigError) as caught:
        ex.load_settings({**PRODUCTION, "DEBUG": "1", "PORT": "http", "SECRET_KEY": "short"})
    named = " ".join(caught.value.problems)
    assert len(caught.value.problems) == 3
    assert all(variable in named for variable in ("DEBUG", "PORT", "SECRET_KEY"))


@pytest.mark.points(1)
def test_production_with_a_complete_environment(ex):
    settings = ex.load_settings({**PRODUCTION, "SECRET_KEY": "s" * ex.MIN_SECRET_KEY_LENGTH})
    assert settings.env == "production"
    assert settings.debug is False
    assert settings.database_url == PRODUCTION["DATABASE_URL"]
    assert settings.log_level == "INFO"
    assert settings.flask_config()["TESTING"] is False


@pytest.mark.points(1)
def test_unknown_environment_is_named(ex):
    with pytest.raises(ex.ConfigError, match="APP_ENV") as caught:
        ex.load_settings({"APP_ENV": "prod"})
    assert "production" in str(caught.value)  # the message lists what is allowed
