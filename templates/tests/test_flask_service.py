"""Tests of the flask-service cookiecutter template, the way cookiecutter-django tests itself.

Every supported combination of the options that change code is baked. Each bake must be
fully rendered, contain exactly the files of its options, pass ruff, pass its own test
suite (run with this interpreter, as the bake's CI would run it), and ship deployment
files that hadolint, the compose and GitHub workflow schemas, kubernetes-validate and
yamllint accept. Invalid options must stop the bake in the pre-generation hook.
"""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml
from cookiecutter.exceptions import FailedHookException

TEMPLATE = Path(__file__).resolve().parent.parent / "flask-service"
TOOLS = Path(sys.executable).parent
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
POSTGRES_URL = os.environ.get("TEMPLATE_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

# Options that change code, crossed in full. Celery needs Redis (its broker), so
# (use_redis, use_celery) has three valid states, not four.
SERVICES = [("no", "no"), ("yes", "no"), ("yes", "yes")]
COMBINATIONS = [
    {
        "database": database,
        "use_redis": use_redis,
        "use_celery": use_celery,
        "auth": auth,
        # Kubernetes manifests need PostgreSQL, so they follow the database.
        "include_kubernetes": "yes" if database == "postgresql" else "no",
    }
    for database in ("sqlite", "postgresql")
    for use_redis, use_celery in SERVICES
    for auth in ("jwt", "none")
]
# One of the combinations above: every feature on (it is baked once for both uses).
FULL_FEATURED = {
    "database": "postgresql",
    "use_redis": "yes",
    "use_celery": "yes",
    "auth": "jwt",
    "include_kubernetes": "yes",
}
# Options that only change names and metadata, each exercised once.
VARIANTS = [
    {
        "project_name": "Litho Metrology API",
        "description": "Focus-exposure matrices, measured and fitted.",
        "python_version": "3.13",
        "database": "postgresql",
        "use_redis": "yes",
        "use_celery": "yes",
        "auth": "jwt",
        "resource_name": "wafer_map",
        "resource_plural": "wafer_maps",
        "port": "8080",
        "include_kubernetes": "no",
        "ci": "none",
        "license": "Apache-2.0",
    },
    {
        "project_name": "Dose Mapper",
        "python_version": "3.12",
        "auth": "none",
        "resource_name": "dose",
        "resource_plural": "doses",
        "license": "Proprietary",
    },
]


def combination_id(options: dict[str, str]) -> str:
    if "project_name" in options:
        return options["project_name"].lower().replace(" ", "-")
    services = {"no": "embedded", "yes": "redis"}[options["use_redis"]]
    if options["use_celery"] == "yes":
        services = "celery"
    return f"{options['database']}-{services}-{options['auth']}"


def run(command: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, **kwargs)


def assert_ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"


def baked_suite_environment(**extra: str) -> dict[str, str]:
    """The environment a bake's own test suite runs in.

    Only the plugins the bake itself installs (pytest-cov, pytest-timeout) are loaded,
    not every plugin of this repository's environment. Service URLs set for the
    repository's own tests are dropped, so a bake runs on its embedded defaults.
    """
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "PYTEST_ADDOPTS"}
    }
    environment.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", **extra)
    return environment


def run_baked_suite(project: Path, **environment: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", "-p", "pytest_cov.plugin", "-p", "pytest_timeout"]
    command += ["-p", "no:cacheprovider", "-q"]
    return run(command, project, env=baked_suite_environment(**environment), timeout=300)


class Bakery:
    """Bakes each set of options once per session and hands out the project directory."""

    def __init__(self, cookies) -> None:
        self.cookies = cookies
        self.projects: dict[tuple, tuple[Path, dict[str, str]]] = {}

    def bake(self, options: dict[str, str]) -> tuple[Path, dict[str, str]]:
        key = tuple(sorted(options.items()))
        if key not in self.projects:
            result = self.cookies.bake(extra_context=options, template=str(TEMPLATE))
            assert result.exit_code == 0, result.exception
            self.projects[key] = (Path(result.project_path), dict(result.context))
        return self.projects[key]


@pytest.fixture(scope="session")
def bakery(cookies_session) -> Bakery:
    return Bakery(cookies_session)


@pytest.fixture(
    scope="module", params=COMBINATIONS + VARIANTS, ids=map(combination_id, COMBINATIONS + VARIANTS)
)
def baked(request: pytest.FixtureRequest, bakery: Bakery) -> tuple[Path, dict[str, str]]:
    """(project directory, the full cookiecutter context) of one bake."""
    return bakery.bake(request.param)


def test_everything_is_rendered(baked: tuple[Path, dict[str, str]]) -> None:
    project, _ = baked
    unrendered = re.compile(r"\{\{|\{%|\{#|cookiecutter\.")
    problems = []
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if unrendered.search(str(relative)):
            problems.append(f"{relative}: unrendered name")
        if path.is_dir():
            if not any(path.iterdir()):
                problems.append(f"{relative}: empty directory")
            continue
        text = path.read_text()
        if not text.strip():
            problems.append(f"{relative}: empty file")
        for number, line in enumerate(text.splitlines(), start=1):
            if unrendered.search(line):
                problems.append(f"{relative}:{number}: {line.strip()}")
    assert problems == []


def test_only_the_chosen_features_are_there(baked: tuple[Path, dict[str, str]]) -> None:
    project, context = baked
    slug, resources = context["project_slug"], context["resource_plural"]
    jwt = context["auth"] == "jwt"
    redis = context["use_redis"] == "yes"
    celery = context["use_celery"] == "yes"
    kubernetes = context["include_kubernetes"] == "yes"
    expected = {
        f"{slug}/api/auth.py": jwt,
        f"{slug}/services/auth.py": jwt,
        f"{slug}/models/user.py": jwt,
        "tests/test_auth.py": jwt,
        f"{slug}/tasks/__init__.py": celery,
        f"{slug}/tasks/{resources}.py": celery,
        f"{slug}/worker.py": celery,
        "tests/test_tasks.py": celery,
        "tests/test_redis.py": redis,
        f"{slug}/api/{resources}.py": True,
        f"tests/test_{resources}.py": True,
        "k8s/deployment.yaml": kubernetes,
        "k8s/worker-deployment.yaml": kubernetes and celery,
        ".github/workflows/ci.yml": context["ci"] == "github",
    }
    assert {name: (project / name).exists() for name in expected} == expected

    requirements = (project / "requirements.txt").read_text()
    pins = {
        "Flask-JWT-Extended==": jwt,
        "psycopg==": context["database"] == "postgresql",
        "redis==": redis,
        "celery==": celery,
    }
    assert {pin: pin in requirements for pin in pins} == pins

    compose = yaml.safe_load((project / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"migrate", "web"} | {
        name
        for name, chosen in [
            ("db", context["database"] == "postgresql"),
            ("redis", redis),
            ("worker", celery),
        ]
        if chosen
    }


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.split(";")[0].strip().split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_pins_are_the_repositorys(baked: tuple[Path, dict[str, str]]) -> None:
    """A bake's tests run with this repository's interpreter: its pins must be ours."""
    project, _ = baked
    ours = _pins(Path(__file__).parents[2] / "requirements.txt")
    theirs = _pins(project / "requirements.txt") | _pins(project / "requirements-dev.txt")
    assert theirs
    assert {name: ours.get(name) for name in theirs} == theirs


def test_ruff_is_clean(baked: tuple[Path, dict[str, str]]) -> None:
    project, _ = baked
    assert_ok(run([str(TOOLS / "ruff"), "check", "--no-cache", "."], project))
    assert_ok(run([str(TOOLS / "ruff"), "format", "--check", "--no-cache", "."], project))


def test_own_test_suite_passes(baked: tuple[Path, dict[str, str]]) -> None:
    project, _ = baked

    result = run_baked_suite(project)

    assert_ok(result)
    assert re.search(r"\b\d+ passed\b", result.stdout), result.stdout
    assert "Required test coverage" in result.stdout


def test_deployment_files_pass_their_validators(baked: tuple[Path, dict[str, str]]) -> None:
    project, context = baked
    schema = [str(TOOLS / "check-jsonschema"), "--builtin-schema"]
    commands = [
        [str(TOOLS / "hadolint"), "Dockerfile"],
        [*schema, "vendor.compose-spec", "docker-compose.yml"],
        [str(TOOLS / "yamllint"), "--strict", "."],
    ]
    if context["ci"] == "github":
        commands.append([*schema, "vendor.github-workflows", ".github/workflows/ci.yml"])
    if context["include_kubernetes"] == "yes":
        manifests = sorted(str(path.relative_to(project)) for path in project.glob("k8s/**/*.yaml"))
        commands.append([str(TOOLS / "kubernetes-validate"), "--strict", "--quiet", *manifests])

    for command in commands:
        assert_ok(run(command, project))


WEB_DEPLOYMENT = ("Deployment", "wafer-service-web")


def test_kubernetes_manifests_cover_the_deployment(bakery: Bakery) -> None:
    project, _ = bakery.bake(FULL_FEATURED)

    documents = [yaml.safe_load(path.read_text()) for path in project.glob("k8s/**/*.yaml")]

    components = sorted(
        (document["kind"], document["metadata"]["labels"].get("app.kubernetes.io/component"))
        for document in documents
    )
    assert components == [
        ("ConfigMap", None),
        ("Deployment", "web"),
        ("Deployment", "worker"),
        ("HorizontalPodAutoscaler", None),
        ("Ingress", None),
        ("Job", "migrate"),
        ("PodDisruptionBudget", None),
        ("Secret", None),
        ("Service", None),
    ]
    [web] = [d for d in documents if (d["kind"], d["metadata"]["name"]) == WEB_DEPLOYMENT]
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert set(container["resources"]) == {"requests", "limits"}
    assert web["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True


def test_makefile_targets_parse(baked: tuple[Path, dict[str, str]]) -> None:
    project, _ = baked

    result = run(["make", "--dry-run", "test", "run"], project)

    assert_ok(result)
    assert "-m venv .venv" in result.stdout
    assert "-m pytest" in result.stdout
    assert "db upgrade" in result.stdout


@pytest.fixture
def postgres_schema() -> str:
    """A URL of the local PostgreSQL `test` database, scoped to a schema of its own."""
    psycopg = pytest.importorskip("psycopg")
    schema = f"template_{uuid.uuid4().hex[:12]}"
    try:
        connection = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        message = f"PostgreSQL is not reachable at {POSTGRES_URL}: {error}"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    with connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        finally:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_postgresql_bake_passes_against_postgresql(bakery: Bakery, postgres_schema: str) -> None:
    project, _ = bakery.bake(FULL_FEATURED)

    result = run_baked_suite(project, DATABASE_URL=postgres_schema)

    assert_ok(result)
    assert re.search(r"\b\d+ passed\b", result.stdout), result.stdout


INVALID_OPTIONS = [
    ({"project_slug": "Wafer-Service"}, "lowercase Python identifier"),
    ({"project_name": "3D Metrology"}, "lowercase Python identifier"),
    ({"project_slug": "class"}, "Python keyword"),
    ({"project_slug": "json"}, "would shadow"),
    ({"project_slug": "flask"}, "would shadow"),
    ({"use_celery": "yes", "use_redis": "no"}, "use_celery=yes needs use_redis=yes"),
    ({"include_kubernetes": "yes", "database": "sqlite"}, "include_kubernetes=yes needs"),
    ({"include_kubernetes": "maybe"}, "include_kubernetes must be yes or no"),
    ({"resource_name": "Item"}, "resource_name 'Item' must be a lowercase"),
    ({"resource_name": "health"}, "is used by the service itself"),
    ({"resource_name": "user", "resource_plural": "users"}, "is used by the service itself"),
    ({"resource_name": "sheep", "resource_plural": "sheep"}, "must differ"),
    ({"port": "80"}, "from 1024 to 65535"),
    ({"port": "http"}, "from 1024 to 65535"),
    ({"author_email": "nobody"}, "is not an email address"),
    ({"description": 'Says "hello"'}, "description"),
    ({"description": "x" * 80}, "description"),
]


@pytest.mark.parametrize(
    ("options", "message"), INVALID_OPTIONS, ids=[message for _, message in INVALID_OPTIONS]
)
def test_pre_generation_hook_rejects(cookies, capfd, options: dict[str, str], message: str) -> None:
    result = cookies.bake(extra_context=options, template=str(TEMPLATE))

    assert result.exit_code != 0
    assert isinstance(result.exception, FailedHookException)
    assert message in capfd.readouterr().err
    assert result.project_path is None


def test_user_resource_is_allowed_without_jwt(cookies) -> None:
    options = {"auth": "none", "resource_name": "user", "resource_plural": "users"}

    result = cookies.bake(extra_context=options, template=str(TEMPLATE))

    assert result.exit_code == 0, result.exception


def test_a_choice_outside_the_list_is_refused(cookies) -> None:
    result = cookies.bake(extra_context={"database": "mysql"}, template=str(TEMPLATE))

    assert result.exit_code != 0
    assert "mysql" in str(result.exception)


def test_command_line_bake_as_make_new_service_runs_it(tmp_path: Path) -> None:
    command = [str(TOOLS / "cookiecutter"), str(TEMPLATE), "--no-input", "--output-dir"]
    options = ["project_name=Overlay Monitor", "database=postgresql", "use_redis=yes"]

    result = run([*command, str(tmp_path), *options], tmp_path)

    assert_ok(result)
    project = tmp_path / "overlay_monitor"
    assert (project / "overlay_monitor" / "app.py").is_file()
    assert (project / "k8s" / "deployment.yaml").is_file()
    assert "make test" in result.stdout


def test_command_line_bake_explains_a_refusal(tmp_path: Path) -> None:
    command = [str(TOOLS / "cookiecutter"), str(TEMPLATE), "--no-input", "--output-dir"]

    result = run([*command, str(tmp_path), "use_celery=yes"], tmp_path)

    assert result.returncode != 0
    assert "use_celery=yes needs use_redis=yes" in result.stderr
    assert list(tmp_path.iterdir()) == []
