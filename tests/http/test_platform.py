"""Migrations, health check, configuration guards, and the two commands."""
import os
import re

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from tests.helpers import make_config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_migrations_upgrade_an_empty_database_and_match_the_models(backend, empty_database_url):
    url = empty_database_url(backend)
    app = create_app(make_config(url))
    with app.app_context():
        flask_migrate.upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"unit", "ab_user", "ab_role", "ab_user_role", "alembic_version"} <= tables
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Model.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        flask_migrate.downgrade(revision="base")
        assert "unit" not in set(inspect(db.engine).get_table_names())


def test_health_reports_a_reachable_database(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "reachable"}


def test_health_reports_an_unreachable_database(tmp_path):
    url = "sqlite:///" + str(tmp_path / "missing-dir" / "nothing.db")
    app = create_app(make_config(url))
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_production_config_refuses_to_run_without_a_secret_key(monkeypatch):
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_demo_data_is_refused_outside_demo_mode(app):
    from app.cli import masklog_cli

    result = app.test_cli_runner().invoke(masklog_cli, ["setup", "--demo"])
    assert result.exit_code == 2
    assert "refusing" in result.output


def test_unknown_pages_get_a_thai_page_not_a_stack_trace(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "ไม่พบหน้าหรือรายการนี้" in response.get_data(as_text=True)


def test_english_can_be_switched_on(app):
    client = app.test_client()
    client.get("/lang/en")
    body = client.get("/about/").get_data(as_text=True)
    assert "About MaskLog" in body and "GeoThai, CC BY 4.0" in body


def test_about_page_credits_geothai_in_thai(client):
    body = client.get("/about/").get_data(as_text=True)
    assert "เกี่ยวกับระบบ MaskLog" in body and "GeoThai, CC BY 4.0" in body


def test_thai_catalogue_is_complete_and_compiled():
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    po_path = os.path.join(ROOT, "translations", "th", "LC_MESSAGES", "messages.po")
    with open(po_path, "rb") as f:
        catalogue = read_po(f)
    untranslated = [m.id for m in catalogue if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    assert untranslated == []
    with open(po_path.replace(".po", ".mo"), "rb") as f:
        compiled = read_mo(f)
    ids = lambda cat: {m.id if isinstance(m.id, str) else tuple(m.id) for m in cat if m.id}  # noqa: E731
    assert ids(catalogue) == ids(compiled), "the .mo is stale: run make translations"


def test_readme_commands_are_what_ci_runs():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    ci = open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8").read()
    makefile = open(os.path.join(ROOT, "Makefile"), encoding="utf-8").read()
    assert "make run" in readme and "make test" in readme
    assert re.search(r"^make test$", ci, re.M), ".ci/run must call the README's test command"
    assert "apt-get install" in ci and "postgresql" in ci
    assert re.search(r"^run: ", makefile, re.M) and re.search(r"^test: ", makefile, re.M)
    assert "MASKLOG_CONFIG=demo" in makefile and "run.py" in makefile


def test_no_page_template_loads_assets_from_the_internet():
    pattern = re.compile(r"""(src|href)=["']https?://""")
    for folder, _, files in os.walk(os.path.join(ROOT, "app")):
        for name in files:
            if name.endswith((".html", ".js", ".css")):
                text = open(os.path.join(folder, name), encoding="utf-8").read()
                assert not pattern.search(text), name


def test_roles_are_synced_idempotently(app):
    from flask_appbuilder.security.sqla.models import Role

    from app.roles import ROLE_DEFINITIONS

    with app.app_context():
        assert app.appbuilder.sm.sync_roles() == []
        db.session.commit()
        names = [name for (name,) in db.session.query(Role.name).all()]
    assert sorted(set(names)) == sorted(names)
    assert set(ROLE_DEFINITIONS) <= set(names)


def test_migration_0005_fills_awaiting_count_and_committees_from_the_documents(backend, empty_database_url):
    """On a database with documents (the demo's, plus receipts still waiting),
    going back to 0004 and up again refills awaiting_count_change exactly as the
    rollups' rebuild computes it, and the committees on file from the signed counts."""
    from app.devtools.demo import prepare_demo
    from app.models.ledger import UnitCommittee
    from app.models.rollup import DailyRollup
    from app.rollups.rebuild import rebuild, snapshot
    from tests.helpers import fresh_tree, stock_up

    app = create_app(make_config(empty_database_url(backend)))
    with app.app_context():
        flask_migrate.upgrade()
        prepare_demo(db.session)
        lao, _children, people = fresh_tree(2)
        stock_up(lao, people, 300)
        from app.commands.receipt import record_receipt
        record_receipt(db.session, people["officer"], unit=lao, receipt_date=None, source="ศบค.มท.",
                       reference_no="รอ 1", quantity_sent=70)  # waits for a count
        db.session.commit()
        waiting = db.session.query(db.func.sum(DailyRollup.awaiting_count_change)).filter_by(unit_id=lao.id).scalar()
        committees = {row.unit_id: (row.members, row.chair_name) for row in db.session.query(UnitCommittee)}
        assert waiting == 70 and lao.id in committees  # the documents did something
        db.session.remove()
        flask_migrate.downgrade(revision="0004")
        flask_migrate.upgrade()
        refilled = snapshot(db.session)
        rebuild(db.session)
        assert snapshot(db.session) == refilled
        assert {row.unit_id: (row.members, row.chair_name) for row in db.session.query(UnitCommittee)} == committees
        db.session.rollback()
