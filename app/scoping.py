"""THE scoping rule: a user sees and changes only their own unit and the units
below it. Every view, REST API, export and query asks this module; nothing else
decides which rows a user may touch.

The actor is always passed in (never read from flask.g here), so the CLI and
tests use the same rule as the web layer.

A subtree is a range scan on the materialised path: paths are made of digits
and "/", and "0" is the character right after "/", so every path that starts
with "/1/12/" lies in ["/1/12/", "/1/120") — a plain B-tree index serves it on
SQLite and on PostgreSQL (path uses the "C" collation there)."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import and_, false, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.db.compiled import load_row
from app.db.ids import is_stored_id
from app.models.unit import Unit


# ---------------------------------------------------------------- the path format

def child_path(parent_path: Optional[str], unit_id: int) -> str:
    """The path of unit `unit_id` under a parent with `parent_path` (None: a root)."""
    return f"{parent_path or '/'}{unit_id}/"


def ancestor_ids(path: str) -> list[int]:
    """The unit and every unit above it, root first: "/1/40/400/" -> [1, 40, 400]."""
    return [int(part) for part in path.strip("/").split("/") if part]


def actor_root_path(actor) -> Optional[str]:
    """Path of the unit the actor belongs to, or None (no unit: sees nothing)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    unit = getattr(actor, "unit", None)
    if unit is None or not unit.path:
        return None
    return unit.path


def subtree_clause(path_column, root_path: Optional[str]):
    """SQL condition: path_column lies in the subtree rooted at root_path."""
    if not root_path:
        return false()
    upper_bound = root_path[:-1] + "0"
    return and_(path_column >= root_path, path_column < upper_bound)


def path_in_subtree(path: Optional[str], root_path: Optional[str]) -> bool:
    return bool(path) and bool(root_path) and path.startswith(root_path)


def unit_scope_clause(actor):
    """Condition on Unit rows the actor may see."""
    return subtree_clause(Unit.path, actor_root_path(actor))


def scope_clause(model, actor):
    """Condition on rows of `model` the actor may see: a Unit by its path, any
    other model by the unit it belongs to (its `unit_id`)."""
    if model is Unit or (isinstance(model, type) and issubclass(model, Unit)):
        return unit_scope_clause(actor)
    unit_id_column = getattr(model, "unit_id", None)
    if unit_id_column is None:
        raise TypeError(f"{model.__name__} has no unit to scope by")
    root = actor_root_path(actor)
    if not root:
        return false()
    return unit_id_column.in_(select(Unit.id).where(subtree_clause(Unit.path, root)))


def unit_in_scope(actor, unit: Optional[Unit]) -> bool:
    return unit is not None and path_in_subtree(unit.path, actor_root_path(actor))


def is_own_unit(actor, unit_or_id) -> bool:
    """The actor belongs to this very unit (not just above it): only the
    receiving unit's own users confirm a shipment addressed to it."""
    unit_id = getattr(unit_or_id, "id", unit_or_id)
    own = getattr(actor, "unit", None)
    return unit_id is not None and own is not None and own.id == unit_id


def get_in_scope(session: Session, model, primary_key, actor):
    """The row of `model` with this key if the actor may see it, else None
    (a key that is not a whole number, or no row could have, matches nothing)."""
    try:
        primary_key = int(primary_key)
    except (TypeError, ValueError):
        return None
    if not is_stored_id(primary_key):
        return None
    # The row the session holds (the signed-in user's own unit), else one compiled,
    # prepared SELECT (load_row): an ORM get of a unit below the user's own cost a
    # fifth of a distribution through the form (make bench's profile).
    row = session.identity_map.get(identity_key(model, primary_key)) or load_row(session, model, primary_key)
    return row if row is not None and row_in_scope(actor, row) else None


def row_in_scope(actor, row) -> bool:
    """Python-side twin of scope_clause for an already loaded row."""
    if isinstance(row, Unit):
        return unit_in_scope(actor, row)
    return unit_in_scope(actor, getattr(row, "unit", None))
