"""The answer to a locked sign-in (app/sign_in_limits.py): 429 with Retry-After,
a Thai page for the form login, JSON in English and Thai for the API login."""
import datetime
import functools

from flask import current_app, g, jsonify, render_template, request
from flask_babel import force_locale

from app.sign_in_limits import SignInLocked, locked_message
from app.thai import BANGKOK


def sign_in_locked(error: SignInLocked):
    if request.path.startswith("/api/"):
        with force_locale("en"):
            english = locked_message(error)
        with force_locale("th"):
            thai = locked_message(error)
        retry_at = datetime.datetime.fromtimestamp(error.until, BANGKOK).isoformat(timespec="seconds")
        # The API's error shape (app/api/errors.py), plus when to try again.
        response = jsonify(code="sign_in_locked", message=english, message_th=thai, field="username",
                           message_en=english, retry_after=error.retry_after, retry_at=retry_at)
    else:
        appbuilder = current_app.appbuilder
        response = current_app.make_response(render_template(
            "sign_in_locked.html", message=locked_message(error), base_template=appbuilder.base_template,
            appbuilder=appbuilder))
    response.status_code = 429
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def answer_locked_api_sign_in(view):
    """Wrap FAB's API login: when auth_user_db refused a locked sign-in (and
    left the reason in g), answer 429 instead of FAB's 401."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        response = view(*args, **kwargs)
        locked = g.pop("sign_in_locked", None)
        return sign_in_locked(locked) if locked is not None else response
    return wrapper


def register(app) -> None:
    app.register_error_handler(SignInLocked, sign_in_locked)
