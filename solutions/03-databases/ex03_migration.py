"""Exercise 03: the platform's next migration, revision 0003 on top of the demo's 0002.

Wafers get a life-cycle status: ``new`` (nothing measured yet), ``measured`` (CD-SEM data
loaded) or ``analysed``. The column must arrive on a database that already holds lots, wafers
and measurements, and ``downgrade()`` must take it away again without losing anything else.

``upgrade()``:

1. add ``wafers.status``: ``String(16)``, NOT NULL, server default ``'new'`` (existing rows
   and inserts that do not name the column get ``'new'``);
2. backfill: every wafer that has at least one measurement becomes ``'measured'``, in one
   set-based ``UPDATE ... WHERE EXISTS (...)``, not a Python loop over rows;
3. add the check constraint ``ck_wafers_status_known``: ``status IN ('new', 'measured',
   'analysed')``;
4. add the index ``ix_wafers_status`` on ``status``.

``downgrade()`` removes the index, the constraint and the column, leaving the schema and every
row exactly as revision 0002 had them.

Write both with ``op`` only. A migration never imports the application's models (they
describe the schema of today, not of 0002): describe the tables the data step needs with
``sa.table()`` / ``sa.column()``. SQLite cannot add a constraint to, or drop a column from, an
existing table: put those steps in ``with op.batch_alter_table("wafers") as batch:``, which
rebuilds the table on SQLite and emits plain ``ALTER TABLE`` on PostgreSQL. The tests run this
file through the demo's ``migrations/env.py``, on SQLite and on PostgreSQL, up and down.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The two tables as the data step needs them, not as the application's models describe them.
wafers = sa.table("wafers", sa.column("id", sa.Integer), sa.column("status", sa.String))
measurements = sa.table("measurements", sa.column("wafer_id", sa.Integer))


def upgrade():
    # The server default fills every existing row, so NOT NULL holds from the first moment.
    op.add_column(
        "wafers",
        sa.Column("status", sa.String(length=16), server_default="new", nullable=False),
    )
    op.execute(
        wafers.update()
        .where(sa.exists().where(measurements.c.wafer_id == wafers.c.id))
        .values(status="measured")
    )
    with op.batch_alter_table("wafers") as batch:
        batch.create_check_constraint(
            "ck_wafers_status_known", "status IN ('new', 'measured', 'analysed')"
        )
    op.create_index("ix_wafers_status", "wafers", ["status"])


def downgrade():
    op.drop_index("ix_wafers_status", table_name="wafers")
    with op.batch_alter_table("wafers") as batch:
        batch.drop_constraint("ck_wafers_status_known", type_="check")
        batch.drop_column("status")
