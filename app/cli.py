"""`flask masklog ...` commands. They run the same operations as the views
and the REST API (app/commands/), acting as the system (the central unit,
every role), each in one transaction (app/db/transaction.py)."""
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from app.commands.hierarchy import SyncReport, sync_hierarchy
from app.commands.setup import prepare_database, system_actor
from app.db.transaction import transaction
from app.errors import DomainError
from app.extensions import db
from app.roles import CENTRAL_ADMIN


@click.group("masklog", help="MaskLog administration.")
def masklog_cli():
    pass


def _echo_hierarchy(report: SyncReport) -> None:
    click.echo(
        f"geothai {report.data_version}: {report.added} added, {report.updated} updated, "
        f"{report.deactivated} deactivated, {report.unchanged} unchanged in {report.seconds:.2f} s"
    )


def _refused(error: DomainError) -> None:
    click.echo(str(error), err=True)
    sys.exit(1)


@masklog_cli.command("sync-roles")
@with_appcontext
def sync_roles_command():
    """Create the roles defined in app/roles.py (idempotent)."""
    with transaction():
        created = current_app.appbuilder.sm.sync_roles()
    click.echo(f"roles created: {', '.join(created) or 'none'}")


@masklog_cli.command("import-units")
@with_appcontext
def import_units_command():
    """Sync provinces, districts and subdistricts from geothai (idempotent)."""
    with transaction():
        report = sync_hierarchy(db.session)
    _echo_hierarchy(report)


@masklog_cli.command("setup")
@click.option("--demo", is_flag=True, help="Also create the demo units and accounts.")
@with_appcontext
def setup_command(demo):
    """Roles + hierarchy (+ demo data), in one transaction. Run after `flask db upgrade`."""
    if demo and not current_app.config.get("MASKLOG_DEMO"):
        click.echo("Demo data needs MASKLOG_CONFIG=demo; refusing on this configuration.", err=True)
        sys.exit(2)
    from app.devtools.demo import seed_demo

    with transaction():
        report = prepare_database(db.session)
        counts = seed_demo(db.session, system_actor(db.session)) if demo else None
    _echo_hierarchy(report.hierarchy)
    if counts:
        click.echo(f"demo data: {counts['units']} units and {counts['users']} users created"
                   + (", a day of work recorded" if counts["activity"] else ""))


@masklog_cli.command("create-admin")
@click.option("--username", required=True)
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--email", default="", help="Optional (then <username>@no-email.masklog.invalid).")
@click.password_option(help="At least 8 characters, not containing the username, not a common password.")
@with_appcontext
def create_admin_command(username, first_name, last_name, email, password):
    """Create a central administrator (attached to the central unit). The
    password meets the same rules as every other (app/commands/passwords.py)."""
    from app.commands.users import create_user

    try:
        with transaction():
            actor = system_actor(db.session)
            create_user(db.session, actor, username=username, first_name=first_name, last_name=last_name,
                        email=email, unit=actor.unit, role_names=[CENTRAL_ADMIN], password=password)
    except DomainError as error:
        _refused(error)
    click.echo(f"central administrator {username} created")


@masklog_cli.command("unlock")
@click.option("--username", required=True)
@with_appcontext
def unlock_command(username):
    """Lift a user's sign-in lock now (when the only central administrator is
    the one locked out). Audited, as the same action on the user's page."""
    from flask import current_app

    from app import sign_in_limits
    from app.commands.unlock import unlock_sign_in
    from app.commands.users import normalise_username
    from app.models.user import MaskLogUser

    try:
        with transaction():
            user = db.session.query(MaskLogUser).filter_by(username=normalise_username(username)).one_or_none()
            if user is None:
                raise DomainError(f"no user {username}")
            unlocked = unlock_sign_in(db.session, system_actor(db.session), user,
                                      sign_in_limits.for_app(current_app))
    except DomainError as error:
        _refused(error)
    click.echo(f"{user.username} unlocked" if unlocked else f"{user.username} was not locked")


@masklog_cli.command("rebuild-rollups")
@with_appcontext
def rebuild_rollups_command():
    """Recompute the dashboards' rollups, each unit's first stock day and the count of active units below each unit, from the documents, the ledger and the units (one transaction)."""
    from app.queries.obligations import recount_first_stock
    from app.rollups import census
    from app.rollups.rebuild import rebuild

    started = time.perf_counter()
    with transaction():
        written = rebuild(db.session)
        recount_first_stock(db.session)
        census.recount_all(db.session)
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
    from app.devtools.synthetic import generate

    try:
        with transaction():
            counts = generate(db.session, end_units=end_units, days=days, activity=activity, seed=seed,
                              progress=click.echo)
    except DomainError as error:
        _refused(error)
    click.echo(", ".join(f"{name}: {value:,}" for name, value in counts.items()))


@masklog_cli.command("remind")
@click.option("--day", default=None, help="Reporting day (default: today in Thailand), e.g. 2569-12-05.")
@with_appcontext
def remind_command(day):
    """E-mail the people of units that have not reported today, once per
    person and day (run it every hour from cron or a systemd timer; it sends
    from REMINDER_HOUR on, only when REMINDER_EMAIL is on)."""
    import datetime

    from app.commands.reminders import due, send_reminders
    from app.queries.periods import parse_day
    from app.thai import today

    config = current_app.config
    if not config.get("REMINDER_EMAIL"):
        click.echo("e-mail reminders are off (set REMINDER_EMAIL=1 and the REMINDER_SMTP_* settings)")
        return
    try:
        reporting_day = parse_day(day) if day else today()
    except DomainError as error:
        _refused(error)
    if day is None and not due(config, datetime.datetime.now(datetime.timezone.utc)):
        click.echo(f"not yet: reminders go out from {config['REMINDER_HOUR']}:00 Thai time")
        return
    try:
        report = send_reminders(db.session, config, reporting_day)
    except DomainError as error:
        _refused(error)
    click.echo(f"reminders sent: {len(report.sent)}, already sent today: {report.already}, "
               f"refused: {len(report.failed)}")
    for email, error in report.failed:
        click.echo(f"  refused {email}: {error}", err=True)


@masklog_cli.command("forget-idempotency-keys")
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True,
              help="Keep the keys of the last DAYS days.")
@with_appcontext
def forget_idempotency_keys_command(days):
    """Delete the REST API's Idempotency-Keys older than DAYS (run it nightly from cron):
    a client retrying later than that would make a second document."""
    from app.api.idempotency import forget_older_than

    with transaction():
        removed = forget_older_than(db.session, days)
    click.echo(f"{removed} Idempotency-Keys older than {days} days deleted")
