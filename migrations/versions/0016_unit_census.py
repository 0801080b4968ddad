"""unit_census: active units per level of each unit's subtree, kept; units without stock indexed

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

Completeness counted the subtree's active units per level on every page (the
country's 78,448 units: ~20 ms of the national dashboard). The counts are kept
by app/rollups/census.py from now on; here they are counted once from the
units as they stand (its own copy of census.recount_all: a migration must not
follow later app code).
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "unit_census",
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("level", sa.String(16), primary_key=True),
        sa.Column("active_units", sa.Integer(), nullable=False),
    )
    # Each active unit counted under every id of its path ("/1/40/400/": 1, 40 and 400).
    counts = {}
    for path, level in op.get_bind().execute(sa.text("SELECT path, level FROM unit WHERE active = true")):
        for unit_id in (int(part) for part in path.strip("/").split("/") if part):
            counts[(unit_id, level)] = counts.get((unit_id, level), 0) + 1
    census = sa.table("unit_census", sa.column("unit_id"), sa.column("level"), sa.column("active_units"))
    rows = [{"unit_id": unit_id, "level": level, "active_units": units} for (unit_id, level), units in counts.items()]
    for start in range(0, len(rows), 10_000):
        op.bulk_insert(census, rows[start:start + 10_000])
    op.create_index("ix_unit_never_stocked", "unit", ["level", "path"],
                    postgresql_where=sa.text("first_stock_on IS NULL"), sqlite_where=sa.text("first_stock_on IS NULL"))
    op.create_index("ix_unit_first_stock_on", "unit", ["level", "first_stock_on"])


def downgrade():
    op.drop_index("ix_unit_first_stock_on", table_name="unit")
    op.drop_index("ix_unit_never_stocked", table_name="unit")
    op.drop_table("unit_census")
