"""Shipment confirmation one-time token

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

The confirmation form carries a one-time token like every other document
form, so a confirmation sent twice (a phone's offline queue retried after the
first answer was lost) confirms once and answers the second time as done.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('allocation_line') as batch:
        batch.add_column(sa.Column('confirm_token', sa.String(length=64), nullable=True))
        batch.create_unique_constraint('uq_allocation_line_confirm_token', ['confirm_token'])


def downgrade():
    with op.batch_alter_table('allocation_line') as batch:
        batch.drop_constraint('uq_allocation_line_confirm_token', type_='unique')
        batch.drop_column('confirm_token')
