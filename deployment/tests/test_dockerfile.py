"""deployment/docker/Dockerfile: hadolint, and what a linter does not know (the contract with
the service, the build context, the runtime requirements)."""

from __future__ import annotations

import ast
import json
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

DOCKER = Path(__file__).resolve().parents[1] / "docker"
DOCKERFILE = DOCKER / "Dockerfile"
DOCKERIGNORE = DOCKER / "Dockerfile.dockerignore"
RUNTIME_REQUIREMENTS = DOCKER / "requirements-runtime.in"


def instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#")
    ))
    return [
        (keyword.upper(), arguments.strip())
        for keyword, _, arguments in (line.strip().partition(" ") for line in joined.splitlines())
        if keyword
    ]


def stages(text: str) -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for keyword, arguments in instructions(text):
        if keyword == "FROM":
            result.append([])
        result[-1].append((keyword, arguments))
    return result


def _pattern_regex(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as a regex: ``**/`` spans folders, ``*`` and ``?`` do not."""
    regex, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
        else:
            regex += {"*": "[^/]*", "?": "[^/]"}.get(pattern[i], re.escape(pattern[i]))
            i += 1
    return re.compile(regex + r"\Z")


def dockerignore_includes(path: str, patterns: list[str]) -> bool:
    """Whether the build context holds ``path`` under these .dockerignore patterns: the last
    pattern that matches the path or one of its parent folders decides."""
    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    included = True
    for pattern in patterns:
        regex = _pattern_regex(pattern.removeprefix("!").strip("/"))
        if any(regex.match(candidate) for candidate in candidates):
            included = pattern.startswith("!")
    return included


def ignore_patterns() -> list[str]:
    return [
        line.strip() for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_hadolint_passes(validators):
    outcome = validators.hadolint(DOCKERFILE)
    assert outcome.ok, outcome.output


def test_hadolint_rejects_a_broken_copy(validators, tmp_path):
    broken = DOCKERFILE.read_text().replace(
        "python:3.11.13-slim-bookworm AS runtime", "python:latest AS runtime"
    ).replace("pip install --no-cache-dir --no-deps", "pip install --no-deps")
    (tmp_path / "Dockerfile").write_text(broken)
    outcome = validators.hadolint(tmp_path / "Dockerfile")
    assert not outcome.ok
    assert "DL3007" in outcome.output
    assert "DL3042" in outcome.output


def test_multi_stage_on_one_pinned_base():
    froms = [arguments for keyword, arguments in instructions(DOCKERFILE.read_text())
             if keyword == "FROM"]
    assert len(froms) >= 2, "a builder stage and a slim runtime stage"
    bases = {arguments.split()[0] for arguments in froms}
    assert len(bases) == 1, f"every stage on the same base image, got {bases}"
    image, _, tag = bases.pop().partition(":")
    assert image == "python"
    assert re.fullmatch(r"3\.11\.\d+-slim-[a-z]+", tag), f"a pinned slim tag, got {tag!r}"


def test_runtime_stage_is_non_root_observable_and_runs_the_wsgi_contract(checks):
    runtime = stages(DOCKERFILE.read_text())[-1]
    keywords = [keyword for keyword, _ in runtime]
    user = [arguments for keyword, arguments in runtime if keyword == "USER"][-1]
    uid = user.split(":")[0]
    assert uid.isdigit(), "numeric, so Kubernetes' runAsNonRoot can verify it"
    assert int(uid) >= 1000
    assert keywords.index("USER") < keywords.index("CMD")
    healthcheck = [arguments for keyword, arguments in runtime if keyword == "HEALTHCHECK"]
    assert len(healthcheck) == 1
    assert "/health/live" in healthcheck[0]
    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(a for k, a in runtime if k == "ENV")))
    assert [a for k, a in runtime if k == "EXPOSE"] == [env["PORT"]]
    assert env["APP_ENV"] == "production"
    cmd = [arguments for keyword, arguments in runtime if keyword == "CMD"]
    assert len(cmd) == 1
    assert json.loads(cmd[0]) == checks.WSGI_COMMAND, "exec form, the WSGI contract"
    assert [a for k, a in runtime if k == "WORKDIR"] == ["/app"], "the contract's relative -c path"


def test_no_secret_is_baked_into_the_image():
    for keyword, arguments in instructions(DOCKERFILE.read_text()):
        if keyword in ("ENV", "ARG"):
            names = re.findall(r"(\w+)=", arguments) or [arguments.split()[0]]
            secret_like = [n for n in names if re.search(r"SECRET|PASSWORD|TOKEN|_KEY$", n)]
            assert not secret_like, f"{keyword} {arguments}"


def test_every_copied_file_exists_and_is_in_the_build_context(checks):
    patterns = ignore_patterns()
    copies = [
        arguments.split() for keyword, arguments in instructions(DOCKERFILE.read_text())
        if keyword == "COPY" and "--from=" not in arguments
    ]
    assert copies
    for *sources, _destination in copies:
        for source in sources:
            path = checks.REPO / source
            assert path.exists(), f"COPY {source}: not in the repository"
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            included = [
                f for f in files
                if dockerignore_includes(f.relative_to(checks.REPO).as_posix(), patterns)
            ]
            assert included, f"COPY {source}: nothing of it is in the build context"


def test_the_build_context_is_an_allowlist():
    patterns = ignore_patterns()
    assert patterns[0] == "*"
    for private in (".env", "deployment/compose/.env", ".venv/bin/python",
                    "projects/litho-platform/tests/api/conftest.py", ".git/config"):
        assert not dockerignore_includes(private, patterns), private
    assert not dockerignore_includes(
        "projects/litho-platform/src/litho_platform/__pycache__/app.cpython-311.pyc", patterns
    )
    for needed in ("projects/litho-platform/pyproject.toml",
                   "projects/litho-platform/src/litho_platform/app.py",
                   "projects/litho-platform/migrations/env.py"):
        assert dockerignore_includes(needed, patterns), needed


def test_the_allowlist_check_can_fail():
    assert not dockerignore_includes("projects/litho-platform/migrations/env.py", ["*"])
    assert dockerignore_includes("requirements.txt", ["*", "!requirements.txt"])


def _distribution_names() -> list[str]:
    return [
        line.strip() for line in RUNTIME_REQUIREMENTS.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_runtime_requirements_are_pinned_in_requirements_txt(checks):
    pinned = {
        canonicalize_name(Requirement(line).name)
        for line in (checks.REPO / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    runtime = {canonicalize_name(Requirement(name).name) for name in _distribution_names()}
    assert runtime - pinned == set(), "the image would install versions no test ran"


def _imported_top_level_modules(paths: list[Path]) -> set[str]:
    modules = set()
    for path in paths:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules


def test_the_image_installs_every_distribution_the_service_imports(checks):
    sources = sorted((checks.REPO / "projects/litho-platform/src").rglob("*.py"))
    modules = _imported_top_level_modules([*sources, checks.GUNICORN_CONFIG])
    third_party = modules - set(sys.stdlib_module_names) - {"litho", "litho_platform"}
    providers = packages_distributions()
    runtime = {canonicalize_name(Requirement(name).name) for name in _distribution_names()}
    missing = {
        module: providers.get(module) for module in sorted(third_party)
        if not {canonicalize_name(d) for d in providers.get(module, [])} & runtime
    }
    assert missing == {}, "add these distributions to deployment/docker/requirements-runtime.in"


@pytest.mark.parametrize("fragment", ["--no-cache-dir -r requirements-runtime.in -c "
                                      "requirements.txt", "--no-deps ./projects/litho-platform"])
def test_pip_installs_the_pins_and_the_project_without_its_dependencies(fragment):
    pip_lines = [arguments for keyword, arguments in instructions(DOCKERFILE.read_text())
                 if keyword == "RUN" and "pip install" in arguments]
    assert any(fragment in line for line in pip_lines), pip_lines
