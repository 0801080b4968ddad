"""THE rule of who must report on a day (README, "Dashboards, 'not yet
reported' and reports"). Completeness, its percentages and its lists
(app/queries/figures.py) and anything else that asks "who should have
reported" use `obliged_units`; nothing else decides it.

An active unit must report on day D when
- its province administrator added it (an exception with obliged = yes), or
- it has no exception and the rule of its level says so: "always"; or
  "holds_stock" and the unit has received stock (a receipt or a confirmed
  shipment at the unit itself, dated on or before D: from the day it first
  receives stock, the subdistrict has stock to account for); "never" never.
An exemption (obliged = no) takes the unit out whatever the rule says.
Rules and exceptions are the current settings and apply to every day shown,
past days included (as `active` does): changing one changes past percentages.
Under them a unit's duty, once it starts, never stops (stock received stays
received): it is obliged on every day from `first_obliged_day` on, which is
what "days missed in a row" counts from (app/queries/missing.py)."""
from __future__ import annotations

import datetime
import time

from sqlalchemy import and_, case, false, func, literal, null, or_, select, union_all, update
from sqlalchemy.orm import Session

from app import scoping
from app.models.ledger import STOCK_IN_KINDS, LedgerLine
from app.models.obligation import ALWAYS, DEFAULT_RULES, HOLDS_STOCK, ReportingException, ReportingRule
from app.models.unit import Unit
from app.thai import BANGKOK



# (database) -> (fresh until, rules): six rows every dashboard reads; a change in
# this process clears it, other app servers see it within RULES_SECONDS.
_rules_cache: dict = {}
RULES_SECONDS = 60


def rules(session: Session) -> dict:
    """level -> rule, the stored rules over the defaults (six rows)."""
    key = str(session.get_bind().url)
    cached = _rules_cache.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    stored = dict(session.execute(select(ReportingRule.level, ReportingRule.rule)).all())
    level_rules = {level: stored.get(level, default) for level, default in DEFAULT_RULES.items()}
    _rules_cache[key] = (time.monotonic() + RULES_SECONDS, level_rules)
    return level_rules


def forget_rules() -> None:
    """After a change of the rules (app/commands/obligations.py)."""
    _rules_cache.clear()


def has_stock_by(day: datetime.date):
    """SQL condition on Unit: the unit itself received stock on or before `day`
    (its kept first stock day, app/stock.post)."""
    return Unit.first_stock_on <= day


def recount_first_stock(session: Session) -> None:
    """Every unit's first stock day recomputed from the ledger (the synthetic
    generator's COPY writes ledger lines without app/stock.post; `flask masklog
    rebuild-rollups` repairs it with the rollups). Migration 0015 ran the same."""
    first = (select(func.min(LedgerLine.entry_date))
             .where(LedgerLine.unit_id == Unit.id, LedgerLine.kind.in_(STOCK_IN_KINDS)).scalar_subquery())
    # Only the rows that differ: rewriting every unit would leave a dead copy of each.
    session.execute(update(Unit).where(Unit.first_stock_on.is_distinct_from(first))
                    .values(first_stock_on=first, changed_on=Unit.changed_on)
                    .execution_options(synchronize_session=False))


def obliged_from(level_rules: dict, level: str):
    """SQL column of `obliged_units` rows of one level (Unit outer-joined to
    ReportingException): the first stock day of a unit that only its stock
    obliges (a "holds stock" level, no exception adding it), else NULL (the
    unit is obliged from the day it was added). `first_obliged_day` turns it
    into a day; `missing.streak` counts from it."""
    if level_rules.get(level) != HOLDS_STOCK:
        return null().label("obliged_from")
    return case((ReportingException.unit_id.is_(None), Unit.first_stock_on), else_=null()).label("obliged_from")


def first_obliged_day(created: datetime.datetime | None, stock_day: datetime.date | None,
                      day: datetime.date) -> datetime.date:
    """The first day of the duty to report, still holding on `day` (the unit is
    obliged on `day`), of a unit that never reported: the day it was added
    (`created`: unit.created_on, UTC; the reporting day is Thailand's), or its
    first stock (`obliged_from`) when that is later: the days before the stock
    are "not due" on the unit's calendar too (`obliged_days`,
    history.month_calendar). An imported unit (whose documents may go back to
    the system's start, commands.base.first_day) still counts from the day it
    was added: nobody asked it to report before."""
    added = created.replace(tzinfo=datetime.timezone.utc).astimezone(BANGKOK).date() if created is not None else day
    return min(max(added, stock_day or added), day)


def obliged_clause(level_rules: dict, day: datetime.date):
    """SQL condition on Unit outer-joined to ReportingException (see
    `obliged_units`): the unit must report on `day`. Activity is not part of it."""
    always = [level for level, rule in level_rules.items() if rule == ALWAYS]
    stock = [level for level, rule in level_rules.items() if rule == HOLDS_STOCK]
    by_rule = or_(Unit.level.in_(always) if always else false(),
                  and_(Unit.level.in_(stock), has_stock_by(day)) if stock else false())
    return or_(ReportingException.obliged.is_(True), and_(ReportingException.unit_id.is_(None), by_rule))


def obliged_units(session: Session, unit: Unit, day: datetime.date, level_rules: dict | None = None):
    """The active units of `unit`'s subtree (itself included) that must report
    on `day`: a SELECT of (Unit.id, Unit.level), to use as a subquery, an IN
    or to add columns and conditions to (`.add_columns`, `.where`)."""
    level_rules = rules(session) if level_rules is None else level_rules
    return (select(Unit.id, Unit.level)
            .outerjoin(ReportingException, ReportingException.unit_id == Unit.id)
            .where(scoping.subtree_clause(Unit.path, unit.path), Unit.active.is_(True),
                   obliged_clause(level_rules, day)))


def is_obliged(session: Session, unit: Unit, day: datetime.date) -> bool:
    """One unit: must it report on `day`? (The today page, reminders.)"""
    return session.execute(select(Unit.id).outerjoin(ReportingException, ReportingException.unit_id == Unit.id)
                           .where(Unit.id == unit.id, Unit.active.is_(True),
                                  obliged_clause(rules(session), day))).first() is not None


def exceptions_in_scope(session, actor) -> list:
    """The exceptions of the actor's area, with their units, by unit code."""
    return list(session.execute(
        select(ReportingException, Unit).join(Unit, Unit.id == ReportingException.unit_id)
        .where(scoping.unit_scope_clause(actor)).order_by(Unit.code)).all())


def obliged_days(session: Session, unit: Unit, days: list[datetime.date]) -> set[datetime.date]:
    """The days of `days` on which `unit` must report: `obliged_clause` asked
    for each day in one statement (a unit's calendar, at most a month)."""
    if not days:
        return set()
    level_rules = rules(session)
    asked = [select(literal(index).label("index"))
             .select_from(Unit).outerjoin(ReportingException, ReportingException.unit_id == Unit.id)
             .where(Unit.id == unit.id, Unit.active.is_(True), obliged_clause(level_rules, day))
             for index, day in enumerate(days)]
    return {days[index] for index in session.execute(union_all(*asked)).scalars()}
