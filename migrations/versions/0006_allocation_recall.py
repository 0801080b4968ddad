"""allocation recall

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

A shipment not confirmed yet can be recalled by its sender: the allocation
line records when, by whom and why. No data to fill (nothing was recalled
before this revision).
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    # batch: SQLite adds a foreign key only by rebuilding the table
    with op.batch_alter_table('allocation_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recall_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('recall_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('recalled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recalled_on', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key('fk_allocation_line_recalled_by_id_ab_user', 'ab_user', ['recalled_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('allocation_line', schema=None) as batch_op:
        batch_op.drop_constraint('fk_allocation_line_recalled_by_id_ab_user', type_='foreignkey')
        batch_op.drop_column('recalled_on')
        batch_op.drop_column('recalled_by_id')
        batch_op.drop_column('recall_reason')
        batch_op.drop_column('recall_date')
