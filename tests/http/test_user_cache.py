"""The signed-in user is kept per app for USER_CACHE_SECONDS
(app/user_cache.py). Its rule: a change committed in this app takes effect on
the next request; so does a deactivation made elsewhere (another app server,
here a raw SQL UPDATE that this app's ORM never sees), because every request
re-reads the user's and unit's active flags; a role change made elsewhere
within the TTL."""
import time

import pytest
from sqlalchemy import text

from app import user_cache
from app.extensions import db
from app.models.ledger import Receipt
from app.models.user import MaskLogUser
from tests.helpers import client_for, login

TODAY_PAGE = "/today/"


@pytest.fixture()
def cache_seconds(app):
    before = app.config["USER_CACHE_SECONDS"]
    yield lambda seconds: app.config.__setitem__("USER_CACHE_SECONDS", seconds)
    app.config["USER_CACHE_SECONDS"] = before
    user_cache.forget()


def _set_active_behind_the_orm(app, username, active):
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE ab_user SET active = :active WHERE username = :username"),
                               {"active": active, "username": username})


def _signed_in(client) -> bool:
    response = client.get(TODAY_PAGE)
    return response.status_code == 302 and "/login" not in response.headers["Location"]


def _change_user_in_this_process(app, username, change):
    """Change the user through the ORM and commit; returns what `change` returns."""
    with app.app_context():
        user = db.session.query(MaskLogUser).filter_by(username=username).one()
        result = change(user)
        db.session.commit()
        return result


def test_a_deactivation_in_this_process_takes_effect_at_once(app, as_user, cache_seconds):
    cache_seconds(3600)
    officer = as_user("cm-officer")
    assert _signed_in(officer)
    _change_user_in_this_process(app, "cm-officer", lambda user: setattr(user, "active", False))
    try:
        assert not _signed_in(officer)
    finally:
        _set_active_behind_the_orm(app, "cm-officer", True)
        user_cache.forget()


def test_a_deactivation_made_elsewhere_takes_effect_at_once(app, cache_seconds):
    cache_seconds(3600)
    officer = login(app.test_client(), "cm-officer")
    assert _signed_in(officer)  # the snapshot is taken
    _set_active_behind_the_orm(app, "cm-officer", False)
    try:
        assert not _signed_in(officer), "the snapshot is not used once the stored flag differs"
    finally:
        _set_active_behind_the_orm(app, "cm-officer", True)
    assert _signed_in(officer)


def test_a_role_change_made_elsewhere_takes_effect_within_the_ttl(app, cache_seconds):
    cache_seconds(0.5)
    officer = login(app.test_client(), "cm-officer")
    assert _signed_in(officer)  # the snapshot is taken
    with app.app_context():
        user_id = db.session.query(MaskLogUser.id).filter_by(username="cm-officer").scalar()
        with db.engine.begin() as connection:
            roles = connection.execute(text("SELECT role_id FROM ab_user_role WHERE user_id = :id"),
                                       {"id": user_id}).scalars().all()
            connection.execute(text("DELETE FROM ab_user_role WHERE user_id = :id"), {"id": user_id})
    try:
        assert _signed_in(officer), "within the TTL the snapshot still answers (the documented staleness)"
        time.sleep(0.6)
        assert not _signed_in(officer)
    finally:
        with app.app_context():
            with db.engine.begin() as connection:
                for role_id in roles:
                    connection.execute(text("INSERT INTO ab_user_role (user_id, role_id) VALUES (:u, :r)"),
                                       {"u": user_id, "r": role_id})


def test_zero_seconds_loads_the_user_on_every_request(app, cache_seconds):
    cache_seconds(0)
    officer = login(app.test_client(), "cm-officer")
    assert _signed_in(officer)
    _set_active_behind_the_orm(app, "cm-officer", False)
    try:
        assert not _signed_in(officer)
    finally:
        _set_active_behind_the_orm(app, "cm-officer", True)


def test_a_role_change_in_this_process_takes_effect_at_once(app, as_user, cache_seconds):
    cache_seconds(3600)
    officer = as_user("cm-officer")
    assert _signed_in(officer)

    def drop_roles(user):
        names = [role.name for role in user.roles]
        user.roles = []
        return names

    role_names = _change_user_in_this_process(app, "cm-officer", drop_roles)
    try:
        assert not _signed_in(officer), "without roles the today page is refused"
    finally:
        with app.app_context():
            sm = app.appbuilder.sm
            user = db.session.query(MaskLogUser).filter_by(username="cm-officer").one()
            user.roles = [sm.find_role(name) for name in role_names]
            db.session.commit()
    assert _signed_in(officer)


def test_a_write_reads_the_unit_afresh_not_from_the_cached_user(app, cache_seconds, tree):
    """The signed-in user's own unit comes with the cached user; a write must
    not trust it (its path decides which ancestors' rollups change). Here the
    unit is deactivated behind this app's back: the cached copy still says
    active, yet the request is refused (its user is signed out) and nothing is written."""
    cache_seconds(3600)
    officer = client_for(app, tree["officer"])
    lao = tree["lao"]
    assert officer.get(f"/today/{lao}").status_code == 200  # the snapshot, unit included, is taken
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE unit SET active = :no WHERE id = :id"), {"no": False, "id": lao})
    response = officer.post(f"/today/{lao}/receipt", data={
        "source": "บริจาค", "reference_no": "ร 9/2569", "quantity_sent": "10", "form_token": f"t-stale-{lao}"},
        follow_redirects=False)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with app.app_context():
        assert db.session.query(Receipt).filter_by(unit_id=lao).count() == 0
