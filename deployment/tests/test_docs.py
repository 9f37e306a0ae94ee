"""docs/deployment.md documents every variable the service, the gunicorn config and the
deployment files read or set."""

from __future__ import annotations

import re

import yaml


def documented(text: str) -> set[str]:
    """Variables with a row in one of the reference tables."""
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", text, flags=re.MULTILINE))


def test_every_variable_is_in_the_configuration_reference(checks):
    text = (checks.REPO / "docs" / "deployment.md").read_text()
    compose = yaml.safe_load((checks.COMPOSE_DIR / "docker-compose.yml").read_text())
    names = (
        checks.allowed_env_names()
        | set(checks.read_env_file(checks.COMPOSE_DIR / ".env.example"))
        | set(checks.compose_environment(compose["services"]["nginx"]))
    )
    assert names - documented(text) == set()
    assert documented(text) - names == set(), "documented, but nothing reads them"


def test_an_undocumented_variable_is_noticed():
    assert documented("| `PORT` | `8000` | port |\n`WEB_CONCURRENCY` in prose\n") == {"PORT"}
