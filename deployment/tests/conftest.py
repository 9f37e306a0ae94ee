"""Shared pieces of the deployment checks: the validators as callables, the files they check,
the contract with the service, and what it and the gunicorn config read from the environment.
Test modules reach these through the ``checks`` fixture (imported by path, they cannot import
this module).

Every validator runs offline. A test that needs one whose executable is missing skips and says
which; all of them are pinned in requirements.txt, so in CI none is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOYMENT = REPO / "deployment"
SERVICE_PACKAGE = REPO / "projects" / "litho-platform" / "src" / "litho_platform"
GUNICORN_CONFIG = DEPLOYMENT / "gunicorn" / "gunicorn.conf.py"
COMPOSE_DIR = DEPLOYMENT / "compose"
K8S_DIR = DEPLOYMENT / "k8s"

# The commands of the contract between these files and the service.
WSGI_COMMAND = [
    "gunicorn", "-c", "deployment/gunicorn/gunicorn.conf.py", "litho_platform:create_app()",
]
CELERY_APP = ["celery", "-A", "litho_platform.worker"]
MIGRATE_COMMAND = [
    "flask", "--app", "litho_platform", "db", "upgrade", "--directory", "/app/migrations",
]

# Variables the deployment files may set although neither the service nor the gunicorn config
# reads them, with who does.
EXTERNAL_READERS = {
    "FORWARDED_ALLOW_IPS": "gunicorn itself (which proxies may set X-Forwarded-*)",
    "PROMETHEUS_MULTIPROC_DIR": "prometheus_client (metrics across gunicorn workers)",
    "MPLCONFIGDIR": "matplotlib (its cache, on a read-only root file system)",
    "CELERY_CONCURRENCY": "the worker's command line (--concurrency)",
}
# What production cannot run without.
REQUIRED_SERVICE_ENV = {
    "APP_ENV", "SECRET_KEY", "JWT_SECRET_KEY", "DATABASE_URL", "REDIS_URL",
    "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND",
}
SECRET_PLACEHOLDER = "CHANGE-ME"

_ENV_READ = re.compile(
    r"""(?:\(\s*env,\s*|environ\.get\(\s*|environ\[\s*|getenv\(\s*|_integer\(\s*)"""
    r"""["']([A-Z][A-Z0-9_]*)["']"""
)


def env_names_read_by(*paths: Path) -> set[str]:
    """Environment variable names the Python sources under ``paths`` read."""
    names: set[str] = set()
    for path in paths:
        for source in [path] if path.is_file() else sorted(path.rglob("*.py")):
            names.update(_ENV_READ.findall(source.read_text()))
    return names


def service_env_names() -> set[str]:
    return env_names_read_by(SERVICE_PACKAGE)


def gunicorn_env_names() -> set[str]:
    return env_names_read_by(GUNICORN_CONFIG)


def allowed_env_names() -> set[str]:
    return service_env_names() | gunicorn_env_names() | set(EXTERNAL_READERS)


def load_yaml_documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a dotenv file (no quoting or expansion, as in .env.example)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def megabytes(size: str) -> float:
    """An nginx size ('33m', '1024k', '1g', '512') in MiB."""
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", size.strip())
    assert match, f"not an nginx size: {size!r}"
    factor = {"": 1 / 1024 / 1024, "k": 1 / 1024, "m": 1, "g": 1024}[match[2].lower()]
    return int(match[1]) * factor


def seconds(duration: str) -> float:
    """An nginx or compose duration ('75s', '6m', '1m30s', '60') in seconds."""
    assert re.fullmatch(r"(?:\d+(?:ms|h|m|s)?)+", duration.strip()), f"not a duration: {duration!r}"
    parts = re.findall(r"(\d+)(ms|h|m|s)?", duration.strip())
    unit = {"ms": 0.001, "h": 3600, "m": 60, "s": 1, "": 1}
    return sum(int(number) * unit[suffix] for number, suffix in parts)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    output: str


class Validators:
    """The offline validators, each returning whether the files passed and what it said."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir

    def executable(self, name: str) -> str:
        found = self.bin_dir / name
        if found.exists():
            return str(found)
        on_path = shutil.which(name)
        if on_path is None:
            pytest.skip(f"{name} is not installed (pip install -r requirements.txt provides it)")
        return on_path

    def run(self, *command: str) -> Outcome:
        completed = subprocess.run(
            [self.executable(command[0]), *command[1:]],
            capture_output=True, text=True, timeout=60, cwd=REPO,
        )
        return Outcome(completed.returncode == 0, completed.stdout + completed.stderr)

    def hadolint(self, dockerfile: Path) -> Outcome:
        return self.run("hadolint", "--no-color", str(dockerfile))

    def compose(self, compose_file: Path) -> Outcome:
        return self.run(
            "check-jsonschema", "--builtin-schema", "vendor.compose-spec", str(compose_file)
        )

    def kubernetes(self, manifests: list[Path], version: str) -> Outcome:
        return self.run(
            "kubernetes-validate", "--strict", "--quiet", "-k", version, *map(str, manifests)
        )

    def yamllint(self, paths: list[Path]) -> Outcome:
        return self.run(
            "yamllint", "--strict", "-c", str(DEPLOYMENT / ".yamllint"), *map(str, paths)
        )


@pytest.fixture(scope="session")
def validators() -> Validators:
    return Validators(Path(sys.executable).parent)


_COMPOSE_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


def compose_variables(value) -> set[str]:
    """Names interpolated in a loaded compose file's strings (``$$`` is a literal dollar)."""
    if isinstance(value, str):
        return {
            match["braced"] or match["named"]
            for match in _COMPOSE_VARIABLE.finditer(value)
            if not match["escaped"]
        }
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return set().union(*(compose_variables(item) for item in items))


def interpolate_compose(value, env: dict[str, str]):
    """Docker Compose's interpolation applied to every string in ``value``: ${VAR},
    ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, $VAR, $$.
    Raises KeyError for a required variable that is missing."""

    def substitute(match: re.Match) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        op, arg = match["op"], match["arg"]
        present = name in env
        usable = present and (env[name] != "" or not (op or "").startswith(":"))
        if op in ("-", ":-"):
            return env[name] if usable else arg
        if op in ("?", ":?"):
            if not usable:
                raise KeyError(f"{name}: {arg}")
            return env[name]
        if op in ("+", ":+"):
            return arg if usable else ""
        return env.get(name, "")

    if isinstance(value, str):
        return _COMPOSE_VARIABLE.sub(substitute, value)
    if isinstance(value, dict):
        return {key: interpolate_compose(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate_compose(item, env) for item in value]
    return value


def compose_environment(service: dict) -> dict[str, str]:
    """A compose service's environment as a mapping (compose accepts a list of KEY=VALUE too)."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.partition("=")[::2] for item in environment)
    return {key: "" if value is None else str(value) for key, value in environment.items()}


@pytest.fixture(scope="session")
def checks() -> SimpleNamespace:
    """This module's constants and helpers."""
    return SimpleNamespace(
        **{name: value for name, value in globals().items() if not name.startswith("_")}
    )
