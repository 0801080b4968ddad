"""Google Form reconciliation

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

The column mapping of each province's form, the units people picked for
typed names, and the uploaded exports (app/models/form_import.py).
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_mapping',
        sa.Column('province_id', sa.Integer(), sa.ForeignKey('unit.id'), primary_key=True),
        sa.Column('mapping', sa.Text(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), sa.ForeignKey('ab_user.id'), nullable=True),
        sa.Column('changed_on', sa.DateTime(), nullable=False),
    )
    op.create_table(
        'form_unit_choice',
        sa.Column('province_id', sa.Integer(), sa.ForeignKey('unit.id'), primary_key=True),
        sa.Column('typed', sa.String(length=255), primary_key=True),
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('unit.id'), nullable=False),
        sa.Column('chosen_by_id', sa.Integer(), sa.ForeignKey('ab_user.id'), nullable=True),
        sa.Column('chosen_on', sa.DateTime(), nullable=False),
    )
    op.create_table(
        'form_upload',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('province_id', sa.Integer(), sa.ForeignKey('unit.id'), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), sa.ForeignKey('ab_user.id'), nullable=True),
        sa.Column('uploaded_on', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_form_upload_province_id', 'form_upload', ['province_id'])


def downgrade():
    op.drop_index('ix_form_upload_province_id', 'form_upload')
    op.drop_table('form_upload')
    op.drop_table('form_unit_choice')
    op.drop_table('form_mapping')
