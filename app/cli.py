"""`flask masklog ...` commands. They call the same domain commands as the
views and the API, acting as the system (the central unit, all roles)."""
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from app.commands import DomainError
from app.commands.hierarchy import SyncReport, sync_hierarchy
from app.commands.setup import prepare_database
from app.commands.setup import system_actor as _system_actor
from app.extensions import db
from app.roles import CENTRAL_ADMIN


@click.group("masklog", help="MaskLog administration.")
def masklog_cli():
    pass


def system_actor():
    """The actor for work done from the command line: the whole tree, every role."""
    return _system_actor(db.session)


def _echo_hierarchy(report: SyncReport) -> None:
    click.echo(
        f"geothai {report.data_version}: {report.added} added, {report.updated} updated, "
        f"{report.deactivated} deactivated, {report.unchanged} unchanged in {report.seconds:.2f} s"
    )


@masklog_cli.command("sync-roles")
@with_appcontext
def sync_roles_command():
    """Create the roles defined in app/roles.py (idempotent)."""
    created = current_app.appbuilder.sm.sync_roles()
    db.session.commit()
    click.echo(f"roles created: {', '.join(created) or 'none'}")


@masklog_cli.command("import-units")
@with_appcontext
def import_units_command():
    """Sync provinces, districts and subdistricts from geothai (idempotent)."""
    _echo_hierarchy(sync_hierarchy(db.session))
    db.session.commit()


@masklog_cli.command("setup")
@click.option("--demo", is_flag=True, help="Also create the demo units and accounts.")
@with_appcontext
def setup_command(demo):
    """Roles + hierarchy (+ demo data), in one transaction. Run after `flask db upgrade`."""
    if demo and not current_app.config.get("MASKLOG_DEMO"):
        click.echo("Demo data needs MASKLOG_CONFIG=demo; refusing on this configuration.", err=True)
        sys.exit(2)
    report = prepare_database(db.session, demo=demo)
    _echo_hierarchy(report.hierarchy)
    if report.demo:
        counts = report.demo
        click.echo(f"demo data: {counts['units']} units and {counts['users']} users created"
                   + (", a day of work recorded" if counts["activity"] else ""))
    db.session.commit()


@masklog_cli.command("create-admin")
@click.option("--username", required=True)
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--email", required=True)
@click.password_option()
@with_appcontext
def create_admin_command(username, first_name, last_name, email, password):
    """Create a central administrator (attached to the central unit)."""
    from app.commands.users import create_user

    actor = system_actor()
    try:
        create_user(db.session, actor, username=username, first_name=first_name, last_name=last_name,
                    email=email, unit=actor.unit, role_names=[CENTRAL_ADMIN], password=password)
    except DomainError as error:
        db.session.rollback()
        click.echo(str(error), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"central administrator {username} created")


@masklog_cli.command("rebuild-rollups")
@with_appcontext
def rebuild_rollups_command():
    """Recompute the dashboards' rollups from the documents and the ledger (one transaction)."""
    import time

    from app.commands.rollup import rebuild

    started = time.perf_counter()
    written = rebuild(db.session)
    db.session.commit()
    click.echo(", ".join(f"{table}: {rows:,} rows" for table, rows in written.items())
               + f" in {time.perf_counter() - started:.1f} s")


@masklog_cli.command("synthetic-data")
@click.option("--end-units", default=70_000, show_default=True, help="Synthetic end receiving units to add.")
@click.option("--days", default=365, show_default=True, help="Days of activity, ending today.")
@click.option("--activity", default=0.15, show_default=True, help="Share of days an end unit distributes.")
@click.option("--seed", default=2563, show_default=True)
@with_appcontext
def synthetic_data_command(end_units, days, activity, seed):
    """Generate a national dataset for demos and benchmarks (all real units,
    synthetic end units, N days of activity) on a database with the hierarchy
    imported and no synthetic data yet."""
    from app.commands.synthetic import generate

    try:
        counts = generate(db.session, end_units=end_units, days=days, activity=activity, seed=seed,
                          progress=click.echo)
    except DomainError as error:
        db.session.rollback()
        click.echo(str(error), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(", ".join(f"{name}: {value:,}" for name, value in counts.items()))
