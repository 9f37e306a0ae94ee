{%- set r = cookiecutter.resource_name -%}
{%- set rs = cookiecutter.resource_plural -%}
"""Command-line tools, run as `flask --app {{ cookiecutter.project_slug }} <command>`."""

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from .extensions import db
from .models import {{ cookiecutter.__resource_class }}
from .services import {{ rs }}


@click.command("seed")
@click.option("--count", default=25, show_default=True, help="How many {{ rs }} to create.")
@with_appcontext
def seed_command(count: int) -> None:
    """Create example {{ rs }} to try the API with; existing names are skipped."""
    existing = set(db.session.scalars(select({{ cookiecutter.__resource_class }}.name)))
    created = 0
    for number in range(1, count + 1):
        name = f"Example {{ cookiecutter.__resource_title }} {number}"
        if name not in existing:
            {{ rs }}.create_{{ r }}(db.session, name, "Created by `flask seed`.")
            created += 1
    click.echo(f"Created {created} {{ rs }}.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_command)
