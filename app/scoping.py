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

from app.models.unit import Unit


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


def row_in_scope(actor, row) -> bool:
    """Python-side twin of scope_clause for an already loaded row."""
    if isinstance(row, Unit):
        return unit_in_scope(actor, row)
    return unit_in_scope(actor, getattr(row, "unit", None))
