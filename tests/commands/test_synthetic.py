"""The synthetic national dataset the benchmarks measure (app/devtools/synthetic.py),
small, on a fresh database of each backend: it is written by COPY on PostgreSQL
and by INSERTs on SQLite, and on both the ledger's invariants hold and the
rollups agree with a recount of the documents it wrote."""
import flask_migrate
import pytest
from sqlalchemy import func, select

from app import create_app
from app.devtools.demo import prepare_demo
from app.devtools.synthetic import generate
from app.extensions import db
from app.models.ledger import AllocationLine, Distribution, DistributionLine, LedgerLine
from app.models.rollup import DailyReport, DailyRollup
from app.models.unit import Unit
from tests.helpers import check_invariants, make_config


@pytest.mark.parametrize("side_by_side", [False, True])
def test_a_small_national_dataset_keeps_every_invariant(backend, empty_database_url, side_by_side):
    """Side by side, the rollup tables are rebuilt in two connections at once."""
    if side_by_side and backend == "sqlite":
        pytest.skip("SQLite has one writer at a time")
    app = create_app(make_config(empty_database_url(backend)))
    with app.app_context():
        flask_migrate.upgrade()
        prepare_demo(db.session)
        db.session.commit()
        counts = generate(db.session, end_units=400, days=15, activity=0.4, progress=lambda line: None,
                          rollups_side_by_side=side_by_side)
        db.session.commit()
        session = db.session
        assert session.scalar(select(func.count()).select_from(Unit).where(Unit.source == "synthetic")) == 400
        distributions = session.scalar(select(func.count()).select_from(Distribution))
        confirmed = session.scalar(select(func.count()).select_from(AllocationLine)
                                   .where(AllocationLine.status == "confirmed"))
        assert distributions > 100 and confirmed > 100, counts  # the year's flow did happen
        assert session.scalar(select(func.count()).select_from(DailyReport)) >= distributions
        check_invariants()
        # The country's rollup, recounted from the documents and the ledger.
        central = session.scalar(select(Unit.id).where(Unit.level == "central"))
        rolled = session.execute(select(func.sum(DailyRollup.distributed), func.sum(DailyRollup.net_change))
                                 .where(DailyRollup.unit_id == central)).one()
        assert rolled[0] == session.scalar(select(func.sum(DistributionLine.quantity)))
        assert rolled[1] == session.scalar(select(func.sum(LedgerLine.quantity)))
        if backend == "postgresql":
            # The rebuild set the rollups' foreign keys aside while it filled them: they are back.
            keys = session.execute(db.text(
                "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' "
                "AND conrelid::regclass::text IN ('daily_rollup', 'risk_group_rollup', 'report_rollup')")).all()
            assert ("daily_rollup", "FOREIGN KEY (unit_id) REFERENCES unit(id)") in keys
            assert {table for table, _definition in keys} == {"daily_rollup", "risk_group_rollup", "report_rollup"}
        # Its ledger was written by COPY, not app/stock.post: each unit's first stock day was recounted.
        first_in = dict(session.execute(select(LedgerLine.unit_id, func.min(LedgerLine.entry_date))
                                        .where(LedgerLine.kind.in_(("receipt", "allocation_in")))
                                        .group_by(LedgerLine.unit_id)).all())
        kept = dict(session.execute(select(Unit.id, Unit.first_stock_on).where(Unit.first_stock_on.is_not(None))).all())
        assert kept == first_in and len(kept) > 10
