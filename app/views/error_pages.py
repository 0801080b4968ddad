"""Error pages in the user's language: no stack trace ever reaches a user."""
from flask import g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.extensions import db
from app.logs import while_it_lasts

_MESSAGES = {
    400: _l("The request could not be understood. Please check what you entered and try again."),
    403: _l("You do not have permission to open this page."),
    404: _l("The page or record was not found, or it is outside the area you manage."),
    405: _l("This action is not allowed here."),
    413: _l("The file is too large."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on the server. Nothing was saved. Please try again; if it happens again, tell your administrator."),
}
# Seconds a client is asked to wait while the database cannot be reached (a restart takes a few).
RETRY_AFTER = 30
DISK_FULL = "53100"  # PostgreSQL's SQLSTATE when the disk of a table is full


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_error_handlers(app) -> None:
    def handle(status):
        def handler(error):
            if status in (400, 500):
                db.session.rollback()
            if request.path.startswith("/api/"):
                from app.api.errors import status_response

                return status_response(status)
            message = str(_MESSAGES[status])
            if _wants_json():
                return jsonify(message=message), status
            # An error raised before FAB's before_request (the CSRF check) finds no
            # g.user, which the page's menu reads: a signed-in user got a 500 instead.
            g.setdefault("user", current_user)
            return render_template("error.html", status=status, message=message,
                                   base_template=app.appbuilder.base_template,
                                   appbuilder=app.appbuilder), status
        return handler

    for status in _MESSAGES:
        app.register_error_handler(status, handle(status))
    # Input the database or Python cannot represent (an out-of-range number,
    # text where a number belongs) is the user's mistake, not a server error.
    from sqlalchemy.exc import DataError

    app.register_error_handler(DataError, handle(400))
    app.register_error_handler(OverflowError, handle(400))

    # The database is down or restarting: 503 and "try again", on a page that
    # needs no database (the usual page's menu reads the user's roles from it).
    # The pool replaces the broken connections by itself (app/db/health.py), so
    # the service recovers with the database, without an app restart.
    from sqlalchemy.exc import InterfaceError, OperationalError

    def unavailable(error):
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001  (the connection is gone: nothing to roll back)
            pass
        from app.api.errors import DATABASE_FULL, STATUS_ERRORS, status_response

        full = getattr(getattr(error, "orig", None), "pgcode", None) == DISK_FULL
        while_it_lasts(app.logger, "the database has no room left: requests answered 503" if full
                       else "the database cannot be reached: requests answered 503", error)
        code, message = DATABASE_FULL if full else STATUS_ERRORS[503]
        if request.path.startswith("/api/"):
            return status_response(503, {"Retry-After": str(RETRY_AFTER)}, (code, message))
        message = str(message)
        if _wants_json():
            response = jsonify(message=message)
        else:
            # Rendered without Flask's context processors: Flask-Login's would load the user.
            response = app.make_response(app.jinja_env.get_template("error_unavailable.html").render(message=message))
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response

    app.register_error_handler(OperationalError, unavailable)
    app.register_error_handler(InterfaceError, unavailable)
