"""unit picker indexes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

Search-as-you-type over ~80,000 units (app/queries/unit_search.py): Thai name
prefix per level, and code prefix. On PostgreSQL both use text_pattern_ops so
that LIKE 'prefix%' is an index range scan whatever the database collation;
on SQLite the plain index serves the byte-wise range the query uses. The
name index carries path and active too: the "contains" fallback, which no
B-tree can serve, then reads the index alone, not the table. (The
unique index on code serves exact codes; on SQLite it would serve prefixes
too, the extra index is there for PostgreSQL.)
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_unit_level_name', 'unit', ['level', 'name_th', 'path', 'active'],
                    postgresql_ops={'name_th': 'text_pattern_ops'})
    op.create_index('ix_unit_code_prefix', 'unit', ['code'], postgresql_ops={'code': 'text_pattern_ops'})


def downgrade():
    op.drop_index('ix_unit_code_prefix', table_name='unit')
    op.drop_index('ix_unit_level_name', table_name='unit')
