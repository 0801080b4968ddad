"""The session cookie's rules, in one place.

- Sessions end PERMANENT_SESSION_LIFETIME after the last request. The cookie
  is renewed at most once a minute (SESSION_REFRESH_EACH_REQUEST is off), not
  by every answer: an answer that only renewed it (a static file, a page the
  offline worker fetched) could land after a form's answer and put back the
  cookie from before the form, losing its "saved" message.
- Requests the person did not make say so (BACKGROUND_HEADER: the offline
  worker learning whose a page is, the queue asking who is signed in). They
  renew nothing and show no one-time message, so they leave the session as
  they found it and send no cookie back, unless they changed it for a reason
  of their own (a first CSRF token)."""
import time

from flask import request, session
from flask.globals import request_ctx

BACKGROUND_HEADER = "X-MaskLog-Background"
RENEWED_EVERY = 60  # seconds


def _keep_the_session() -> None:
    if request.headers.get(BACKGROUND_HEADER):
        request_ctx.flashes = []  # get_flashed_messages() reads these, not the session's
        return
    if not session:
        return  # nobody signed in and nothing kept: no cookie to renew
    if not session.permanent:
        session.permanent = True
    now = int(time.time())
    if now - session.get("_renewed", 0) >= RENEWED_EVERY:
        session["_renewed"] = now


def register(app) -> None:
    app.before_request(_keep_the_session)
