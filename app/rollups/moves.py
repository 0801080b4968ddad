"""A unit moved to another parent takes its rollup history with it."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.rollups.rebuild import ROLLUP_TABLES
from app.scoping import ancestor_ids


def move_subtree_totals(session: Session, unit_id: int, old_path: str, new_path: str) -> None:
    """The unit's own rows (which hold its subtree's totals) are subtracted
    from the ancestors it left and added to the ancestors it joined, in the
    caller's transaction."""
    old_above = set(ancestor_ids(old_path)[:-1])
    new_above = set(ancestor_ids(new_path)[:-1])
    for model, key_columns, figures in ROLLUP_TABLES:
        table_name, keys = model.__tablename__, key_columns[1:]  # all but unit_id
        match = " AND ".join(f"{table_name}.{key} = moved.{key}" for key in keys)
        for ancestor in sorted(old_above - new_above):
            session.execute(text(
                f"UPDATE {table_name} SET "
                + ", ".join(f"{name} = {table_name}.{name} - moved.{name}" for name in figures)
                + f" FROM {table_name} AS moved WHERE moved.unit_id = :moved AND {table_name}.unit_id = :ancestor"
                f" AND {match}"), {"moved": unit_id, "ancestor": ancestor})
        for ancestor in sorted(new_above - old_above):
            columns = ", ".join(("unit_id", *keys, *figures))
            session.execute(text(
                f"INSERT INTO {table_name} ({columns}) SELECT :ancestor, "
                + ", ".join((*keys, *figures))
                + f" FROM {table_name} WHERE unit_id = :moved"
                f" ON CONFLICT (unit_id, {', '.join(keys)}) DO UPDATE SET "
                + ", ".join(f"{name} = {table_name}.{name} + excluded.{name}" for name in figures)),
                {"moved": unit_id, "ancestor": ancestor})
