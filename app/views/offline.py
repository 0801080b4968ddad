"""Work without a signal (the phone's side is app/static/offline.js and the
service worker, app/templates/offline/sw.js):

- /sw.js: the service worker, served from the site's root so it may answer
  for every page; its version follows the static files, so a release
  replaces the phone's copies.
- /manifest.webmanifest: the installable app (Thai name, icons, opens "Today").
- /offline/session: who is signed in and a fresh CSRF token, for sending the
  queue after hours offline (the page's own token may have expired).
- /offline/: the page shown offline when no page of the user is kept.
- A form the queue sends (X-MaskLog-Queue) with an expired or missing CSRF
  token gets JSON saying so (`retry`): the queue keeps the record and sends
  it again with a fresh token, where any other refusal is final.
- Every HTML answer says whose it is (X-MaskLog-User: the user id, 0 signed
  out): the worker forgets the kept pages of anyone else. Only a user's own
  unit's today page is marked to be kept (X-MaskLog-Offline), never another
  unit's page and never any other page.

A hand-written worker (~120 lines) rather than Workbox: it needs a build step
or 30+ KB of runtime for three rules (static files cache-first, the own today
page network-first, forget on user change) that fit in a page of code."""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy import inspect as sa_inspect
from werkzeug.exceptions import BadRequest

offline_bp = Blueprint("offline", __name__)

USER_HEADER = "X-MaskLog-User"
KEEP_HEADER = "X-MaskLog-Offline"
# The header the phone's queue sends its forms with (app/static/offline.js): "now" or "later".
QUEUE_HEADER = "X-MaskLog-Queue"


@lru_cache(maxsize=None)
def _release(static_folder: str) -> str:
    """A digest of the static files and the worker's template: a new release
    gives a new worker, which drops the old shell cache."""
    digest = hashlib.sha1()
    here = os.path.dirname(os.path.abspath(__file__))
    for folder in (static_folder, os.path.join(here, "..", "templates", "offline")):
        for root, _dirs, files in sorted(os.walk(folder)):
            for name in sorted(files):
                stat = os.stat(os.path.join(root, name))
                digest.update(f"{root}/{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def release() -> str:
    return _release(current_app.static_folder)


@offline_bp.route("/sw.js")
def service_worker():
    body = render_template("offline/sw.js", version=release(),
                           offline_url=url_for("offline.offline_page"))
    response = Response(body, mimetype="text/javascript")
    # The browser checks for a new worker on every visit: never from a cache.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@offline_bp.route("/manifest.webmanifest")
def manifest():
    from app.assets import asset_url

    icons = [{"src": asset_url("static", f"icons/masklog-{size}.png"), "sizes": f"{size}x{size}",
              "type": "image/png", "purpose": "any"} for size in (192, 512)]
    icons.append({"src": asset_url("static", "icons/masklog-maskable-512.png"), "sizes": "512x512",
                  "type": "image/png", "purpose": "maskable"})
    response = jsonify({
        "name": _("MaskLog: mask stock reporting"), "short_name": "MaskLog", "lang": "th", "dir": "ltr",
        "description": _("Record receipts, counts, allocations and distributions of masks, even without a signal."),
        "start_url": url_for("TodayView.mine"), "scope": "/", "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#1f4e79", "icons": icons,
    })
    response.mimetype = "application/manifest+json"
    return response


@offline_bp.route("/offline/session")
def session_state():
    """The queue asks before sending: the same user still signed in? (It never
    sends one user's records in another's session.)"""
    signed_in = current_user.is_authenticated
    response = jsonify(user=current_user.id if signed_in else None,
                       csrf_token=generate_csrf() if signed_in else None)
    response.headers["Cache-Control"] = "no-store"
    return response


@offline_bp.route("/offline/")
def offline_page():
    """The same for everybody (the worker keeps one copy): no name, no figure."""
    return render_template("offline/offline.html")


def _mark_whose(response):
    # Not on a server error: the user may not be loadable (the database is down).
    if response.mimetype == "text/html" and response.status_code < 500:
        response.headers[USER_HEADER] = str(_user_id()) if current_user.is_authenticated else "0"
    return response


def _user_id() -> int:
    """The signed-in user's id without loading the row again: after a form's
    commit the user object is expired, and `.id` cost a SELECT (15% of a
    receipt's time). The identity map knows the id."""
    user = current_user._get_current_object()
    state = sa_inspect(user, raiseerr=False)
    return state.identity[0] if state is not None and state.identity else user.id


def keep_offline(response):
    """Marks a page the worker may keep for its user (the own unit's today page)."""
    response.headers[KEEP_HEADER] = "1"
    return response


def _csrf_refused(error):
    """A queued record whose CSRF token expired (a page kept for hours) is not
    refused for good: the queue sends it again with a fresh token. Anything
    else gets the usual 400 page."""
    if request.headers.get(QUEUE_HEADER):
        return jsonify(retry=True, message=_("The page had expired: the record is sent again.")), 400
    return current_app.handle_http_exception(BadRequest(error.description))  # the usual 400 page (error_pages)


def register(app) -> None:
    app.jinja_env.globals["offline_release"] = release  # the page fills the worker's cache of this release
    app.register_blueprint(offline_bp)
    app.after_request(_mark_whose)
    app.register_error_handler(CSRFError, _csrf_refused)
