"""report_rollup holds only the reports below a unit

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

A unit's own report is its daily_report row; report_rollup kept a copy of it
under the unit itself, most of the table's rows (most units are end units with
nothing below them), written on every report and by every rebuild. The copies
are the rows of the unit's own level (no unit has one of its own level below it).
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM report_rollup WHERE level = (SELECT unit.level FROM unit WHERE unit.id = report_rollup.unit_id)")


def downgrade():
    op.execute("INSERT INTO report_rollup (unit_id, day, level, reported) "
               "SELECT daily_report.unit_id, daily_report.day, unit.level, 1 "
               "FROM daily_report JOIN unit ON unit.id = daily_report.unit_id")
