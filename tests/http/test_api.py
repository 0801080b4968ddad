"""REST: FAB JWT login and the scoped, read-only units API."""
import prison
import pytest

from app.extensions import db
from app.models.unit import Unit

from tests.helpers import api_token


def _list(client, headers, **rison):
    query = prison.dumps(rison) if rison else None
    url = "/api/v1/unit/" + (f"?q={query}" if query else "")
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_login_refuses_a_wrong_password(client):
    response = client.post("/api/v1/security/login",
                           json={"username": "cm-admin", "password": "wrong", "provider": "db"})
    assert response.status_code == 401


def test_units_api_needs_aapi_token(client):
    assert client.get("/api/v1/unit/").status_code == 401


def test_rows_carry_the_documented_columns(app, client):
    data = _list(client, api_token(client, "cm-officer"), page_size=5)
    assert set(data) >= {"count", "result", "ids"}
    for row in data["result"]:
        assert set(row) >= {"id", "code", "name_th", "name_en", "level", "parent_id"}


def test_officer_sees_only_their_district_subtree(app, client):
    data = _list(client, api_token(client, "cm-officer"), page_size=100)
    with app.app_context():
        district = db.session.query(Unit).filter_by(code="5001").one()
        expected = db.session.query(Unit).filter(Unit.path.like(district.path + "%")).count()
    assert data["count"] == expected
    assert all(row["code"].startswith("5001") or row["code"].startswith("CM-") for row in data["result"])


@pytest.mark.parametrize("username, code, visible", [
    ("cm-admin", "50", True),
    ("cm-admin", "10", False),
    ("cm-admin", "1001", False),
    ("bkk-admin", "10", True),
    ("bkk-admin", "50", False),
    ("admin", "50", True),
])
def test_rison_filters_narrow_but_never_widen(client, username, code, visible):
    data = _list(client, api_token(client, username), filters=[{"col": "code", "opr": "eq", "value": code}])
    assert data["count"] == (1 if visible else 0)


def test_path_filter_cannot_escape_the_subtree(client):
    headers = api_token(client, "cm-viewer")
    everything = _list(client, headers, filters=[{"col": "path", "opr": "sw", "value": "/"}], page_size=1)
    scoped = _list(client, headers, page_size=1)
    assert everything["count"] == scoped["count"] < 1000


def test_get_by_id_outside_scope_is_404(app, client):
    headers = api_token(client, "cm-admin")
    with app.app_context():
        inside = db.session.query(Unit.id).filter_by(code="5001").scalar()
        outside = db.session.query(Unit.id).filter_by(code="1001").scalar()
    assert client.get(f"/api/v1/unit/{inside}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/unit/{outside}", headers=headers).status_code == 404


def test_api_is_read_only(app, client):
    headers = api_token(client, "admin")
    with app.app_context():
        unit_id = db.session.query(Unit.id).filter_by(code="5001").scalar()
    assert client.post("/api/v1/unit/", json={"code": "X"}, headers=headers).status_code in (404, 405)
    assert client.put(f"/api/v1/unit/{unit_id}", json={"name_th": "x"}, headers=headers).status_code in (404, 405)
    assert client.delete(f"/api/v1/unit/{unit_id}", headers=headers).status_code in (404, 405)


def test_fab_security_crud_api_is_not_exposed(client):
    headers = api_token(client, "cm-admin")
    response = client.post("/api/v1/security/users/", headers=headers,
                           json={"username": "x", "first_name": "x", "last_name": "x", "email": "x@x.org",
                                 "roles": [1], "password": "x"})
    assert response.status_code == 404
