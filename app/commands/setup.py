"""Bringing a database to a working state: roles, the official hierarchy,
reference data, and (demo mode only) the demo units, accounts and day of work.
Every step is idempotent. One sequence for `flask masklog setup`, the demo
server, the tests and the benchmarks. Does not commit."""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Optional

from flask import current_app
from sqlalchemy.orm import Session

from app.commands.hierarchy import CENTRAL_CODE, SyncReport, sync_hierarchy
from app.commands.reference import seed_reference_data
from app.models.unit import Unit
from app.roles import CENTRAL_ADMIN


def system_actor(session: Session):
    """The actor for work the system does itself: the whole tree, every role."""
    central = session.query(Unit).filter(Unit.code == CENTRAL_CODE).one()
    role = current_app.appbuilder.sm.find_role(CENTRAL_ADMIN)
    return SimpleNamespace(is_authenticated=True, unit=central, roles=[role], id=None)


@dataclass
class SetupReport:
    roles_created: list
    hierarchy: SyncReport
    demo: Optional[dict] = None


def prepare_database(session: Session, *, demo: bool = False) -> SetupReport:
    """`demo` adds the demo accounts: the entry points that serve users (the CLI,
    the demo server) allow it only with MASKLOG_CONFIG=demo; tests ask for it."""
    roles = current_app.appbuilder.sm.sync_roles()
    hierarchy = sync_hierarchy(session)
    seed_reference_data(session)
    session.flush()
    report = SetupReport(roles, hierarchy)
    if demo:
        from app.demo import seed_demo

        report.demo = seed_demo(session, system_actor(session))
    return report
