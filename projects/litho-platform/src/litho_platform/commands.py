"""CLI commands: ``flask --app litho_platform create-admin`` and ``load-demo``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from werkzeug.datastructures import FileStorage

from litho_platform.errors import ProblemError
from litho_platform.models import Caller
from litho_platform.services import datasets, users

# The example FEM files ship in the project folder beside the package (editable install).
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"


def _fail(exc: ProblemError) -> click.ClickException:
    reasons = "; ".join(item["message"] for item in exc.errors or [])
    return click.ClickException(f"{exc.detail} {reasons}".strip())


@click.command("create-admin")
@with_appcontext
@click.option("--username", prompt=True, help="Admin username.")
@click.option("--email", prompt=True, help="Admin email address.")
@click.password_option(
    "--password", envvar="LITHO_ADMIN_PASSWORD", help="Password (prompted if not given)."
)
def create_admin_command(username: str, email: str, password: str) -> None:
    """Create an admin account (the password policy applies)."""
    try:
        user = users.create_admin(username, email, password)
    except ProblemError as exc:
        raise _fail(exc) from None
    click.echo(f"Created admin {user.username} (id {user.id}).")


@click.command("load-demo")
@with_appcontext
@click.option("--username", required=True, help="Owner of the demo datasets (must exist).")
@click.option(
    "--examples",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=EXAMPLES_DIR,
    show_default=True,
    help="Folder of example FEM files (.csv, .parquet).",
)
def load_demo_command(username: str, examples: Path) -> None:
    """Load every example FEM file as a dataset of an existing user."""
    owner = users.find_by_username(username)
    if owner is None:
        raise click.ClickException(f"No user named {username!r}; register one first.")
    files = sorted(p for p in examples.iterdir() if p.suffix.lower() in (".csv", ".parquet"))
    if not files:
        raise click.ClickException(f"No .csv or .parquet files in {examples}.")
    for path in files:
        with path.open("rb") as stream:
            upload = FileStorage(stream=stream, filename=path.name)
            try:
                dataset = datasets.create_from_upload(Caller.of(owner), upload, path.stem)
            except ProblemError as exc:
                click.echo(f"skipped {path.name}: {exc.detail}", err=True)
                continue
        click.echo(f"loaded {path.name} as dataset {dataset.id} ({dataset.points} points)")


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_admin_command)
    app.cli.add_command(load_demo_command)
