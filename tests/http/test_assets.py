"""Thai web font, cacheable static files and gzip (app/assets.py), over HTTP."""
import gzip
import io

from flask import url_for
import pytest

pytestmark = pytest.mark.database_independent  # the words, fonts and dates of a page: one backend is enough


def test_sarabun_is_served_from_the_installed_package_as_a_small_woff(client):
    from fontTools.ttLib import TTFont

    response = client.get("/fonts/Sarabun-Regular.woff")
    assert response.status_code == 200 and response.mimetype == "font/woff"
    assert len(response.data) < 40_000  # cut down to Thai and Latin (the TTF is 90 KB)
    font = TTFont(io.BytesIO(response.data))
    cmap = font.getBestCmap()
    assert all(ord(c) in cmap for c in "กขคงจฉชซญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮะาำิีึืุูเแโใไๅๆ็่้๊๋์๐๑๒๓๔๕๖๗๘๙")
    assert all(ord(c) in cmap for c in "MaskLog 0123456789 ,.()/:·–…")
    assert "Open Font License" in str(font["name"].getDebugName(13))  # the licence travels with the font
    assert "max-age=31536000" in response.headers["Cache-Control"]
    again = client.get("/fonts/Sarabun-Regular.woff", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get("/fonts/Sarabun-Thin.woff").status_code == 404
    assert client.get("/fonts/..%2Fsecret.woff").status_code == 404


def test_every_page_asks_for_sarabun(client):
    css = client.get(_static_url(client, "static", "masklog.css")).get_data(as_text=True)
    assert 'url("../fonts/Sarabun-Regular.woff")' in css and 'font-family: "Sarabun"' in css
    assert "masklog.css?v=" in client.get("/login/").get_data(as_text=True)


def _static_url(client, endpoint, filename):
    with client.application.test_request_context():
        return url_for(endpoint, filename=filename)


def test_versioned_static_files_are_cached_for_a_year_and_gzipped(client):
    url = _static_url(client, "appbuilder.static", "css/bootstrap.min.css")
    assert "?v=" in url
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "immutable" in zipped.headers["Cache-Control"] and "max-age=31536000" in zipped.headers["Cache-Control"]
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data and len(zipped.data) < len(plain.data) / 4
    assert "Content-Encoding" not in plain.headers
    # Without a version the browser must re-validate (Flask's default).
    assert "max-age=31536000" not in client.get(url.split("?")[0]).headers.get("Cache-Control", "")
    # Re-validated with the ETag it was given (the gzip one): 304, no body.
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    stale = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and gzip.decompress(stale.data) == plain.data


def test_pages_are_gzipped_when_the_browser_accepts_it(client):
    response = client.get("/login/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "เข้าสู่ระบบ" in gzip.decompress(response.data).decode()


def test_icons_are_cut_down_to_the_ones_the_code_names(client, app):
    from fontTools.ttLib import TTFont

    response = client.get("/fonts/icons-solid.woff")
    assert response.status_code == 200 and len(response.data) < 40_000  # FAB's full font: 148 KB
    cmap = TTFont(io.BytesIO(response.data)).getBestCmap()
    # Menu icons (app/views), FAB's list buttons (search, add, delete, back), a FAB 4 name FAB still uses (fa-sign-out).
    for icon in (0xF274, 0xF0E8, 0xF02D, 0xF007, 0xF002, 0xF2F5, 0x2B, 0xF1F8, 0xF060):
        assert icon in cmap, hex(icon)
    css = client.get(_static_url(client, "static", "masklog.css")).get_data(as_text=True)
    assert 'url("../fonts/icons-solid.woff")' in css
