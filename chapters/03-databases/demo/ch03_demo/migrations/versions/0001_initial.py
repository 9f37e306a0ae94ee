"""Lots, wafers and FEM measurements.

Revision ID: 0001
Revises:
Create Date: 2025-01-13 09:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("on_hold", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("hold_reason", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
        sa.UniqueConstraint("name", name=op.f("uq_lots_name")),
    )
    op.create_table(
        "wafers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.CheckConstraint("slot BETWEEN 1 AND 25", name=op.f("ck_wafers_slot_in_carrier")),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_wafers_lot_id_lots"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wafers")),
        sa.UniqueConstraint("lot_id", "slot", name=op.f("uq_wafers_lot_id_slot")),
    )
    op.create_table(
        "measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wafer_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.Integer(), nullable=False),
        sa.Column("dose_mj_cm2", sa.Double(), nullable=False),
        sa.Column("focus_um", sa.Double(), nullable=False),
        sa.Column("cd_nm", sa.Double(), nullable=False),
        sa.CheckConstraint("cd_nm > 0", name=op.f("ck_measurements_cd_positive")),
        sa.CheckConstraint("dose_mj_cm2 > 0", name=op.f("ck_measurements_dose_positive")),
        sa.CheckConstraint("field >= 1", name=op.f("ck_measurements_field_positive")),
        sa.ForeignKeyConstraint(
            ["wafer_id"],
            ["wafers.id"],
            name=op.f("fk_measurements_wafer_id_wafers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurements")),
        sa.UniqueConstraint("wafer_id", "field", name=op.f("uq_measurements_wafer_id_field")),
    )


def downgrade():
    op.drop_table("measurements")
    op.drop_table("wafers")
    op.drop_table("lots")
