"""Reject options that would bake a broken service, before any file is written.

Cookiecutter renders this file with the chosen options, runs it, and aborts the bake
when it exits non-zero. Each rule prints what is wrong and how to fix it.
"""

import json
import keyword
import re
import sys

# Rendered as JSON, whose quotes are escaped: any value the user typed stays inside the
# literal, even one with quotes, which the rules below then reject.
OPTIONS = json.loads(r"""{{ cookiecutter|tojson }}""")

LOWER_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")

# Free text is written into Python and TOML string literals and into code lines.
TEXT_LIMITS = {"project_name": 60, "description": 72}

# Import names the generated service already uses: a package with one of these names
# would shadow the library (or the project's own folders) on sys.path.
TAKEN_NAMES = {
    "alembic",
    "celery",
    "flask",
    "flask_caching",
    "flask_jwt_extended",
    "flask_limiter",
    "flask_migrate",
    "flask_restx",
    "flask_sqlalchemy",
    "gunicorn",
    "jwt",
    "kombu",
    "limits",
    "migrations",
    "prometheus_client",
    "psycopg",
    "pythonjsonlogger",
    "redis",
    "sqlalchemy",
    "tests",
    "werkzeug",
}

# Names the example resource cannot take: URL paths the service serves, and modules
# (models/base.py, services/exceptions.py, tests/test_<name>.py) it would overwrite.
RESERVED_RESOURCES = {
    "auth",
    "base",
    "config",
    "errors",
    "exceptions",
    "health",
    "limits",
    "metrics",
    "migrations",
    "observability",
    "redis",
    "swagger",
    "tasks",
}
RESERVED_WITH_JWT = {"user", "users"}


def identifier_problem(label: str, value: str) -> str | None:
    if not LOWER_IDENTIFIER.match(value):
        return (
            f"{label} {value!r} must be a lowercase Python identifier: start with a letter, "
            "then letters, digits or underscores."
        )
    if keyword.iskeyword(value):
        return f"{label} {value!r} is a Python keyword."
    return None


def find_problems(options: dict[str, str]) -> list[str]:
    problems = []
    slug = options["project_slug"]
    slug_problem = identifier_problem("project_slug", slug)
    if slug_problem:
        problems.append(slug_problem + " Pass project_slug=... explicitly.")
    elif slug in sys.stdlib_module_names or slug in TAKEN_NAMES:
        problems.append(
            f"project_slug {slug!r} would shadow the module of the same name; choose another."
        )

    for label in ("resource_name", "resource_plural"):
        name_problem = identifier_problem(label, options[label])
        if name_problem:
            problems.append(name_problem)
        elif options[label] in RESERVED_RESOURCES or (
            options["auth"] == "jwt" and options[label] in RESERVED_WITH_JWT
        ):
            problems.append(f"{label} {options[label]!r} is used by the service itself.")
    if options["resource_name"] == options["resource_plural"]:
        problems.append("resource_plural must differ from resource_name (e.g. item / items).")
    if slug in (options["resource_name"], options["resource_plural"]):
        problems.append("The example resource cannot have the project's own name.")

    if options["use_celery"] == "yes" and options["use_redis"] != "yes":
        problems.append(
            "use_celery=yes needs use_redis=yes: the Celery broker of this template is Redis."
        )
    if options["include_kubernetes"] not in ("yes", "no"):
        problems.append("include_kubernetes must be yes or no.")
    elif options["include_kubernetes"] == "yes" and options["database"] != "postgresql":
        problems.append(
            "include_kubernetes=yes needs database=postgresql: SQLite is one file on one "
            "disk, which replicas, the autoscaler and the migration Job cannot share."
        )

    for label, limit in TEXT_LIMITS.items():
        value = options[label]
        if '"' in value or "\\" in value:
            problems.append(f"{label} cannot contain double quotes or backslashes.")
        if len(value) > limit:
            problems.append(f"{label} must be at most {limit} characters, not {len(value)}.")

    port = options["port"]
    if not port.isdigit() or not 1024 <= int(port) <= 65535:
        problems.append(f"port {port!r} must be a number from 1024 to 65535 (non-root).")
    if "@" not in options["author_email"]:
        problems.append(f"author_email {options['author_email']!r} is not an email address.")
    return problems


def main() -> int:
    problems = find_problems(OPTIONS)
    for problem in problems:
        print(f"ERROR: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
