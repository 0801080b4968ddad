"""Behind nginx (PROXY_COUNT=1) the sign-in limits and the audit trail see the
person's address from X-Forwarded-For, not the proxy's; without a proxy
configured, a forged header is ignored."""
import json

from sqlalchemy import select

from app.extensions import db
from app.models.ledger import AuditEntry


def _last_sign_in_ip(app):
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "login_failed")
                                   .order_by(AuditEntry.id.desc())).scalars().first()
        return json.loads(entry.after)["ip"]


def _fail_sign_in(client, forwarded):
    client.post("/login/", data={"username": "cm-viewer", "password": "wrong"},
                headers={"X-Forwarded-For": forwarded})


def test_the_forwarded_address_is_believed_only_behind_a_configured_proxy(app):
    _fail_sign_in(app.test_client(), "203.0.113.7")
    assert _last_sign_in_ip(app) == "127.0.0.1"  # no proxy configured: the header is anyone's to forge
    from app import _trust_proxies

    app.config["PROXY_COUNT"] = 1
    plain = app.wsgi_app
    try:
        _trust_proxies(app)
        _fail_sign_in(app.test_client(), "198.51.100.4")
        assert _last_sign_in_ip(app) == "198.51.100.4"
    finally:
        app.wsgi_app, app.config["PROXY_COUNT"] = plain, 0
        from app.sign_in_limits import for_app

        limits = for_app(app)
        if limits is not None:  # two failures lock nothing, but leave no count behind
            limits.unlock("cm-viewer")
