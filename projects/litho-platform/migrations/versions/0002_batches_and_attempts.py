"""Analysis batches, and the runs each analysis has started.

Revision ID: 0002_batches_and_attempts
Revises: 0001_initial_schema
Create Date: 2026-11-23

``analyses.attempts`` counts the runs started for an analysis (a worker lost mid-run makes it
more than one); ``analyses.batch_id`` ties an analysis to the batch that created it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_batches_and_attempts"
down_revision = "0001_initial_schema"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "analysis_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("aggregate", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_analysis_batches_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_batches")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("analysis_batches") as batch_op:
        batch_op.create_index(batch_op.f("ix_analysis_batches_created_at"), ["created_at"])
        batch_op.create_index(batch_op.f("ix_analysis_batches_owner_id"), ["owner_id"])

    with op.batch_alter_table("analyses") as batch_op:
        # Existing rows ran (at most) once; the server default fills them in.
        batch_op.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_analyses_batch_id"), ["batch_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_analyses_batch_id_analysis_batches"),
            "analysis_batches",
            ["batch_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("analyses") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_analyses_batch_id_analysis_batches"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_analyses_batch_id"))
        batch_op.drop_column("batch_id")
        batch_op.drop_column("attempts")

    with op.batch_alter_table("analysis_batches") as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_batches_owner_id"))
        batch_op.drop_index(batch_op.f("ix_analysis_batches_created_at"))
    op.drop_table("analysis_batches")
