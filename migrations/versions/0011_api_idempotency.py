"""REST API idempotency keys

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

One row per (user, Idempotency-Key) a write of the REST API was sent with:
the request's hash and the first answer, returned again to a retry.
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_idempotency_key',
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('ab_user.id'), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('response', sa.Text(), nullable=True),
        sa.Column('created_on', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('user_id', 'key'),
    )
    op.create_index('ix_api_idempotency_key_created_on', 'api_idempotency_key', ['created_on'])


def downgrade():
    op.drop_index('ix_api_idempotency_key_created_on', 'api_idempotency_key')
    op.drop_table('api_idempotency_key')
