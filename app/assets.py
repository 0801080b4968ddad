"""What phones on slow connections download: the Thai web font, cacheable
static files, and gzip.

- Sarabun (Cadson Demak, SIL OFL 1.1) comes from the installed fontpkg-sarabun
  package — nothing from the internet. The TTFs carry Vietnamese and Latin
  Extended too; pages need Thai and Latin only, so each face is cut down to
  those and sent as WOFF (~20 KB instead of 90 KB), once per process;
  Font Awesome likewise keeps only the icons the code names.
- Static URLs carry a version (`?v=`, from the file's size and mtime), so a
  browser keeps them a year and asks again only after an upgrade. Flask's
  default makes it re-validate every file on every page.
- Text responses are gzipped when the browser accepts it (static files once,
  then from memory)."""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import threading
from functools import lru_cache

from flask import Blueprint, Response, abort, current_app, request, url_for

YEAR = 365 * 24 * 3600
FONT_FACES = ("Sarabun-Regular", "Sarabun-Bold")
# Basic Latin, Thai, no-break space · ×, dashes, quotes, bullet, ellipsis, € ™,
# arrows, minus, and the dotted circle Thai shaping falls back on. (All of
# Latin-1 would add 4 KB per face for letters Thai pages do not use.)
FONT_UNICODES = [*range(0x20, 0x7F), *range(0x0E00, 0x0E80), 0xA0, 0xB7, 0xD7, 0x2013, 0x2014, 0x2018,
                 0x2019, 0x201C, 0x201D, 0x2022, 0x2026, 0x20AC, 0x2122, *range(0x2190, 0x2194), 0x2212, 0x25CC]
COMPRESSIBLE = {"text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                "image/svg+xml", "text/csv", "text/plain"}
STATIC_ENDPOINTS = {"static", "appbuilder.static"}

fonts_bp = Blueprint("fonts", __name__, url_prefix="/fonts")
_font_lock = threading.Lock()
_gzip_cache: dict = {}


@lru_cache(maxsize=None)
def font_woff(face: str) -> bytes:
    import fontpkg_sarabun

    # fontTools' default layout features keep what Thai needs (ccmp, mark, mkmk, kern, liga, locl).
    return _subset_woff(os.path.join(fontpkg_sarabun.ROOT, "files", f"{face}.ttf"), FONT_UNICODES)


def _subset_woff(path: str, unicodes) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    with _font_lock:
        font = TTFont(path)
        options = subset.Options()
        options.name_IDs = ["*"]  # keeps the copyright and licence notice inside the font
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        font.flavor = "woff"
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()


@lru_cache(maxsize=None)
def icons_woff() -> bytes:
    """Font Awesome's solid icons (FAB ships all 1,400, 148 KB) cut down to the
    icons FAB and MaskLog name anywhere in their code and templates: a PC's
    first visit fetches ~10 KB instead. masklog.css points the solid face here."""
    import flask_appbuilder

    fab_dir = os.path.dirname(flask_appbuilder.__file__)
    app_dir = os.path.dirname(os.path.abspath(__file__))
    names = set()
    for root in (fab_dir, app_dir):
        for folder, _, files in os.walk(root):
            for name in files:
                if name.endswith((".py", ".html", ".js")) and "swagger" not in folder:
                    with open(os.path.join(folder, name), encoding="utf-8", errors="ignore") as f:
                        names |= set(re.findall(r"\bfa-[a-z0-9-]+", f.read()))
    css_dir = os.path.join(fab_dir, "static", "appbuilder", "css", "fontawesome")
    codepoints = set()
    for sheet in ("fontawesome.min.css", "v4-shims.min.css"):
        with open(os.path.join(css_dir, sheet), encoding="utf-8") as f:
            for selectors, code in re.findall(r'([^{}]+)\{content:"\\([0-9a-f]+)"\}', f.read()):
                if names & set(re.findall(r"fa-[a-z0-9-]+", selectors)):
                    codepoints.add(int(code, 16))
    return _subset_woff(os.path.join(css_dir, "..", "webfonts", "fa-solid-900.ttf"), sorted(codepoints))


def _font_response(data: bytes):
    response = Response(data, mimetype="font/woff")
    response.set_etag(hashlib.sha1(data).hexdigest()[:16])
    response.cache_control.public = True
    response.cache_control.max_age = YEAR
    return response.make_conditional(request)


@fonts_bp.route("/icons-solid.woff")
def icons():
    return _font_response(icons_woff())


@fonts_bp.route("/<face>.woff")
def font(face):
    if face not in FONT_FACES:
        abort(404)
    return _font_response(font_woff(face))


@lru_cache(maxsize=4096)
def _static_version(folder: str, filename: str) -> str:
    try:
        stat = os.stat(os.path.join(folder, filename))
    except OSError:
        return ""
    return hashlib.sha1(f"{stat.st_size}-{stat.st_mtime_ns}".encode()).hexdigest()[:10]


def _version_static_urls(endpoint, values):
    if endpoint in STATIC_ENDPOINTS and "filename" in values and "v" not in values:
        blueprint = current_app.blueprints.get("appbuilder") if endpoint == "appbuilder.static" else current_app
        version = _static_version(blueprint.static_folder, values["filename"])
        if version:
            values["v"] = version


def _cache_and_compress(response):
    if request.endpoint in STATIC_ENDPOINTS and request.args.get("v") and response.status_code in (200, 304):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    static = request.endpoint in STATIC_ENDPOINTS
    if (response.status_code != 200 or response.mimetype not in COMPRESSIBLE
            or (response.is_streamed and not static)  # a static file is an open file, not a stream
            or "gzip" not in request.headers.get("Accept-Encoding", "") or "Content-Encoding" in response.headers):
        return response
    response.direct_passthrough = False  # static files arrive as an open file; read it
    data = response.get_data()
    if len(data) < 600:
        return response
    key = (request.path, len(data), response.get_etag()[0]) if static else None
    body = _gzip_cache.get(key) if key else None
    if body is None:
        body = gzip.compress(data, compresslevel=9 if static else 6)
        if key and len(_gzip_cache) < 512:
            _gzip_cache[key] = body
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    etag, weak = response.get_etag()
    if etag:
        response.set_etag(etag + "-gz", weak=weak)
        # The browser revalidates with the gzip ETag it was given, which the
        # static file handler (comparing the plain one) never matched: a full
        # download each time instead of a 304.
        if etag + "-gz" in request.if_none_match:
            return _not_modified(response)
    return response


def _not_modified(response):
    response.status_code = 304
    response.set_data(b"")
    for header in ("Content-Encoding", "Content-Length"):
        response.headers.pop(header, None)
    return response


_asset_urls: dict = {}


def asset_url(endpoint: str, filename: str) -> str:
    """url_for of a static file, built once per process and script root: every
    page links a dozen of them, and the version in each URL only changes with a
    new release (a restart)."""
    key = (request.script_root, endpoint, filename)
    url = _asset_urls.get(key)
    if url is None:
        if len(_asset_urls) > 1000:
            _asset_urls.clear()
        url = _asset_urls[key] = url_for(endpoint, filename=filename)
    return url


def register(app) -> None:
    app.jinja_env.globals["asset_url"] = asset_url
    app.register_blueprint(fonts_bp)
    app.url_defaults(_version_static_urls)
    app.after_request(_cache_and_compress)
