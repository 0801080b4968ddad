"""unit deactivated_by

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

Deactivating a unit switches off its whole subtree; each unit switched off
remembers which unit's deactivation did it, so reactivating that unit
switches back on exactly those (a unit closed on its own before stays
closed). Units inactive before this revision keep NULL: closed on their own.
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # batch: SQLite adds a foreign key only by rebuilding the table
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_unit_deactivated_by_id_unit', 'unit', ['deactivated_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_constraint('fk_unit_deactivated_by_id_unit', type_='foreignkey')
        batch_op.drop_column('deactivated_by_id')
