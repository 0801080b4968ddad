"""A unit moved to another parent takes its rollup history with it."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.rollups.rebuild import ROLLUP_TABLES
from app.scoping import ancestor_ids


def _moved_rows(table_name: str, columns: str) -> str:
    """The moved unit's subtree totals in `table_name`: its own rows, and for
    report_rollup its own reports too (daily_report rows: models.rollup.ReportRollup)."""
    rows = f"SELECT {columns} FROM {table_name} WHERE unit_id = :moved"
    if table_name == "report_rollup":
        rows += (" UNION ALL SELECT daily_report.unit_id, daily_report.day, unit.level, 1 FROM daily_report"
                 " JOIN unit ON unit.id = daily_report.unit_id WHERE daily_report.unit_id = :moved")
    return rows


def move_subtree_totals(session: Session, unit_id: int, old_path: str, new_path: str) -> None:
    """The unit's subtree totals (its own rows) are subtracted from the
    ancestors it left and added to the ancestors it joined, in the caller's
    transaction."""
    old_above = set(ancestor_ids(old_path)[:-1])
    new_above = set(ancestor_ids(new_path)[:-1])
    for model, key_columns, figures in ROLLUP_TABLES:
        table_name, keys = model.__tablename__, key_columns[1:]  # all but unit_id
        moved = _moved_rows(table_name, ", ".join(("unit_id", *keys, *figures)))
        match = " AND ".join(f"{table_name}.{key} = moved.{key}" for key in keys)
        for ancestor in sorted(old_above - new_above):
            session.execute(text(
                f"UPDATE {table_name} SET "
                + ", ".join(f"{name} = {table_name}.{name} - moved.{name}" for name in figures)
                + f" FROM ({moved}) AS moved WHERE {table_name}.unit_id = :ancestor AND {match}"),
                {"moved": unit_id, "ancestor": ancestor})
        for ancestor in sorted(new_above - old_above):
            columns = ", ".join(("unit_id", *keys, *figures))
            session.execute(text(
                f"INSERT INTO {table_name} ({columns}) SELECT :ancestor, "
                + ", ".join((*keys, *figures))
                # WHERE true: SQLite reads ON CONFLICT after a bare FROM as a join's ON
                + f" FROM ({moved}) AS moved WHERE true"
                f" ON CONFLICT (unit_id, {', '.join(keys)}) DO UPDATE SET "
                + ", ".join(f"{name} = {table_name}.{name} + excluded.{name}" for name in figures)),
                {"moved": unit_id, "ancestor": ancestor})
