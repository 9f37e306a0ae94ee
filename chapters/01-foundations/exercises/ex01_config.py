"""Exercise 01: typed, per-environment configuration for the litho platform.

Every setting comes from an environment variable, is parsed into its type once, at start-up,
and fails with a message that names the variable. Development and testing run with no variables
at all; production has no defaults for anything that must be secret or deployment-specific.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
        raise NotImplementedError("return the Flask settings listed above, built from the fields")


def parse_bool(name: str, raw: str) -> bool:
    """``raw`` as a bool: "1", "true", "yes", "on" -> True; "0", "false", "no", "off" -> False.

    Case and surrounding whitespace are ignored. Anything else raises ``ConfigError`` whose
    message names ``name`` and repeats ``raw``.
    """
    raise NotImplementedError(
        "map the accepted words to True/False; raise ConfigError naming `name`"
    )


def parse_int(
    name: str, raw: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """``raw`` as a base-10 int within [minimum, maximum] (either bound optional, both inclusive).

    Surrounding whitespace is ignored; "8080" parses, "80a", "8.0" and "" do not. A value that
    does not parse or is out of range raises ``ConfigError`` naming ``name``.
    """
    raise NotImplementedError("accept only an optional '-' and ASCII digits, then check the bounds")


def parse_url(name: str, raw: str, *, schemes: tuple[str, ...]) -> str:
    """``raw`` (stripped) when it is a URL that a client for one of ``schemes`` can use.

    The scheme is compared without a driver suffix ("postgresql+psycopg" counts as
    "postgresql"). A URL whose scheme is not "sqlite" must name a host, and a port, when given,
    must be a number. Otherwise ``ConfigError`` naming ``name``; the message must not repeat the
    URL, which may hold a password.
    """
    raise NotImplementedError("split with urllib.parse.urlsplit; check scheme, host and port")


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
    raise NotImplementedError(
        "read each variable with its parser and default; collect the problems"
    )
