"""reporting obligations

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

Which units must report daily: a rule per level (central administrator) and
per-unit exceptions (province administrator), read by completeness
(app/queries/obligations.py). The defaults are written here: every level
always, subdistricts only once they have received stock.
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

DEFAULTS = {"central": "always", "province": "always", "district": "always", "subdistrict": "holds_stock",
            "lao": "always", "end_unit": "always"}


def upgrade():
    rule = op.create_table(
        'reporting_rule',
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('rule', sa.String(length=16), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('changed_on', sa.DateTime(), nullable=False, server_default=sa.func.current_timestamp()),
        sa.ForeignKeyConstraint(['changed_by_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('level'),
    )
    op.create_table(
        'reporting_exception',
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('obliged', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('created_on', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['ab_user.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('unit_id'),
    )
    # Units switched off, by path: completeness subtracts their reports (few rows).
    op.create_index('ix_unit_switched_off', 'unit', ['path'], postgresql_where=sa.text('active = false'),
                    sqlite_where=sa.text('active = 0'))
    # Has a unit received stock by a day: one probe per unit (the "holds stock" rule).
    stock_in = sa.text("kind IN ('receipt', 'allocation_in')")
    op.create_index('ix_ledger_stock_in', 'ledger_line', ['unit_id', 'entry_date'], postgresql_where=stock_in,
                    sqlite_where=stock_in)
    # The reports of one day (completeness joins a level's units to them).
    op.create_index('ix_daily_report_day', 'daily_report', ['day', 'unit_id'])
    op.bulk_insert(rule, [{"level": level, "rule": value} for level, value in DEFAULTS.items()])


def downgrade():
    op.drop_index('ix_daily_report_day', table_name='daily_report')
    op.drop_index('ix_ledger_stock_in', table_name='ledger_line')
    op.drop_index('ix_unit_switched_off', table_name='unit')
    op.drop_table('reporting_exception')
    op.drop_table('reporting_rule')
