"""Exercise 01: typed, per-environment configuration for the litho platform.

Every setting comes from an environment variable, is parsed into its type once, at start-up,
and fails with a message that names the variable. Development and testing run with no variables
at all; production has no defaults for anything that must be secret or deployment-specific.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "testing", "production")
# Public (it is in this file), so production must never run with it.
DEV_SECRET_KEY = "litho-dev-secret-key-do-not-use-in-production"
MIN_SECRET_KEY_LENGTH = 32
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DATABASE_SCHEMES = ("sqlite", "postgresql")
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
# Stricter than int(), which also takes "1_000" and non-ASCII digits.
INTEGER = re.compile(r"-?[0-9]+")


class ConfigError(Exception):
    """The environment is not a valid configuration.

    ``problems`` holds one message per invalid variable, each naming that variable; ``str()`` of
    the error joins them with "; ".
    """

    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    """The parsed configuration; build it with ``load_settings``."""

    env: str  # one of ENVIRONMENTS
    debug: bool
    secret_key: str
    database_url: str
    port: int  # 1..65535
    log_level: str  # one of LOG_LEVELS

    def flask_config(self) -> dict[str, Any]:
        """The Flask settings for ``app.config.from_mapping``.

        Keys: ``APP_ENV`` (env), ``DEBUG``, ``TESTING`` (True only for "testing"),
        ``SECRET_KEY``, ``SQLALCHEMY_DATABASE_URI`` (database_url), ``LOG_LEVEL``, and
        ``PROPAGATE_EXCEPTIONS`` always False (errors answer the same in every environment).
        """
        return {
            "APP_ENV": self.env,
            "DEBUG": self.debug,
            "TESTING": self.env == "testing",
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "LOG_LEVEL": self.log_level,
            "PROPAGATE_EXCEPTIONS": False,
        }


def parse_bool(name: str, raw: str) -> bool:
    """``raw`` as a bool: "1", "true", "yes", "on" -> True; "0", "false", "no", "off" -> False.

    Case and surrounding whitespace are ignored. Anything else raises ``ConfigError`` whose
    message names ``name`` and repeats ``raw``.
    """
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    accepted = "/".join(TRUE_WORDS + FALSE_WORDS)
    raise ConfigError(f"{name} must be a boolean ({accepted}), got {raw!r}")


def parse_int(
    name: str, raw: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """``raw`` as a base-10 int within [minimum, maximum] (either bound optional, both inclusive).

    Surrounding whitespace is ignored; "8080" parses, "80a", "8.0" and "" do not. A value that
    does not parse or is out of range raises ``ConfigError`` naming ``name``.
    """
    if not INTEGER.fullmatch(raw.strip()):
        raise ConfigError(f"{name} must be an integer, got {raw!r}")
    value = int(raw)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        low = "" if minimum is None else f" >= {minimum}"
        high = "" if maximum is None else f" <= {maximum}"
        joiner = " and" if low and high else ""
        raise ConfigError(f"{name} must be{low}{joiner}{high}, got {value}")
    return value


def parse_url(name: str, raw: str, *, schemes: tuple[str, ...]) -> str:
    """``raw`` (stripped) when it is a URL that a client for one of ``schemes`` can use.

    The scheme is compared without a driver suffix ("postgresql+psycopg" counts as
    "postgresql"). A URL whose scheme is not "sqlite" must name a host, and a port, when given,
    must be a number. Otherwise ``ConfigError`` naming ``name``; the message must not repeat the
    URL, which may hold a password.
    """
    text = raw.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.split("+", 1)[0].lower()
    if scheme not in schemes:
        raise ConfigError(f"{name} must be a URL with scheme {' or '.join(schemes)}")
    if scheme != "sqlite":
        if not parts.hostname:
            raise ConfigError(f"{name} must name a host")
        try:
            parts.port  # noqa: B018 (urlsplit validates the port only when it is read)
        except ValueError:
            raise ConfigError(f"{name} has an invalid port") from None
    return text


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build ``Settings`` from ``environ`` (``os.environ`` when None).

    Variables (a variable set to an empty or blank string counts as unset):

    - ``APP_ENV``: development (when unset), testing or production; anything else is an error
      whose message lists the three.
    - ``DEBUG`` (``parse_bool``): default True in development, False otherwise.
    - ``SECRET_KEY``: default ``DEV_SECRET_KEY`` in development and testing.
    - ``DATABASE_URL`` (``parse_url`` with ``DATABASE_SCHEMES``): default
      "sqlite:///litho-dev.db" in development, "sqlite://" (in memory) in testing.
    - ``PORT`` (``parse_int``, 1..65535): default 5000.
    - ``LOG_LEVEL``: one of ``LOG_LEVELS``, case-insensitive, stored upper-case; default
      "DEBUG" in development, "INFO" otherwise.

    Production has no default for ``SECRET_KEY`` or ``DATABASE_URL`` (unset is an error) and
    refuses ``DEBUG`` true, the ``DEV_SECRET_KEY`` and a secret shorter than
    ``MIN_SECRET_KEY_LENGTH`` characters.

    Raises one ``ConfigError`` listing every problem found (not just the first), so that a
    deployment is fixed in one go; an unknown ``APP_ENV`` is reported alone, since every default
    depends on it. Messages never contain the secret.
    """
    source = os.environ if environ is None else environ
    env = {key: value for key, value in source.items() if value.strip()}
    name = env.get("APP_ENV", "development").strip()
    if name not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, got {name!r}")
    production = name == "production"
    problems: list[str] = []

    def read(variable: str, parse, default):
        if variable not in env:
            if default is None:
                problems.append(f"{variable} must be set in {name}")
            return default
        try:
            return parse(env[variable])
        except ConfigError as exc:
            problems.extend(exc.problems)
            return default

    debug = read("DEBUG", lambda raw: parse_bool("DEBUG", raw), name == "development")
    secret_key = read("SECRET_KEY", str, None if production else DEV_SECRET_KEY)
    database_url = read(
        "DATABASE_URL",
        lambda raw: parse_url("DATABASE_URL", raw, schemes=DATABASE_SCHEMES),
        {"development": "sqlite:///litho-dev.db", "testing": "sqlite://"}.get(name),
    )
    port = read("PORT", lambda raw: parse_int("PORT", raw, minimum=1, maximum=65535), 5000)

    def parse_log_level(raw: str) -> str:
        if raw.strip().upper() not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {raw!r}")
        return raw.strip().upper()

    log_level = read("LOG_LEVEL", parse_log_level, "DEBUG" if name == "development" else "INFO")

    if production:
        if debug:
            problems.append("DEBUG must be off in production")
        if secret_key == DEV_SECRET_KEY:
            problems.append("SECRET_KEY must not be the development key in production")
        elif secret_key is not None and len(secret_key) < MIN_SECRET_KEY_LENGTH:
            problems.append(
                f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters in production"
            )
    if problems:
        raise ConfigError(*problems)
    return Settings(name, debug, secret_key, database_url, port, log_level)
