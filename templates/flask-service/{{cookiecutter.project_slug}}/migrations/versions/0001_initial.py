{%- set rs = cookiecutter.resource_plural -%}
"""Create the {{ rs }} table{% if cookiecutter.auth == "jwt" %} and the users table{% endif %}.

Revision ID: 0001
Revises:
Create Date: {% now 'utc', '%Y-%m-%d' %}
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "{{ rs }}",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
{%- if cookiecutter.use_celery == "yes" %}
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
{%- endif %}
        sa.PrimaryKeyConstraint("id", name=op.f("pk_{{ rs }}")),
        sa.UniqueConstraint("name", name=op.f("uq_{{ rs }}_name")),
    )
{%- if cookiecutter.auth == "jwt" %}
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
{%- endif %}


def downgrade() -> None:
{%- if cookiecutter.auth == "jwt" %}
    op.drop_table("users")
{%- endif %}
    op.drop_table("{{ rs }}")
