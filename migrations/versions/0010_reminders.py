"""e-mail reminders sent

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-04

One row per address and day a reminder went to, so `flask masklog remind`
run every hour sends each person one message a day. (Chained after 0008 on
its branch; the merge re-chains it after the obligations migration 0009.)
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reminder_log',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('ab_user.id'), nullable=True),
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('unit.id'), nullable=True),
        sa.Column('sent_on', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'email'),
    )


def downgrade():
    op.drop_table('reminder_log')
