"""E-mail reminders: each responsible person of a unit that has not reported
by the set hour gets one message a day through the configured SMTP server
(Python's smtplib, any server), remembered in reminder_log and audited.
`flask masklog remind` runs it (cron or a systemd timer, README)."""
from __future__ import annotations

import datetime
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.audit import record
from app.db.transaction import transaction
from app.errors import DomainError
from app.models.reminder import ReminderLog
from app.queries.missing import Recipient, reminder_recipients
from app.thai import BANGKOK, thai_date


@dataclass
class ReminderReport:
    sent: list = field(default_factory=list)  # addresses
    already: int = 0  # sent earlier the same day
    failed: list = field(default_factory=list)  # (address, error)


def message_for(recipient: Recipient, day: datetime.date, sender: str, base_url: str) -> EmailMessage:
    """The Thai reminder to one person: their own units only, how to report, the links."""
    message = EmailMessage()
    message["Subject"] = _("MaskLog: your unit has not reported for %(date)s yet", date=thai_date(day))
    message["From"] = sender
    message["To"] = formataddr((recipient.name, recipient.email))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    lines = [_("Dear %(name)s,", name=recipient.name), "",
             _("The following unit has not reported its mask stock work for %(date)s yet:", date=thai_date(day))]
    for unit_id, code, name in recipient.units:
        lines.append(f"- {name} ({code})" + (f"  {base_url}/today/{unit_id}" if base_url else ""))
    lines += ["", _('How to report: sign in to MaskLog, open "Today" and record the day\'s work, or tap '
                    '"Nothing to record today" when there is nothing to record.')]
    if base_url:
        lines.append(base_url + "/")
    lines += ["", _("This message is sent once a day to the people of units that have not reported.")]
    message.set_content("\n".join(lines), charset="utf-8")
    return message


def _connect(config) -> smtplib.SMTP:
    host, port, tls = config["REMINDER_SMTP_HOST"], int(config["REMINDER_SMTP_PORT"]), config["REMINDER_SMTP_TLS"]
    if tls == "ssl":
        server = smtplib.SMTP_SSL(host, port, timeout=30)
    else:
        server = smtplib.SMTP(host, port, timeout=30)
        if tls == "starttls":
            server.starttls()
    if config.get("REMINDER_SMTP_USER"):
        server.login(config["REMINDER_SMTP_USER"], config.get("REMINDER_SMTP_PASSWORD", ""))
    return server


def send_reminders(session: Session, config, day: datetime.date) -> ReminderReport:
    """Send the day's reminders not sent yet. Each message is remembered and
    audited in its own transaction right after the server accepted it, so a
    run cut short never sends the same person two; a refused address is
    reported and tried again on the next run."""
    if not config.get("REMINDER_SMTP_HOST") or not config.get("REMINDER_FROM"):
        raise DomainError(_("E-mail reminders need REMINDER_SMTP_HOST and REMINDER_FROM."))
    report = ReminderReport()
    sent_before = set(session.execute(select(ReminderLog.email).where(ReminderLog.day == day)).scalars())
    recipients = reminder_recipients(session, day)
    waiting = [recipient for recipient in recipients if recipient.email not in sent_before]
    report.already = len(recipients) - len(waiting)
    session.rollback()  # end the read transaction before talking to the mail server
    if not waiting:
        return report
    base_url = (config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    server = _connect(config)
    try:
        for recipient in waiting:
            try:
                server.send_message(message_for(recipient, day, config["REMINDER_FROM"], base_url))
            except smtplib.SMTPException as error:
                report.failed.append((recipient.email, str(error)))
                continue
            first_unit = recipient.units[0][0]
            with transaction(session):
                session.add(ReminderLog(day=day, email=recipient.email, user_id=recipient.user_id,
                                        unit_id=first_unit))
                record(session, None, "remind_email", "user", recipient.user_id, first_unit,
                       after={"email": recipient.email, "date": day,
                              "units": [code for _id, code, _name in recipient.units]})
            report.sent.append(recipient.email)
    finally:
        try:
            server.quit()
        except smtplib.SMTPException:
            pass
    return report


def due(config, now: datetime.datetime) -> bool:
    """Reminders go out from REMINDER_HOUR (Thai time) on."""
    return now.astimezone(BANGKOK).hour >= int(config["REMINDER_HOUR"])
