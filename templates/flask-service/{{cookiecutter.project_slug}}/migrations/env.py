"""Alembic environment for Flask-Migrate: the app supplies the engine and the metadata."""

import logging

from alembic import context
from flask import current_app

from {{ cookiecutter.project_slug }}.models.base import UTCDateTime

config = context.config
logger = logging.getLogger("alembic.env")

migrate_extension = current_app.extensions["migrate"]
engine = migrate_extension.db.engine
target_metadata = migrate_extension.db.metadata
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def render_item(type_: str, obj: object, _autogen_context: object) -> str | bool:
    # The database sees a UTCDateTime column as a plain timestamp; so does a migration,
    # which then needs no import from the application.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (`flask db upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        **migrate_extension.configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty_revision(_context, _revision, directives) -> None:
        # Without this, `flask db migrate` after no model change writes an empty revision.
        autogenerate = getattr(config.cmd_opts, "autogenerate", False)
        if autogenerate and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    configure_args = {
        "process_revision_directives": skip_empty_revision,
        "render_item": render_item,
    }
    configure_args.update(migrate_extension.configure_args)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **configure_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
