"""E-mail reminders through a real SMTP server started by the test: who gets
one (the active people of units that have not reported, with a real
address), the Thai subject and body, only the person's own units, each send
audited, and a second run the same day sends nothing."""
import datetime
import email
from email import policy

import pytest

from app.cli import masklog_cli
from app.commands.users import create_user
from app.extensions import db
from app.models.ledger import AuditEntry
from app.models.reminder import ReminderLog
from app.roles import OFFICER
from app.thai import thai_date, today
from app.rollups.pending import mark_reported
from tests.helpers import fresh_tree, unit, user
from tests.smtp_server import LocalSMTPServer


@pytest.fixture()
def smtp(app):
    server = LocalSMTPServer()
    saved = dict(app.config)
    app.config.update(REMINDER_EMAIL=True, REMINDER_HOUR=0, REMINDER_SMTP_HOST="127.0.0.1",
                      REMINDER_SMTP_PORT=server.port, REMINDER_SMTP_TLS="none", REMINDER_SMTP_USER="masklog",
                      REMINDER_SMTP_PASSWORD="smtp-secret", REMINDER_FROM="MaskLog <masklog@example.org>",
                      PUBLIC_BASE_URL="https://masklog.example")
    yield server
    app.config.clear()
    app.config.update(saved)
    server.stop()


@pytest.fixture()
def people(app):
    """A fresh LAO (its officer and committee member have addresses) with two
    end units: E0 reported today, E1 did not; at E1 a deactivated user and a
    user with no address; at district 5003 an officer with an address."""
    with app.app_context():
        lao, children, folks = fresh_tree(2, district_code="5002")
        tag = lao.code[1:].lower()
        mark_reported(db.session, children[0], today(), "no_activity")  # through the rollups
        gone = create_user(db.session, user("cm-admin"), username=f"gone-{tag}", first_name="ลาออก", last_name=tag,
                           email=f"gone-{tag}@example.com", unit=children[1], role_names=[OFFICER])
        gone.active = False
        create_user(db.session, user("cm-admin"), username=f"nomail-{tag}", first_name="ไม่มีอีเมล", last_name=tag,
                    email=None, unit=children[1], role_names=[OFFICER])
        other = create_user(db.session, user("cm-admin"), username=f"d5003-{tag}", first_name="ปลัด", last_name=tag,
                            email=f"d5003-{tag}@example.com", unit=unit("5003"), role_names=[OFFICER])
        db.session.commit()
        return {"tag": tag, "lao": lao.id, "lao_name": lao.name_th, "e_names": [c.name_th for c in children],
                "officer": f"o-{tag}@example.com", "committee": f"c-{tag}@example.com",
                "reported": f"r0-{tag}@example.com", "silent": f"r1-{tag}@example.com",
                "gone": f"gone-{tag}@example.com", "other": other.email, "other_id": other.id}


def _remind(app, *args):
    result = app.test_cli_runner().invoke(masklog_cli, ["remind", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _by_recipient(server):
    messages = {}
    for _sender, recipients, data in server.messages:
        for address in recipients:
            messages[address] = email.message_from_bytes(data, policy=policy.default)
    return messages


def test_reminders_go_once_a_day_to_the_people_of_silent_units_in_thai(app, smtp, people):
    output = _remind(app)
    assert "reminders sent:" in output
    sent = _by_recipient(smtp)
    assert smtp.logins and smtp.logins[0] == [b"masklog", b"smtp-secret"]
    # The LAO did not report: its officer and committee member; E1 did not: its receiver. E0 did.
    for address in (people["officer"], people["committee"], people["silent"]):
        assert address in sent, address
    for address in (people["reported"], people["gone"]):
        assert address not in sent, address
    assert not any(address.startswith(f"nomail-{people['tag']}") or address.endswith(".invalid") for address in sent)
    message = sent[people["silent"]]
    assert message["Subject"] == f"MaskLog: หน่วยของท่านยังไม่รายงานประจำวันที่ {thai_date(today())}"
    assert message["From"] == "MaskLog <masklog@example.org>"
    body = message.get_content()
    assert message.get_content_charset() == "utf-8"
    assert f"เรียน คุณผู้รับ {people['tag'].upper()}" in body and people["e_names"][1] in body
    assert "วันนี้ไม่มีรายการ" in body and "https://masklog.example/today/" in body
    # Only the person's own unit: the LAO's people hear of the LAO, not of its end units or another district.
    lao_body = sent[people["officer"]].get_content()
    assert people["lao_name"] in lao_body and people["e_names"][1] not in lao_body
    if people["other"] in sent:
        other_body = sent[people["other"]].get_content()
        assert people["lao_name"] not in other_body and people["e_names"][1] not in other_body
    with app.app_context():
        logged = {row.email for row in db.session.query(ReminderLog).filter_by(day=today())}
        assert set(sent) <= logged
        audited = db.session.query(AuditEntry).filter_by(action="remind_email", object_type="user").all()
        assert any(people["silent"] in (entry.after or "") for entry in audited)
    # A second run the same day sends nothing (one message per person per day).
    count = len(smtp.messages)
    assert "reminders sent: 0" in _remind(app)
    assert len(smtp.messages) == count


def test_reminders_are_off_by_default_and_wait_for_the_hour(app, smtp, people):
    app.config["REMINDER_EMAIL"] = False
    assert "off" in _remind(app) and not smtp.messages
    app.config.update(REMINDER_EMAIL=True, REMINDER_HOUR=24)  # no hour of the day reaches it
    assert "not yet" in _remind(app) and not smtp.messages
    yesterday = (today() - datetime.timedelta(days=1)).isoformat()
    assert "reminders sent:" in _remind(app, "--day", yesterday)  # a day given runs at once
    assert smtp.messages
    refused = app.test_cli_runner().invoke(masklog_cli, ["remind", "--day", "tomorrow"])
    assert refused.exit_code != 0
