"""unit.first_stock_on: the first day a unit itself received stock

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

"Holds stock" (a subdistrict must report from the day it first receives
stock) was one probe of the ledger per unit on every completeness count: for
the country, 7,400 subdistricts, 20 ms of the national dashboard. The day is
kept on the unit by app/stock.post from now on; here it is filled from the
ledger as it stands (the same statement as obligations.recount_first_stock).
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("unit", sa.Column("first_stock_on", sa.Date(), nullable=True))
    # Only the units that received stock: rewriting every row would leave a dead copy of each.
    stock_in = "ledger_line.unit_id = unit.id AND ledger_line.kind IN ('receipt', 'allocation_in')"
    op.execute(f"UPDATE unit SET first_stock_on = (SELECT min(ledger_line.entry_date) FROM ledger_line WHERE {stock_in}) "
               f"WHERE EXISTS (SELECT 1 FROM ledger_line WHERE {stock_in})")


def downgrade():
    with op.batch_alter_table("unit") as batch:
        batch.drop_column("first_stock_on")
