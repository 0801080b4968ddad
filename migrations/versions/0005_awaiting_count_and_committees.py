"""awaiting count figure, committees on file

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

The rollups gain `awaiting_count_change` (a receipt's pieces from its date
until its count is signed), filled here from the receipts already stored; each
unit's latest signed committee becomes its committee on file.
"""
import json
from collections import defaultdict

from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _ancestors(path):
    """Unit ids from the root down to the unit, from a path like '/1/5/23/'."""
    return [int(part) for part in (path or "").strip("/").split("/") if part]


def upgrade():
    op.add_column('daily_rollup', sa.Column('awaiting_count_change', sa.Integer(), nullable=False,
                                            server_default='0'))
    op.create_table('unit_committee',
                    sa.Column('unit_id', sa.Integer(), nullable=False),
                    sa.Column('members', sa.Text(), nullable=False),
                    sa.Column('chair_name', sa.String(length=255), nullable=True),
                    sa.Column('default_below', sa.Boolean(), nullable=False, server_default=sa.false()),
                    sa.Column('changed_on', sa.DateTime(), nullable=False),
                    sa.Column('changed_by_id', sa.Integer(), nullable=True),
                    sa.ForeignKeyConstraint(['changed_by_id'], ['ab_user.id'], ),
                    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
                    sa.PrimaryKeyConstraint('unit_id'))
    bind = op.get_bind()
    paths = dict(bind.execute(sa.text("SELECT id, path FROM unit")).all())
    deltas = defaultdict(int)
    for unit_id, item_id, day, sent in bind.execute(sa.text(
            "SELECT unit_id, item_id, receipt_date, quantity_sent FROM receipt")):
        for above in _ancestors(paths[unit_id]):
            deltas[above, item_id, day] += sent
    for unit_id, item_id, day, sent in bind.execute(sa.text(
            "SELECT c.unit_id, c.item_id, c.count_date, l.quantity_sent FROM daily_count c "
            "JOIN daily_count_line l ON l.count_id = c.id WHERE c.status = 'signed'")):
        for above in _ancestors(paths[unit_id]):
            deltas[above, item_id, day] -= sent
    for (unit_id, item_id, day), delta in deltas.items():
        if not delta:
            continue
        updated = bind.execute(sa.text(
            "UPDATE daily_rollup SET awaiting_count_change = :delta "
            "WHERE unit_id = :unit_id AND item_id = :item_id AND day = :day"),
            {"delta": delta, "unit_id": unit_id, "item_id": item_id, "day": day}).rowcount
        if not updated:
            bind.execute(sa.text(
                "INSERT INTO daily_rollup (unit_id, item_id, day, received, counted, count_discrepancy, "
                "allocated_out, confirmed_in, transfer_discrepancy, in_transit_change, awaiting_count_change, "
                "distributed, people_reached, adjusted, net_change) "
                "VALUES (:unit_id, :item_id, :day, 0, 0, 0, 0, 0, 0, 0, :delta, 0, 0, 0, 0)"),
                {"delta": delta, "unit_id": unit_id, "item_id": item_id, "day": day})
    latest = {}
    for unit_id, members, chair, day in bind.execute(sa.text(
            "SELECT unit_id, members, chair_name, count_date FROM daily_count WHERE status = 'signed' "
            "ORDER BY count_date")):
        if json.loads(members or "[]"):
            latest[unit_id] = (members, chair)
    for unit_id, (members, chair) in latest.items():
        bind.execute(sa.text("INSERT INTO unit_committee (unit_id, members, chair_name, default_below, changed_on) "
                             "VALUES (:unit_id, :members, :chair, :no, CURRENT_TIMESTAMP)"),
                     {"unit_id": unit_id, "members": members, "chair": chair, "no": False})


def downgrade():
    op.drop_table('unit_committee')
    op.drop_column('daily_rollup', 'awaiting_count_change')
