"""Application factory: a short list of init steps, each named here."""
import logging

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from config import INSTANCE_DIR, config_from_env


def create_app(config_class=None) -> Flask:
    config_class = config_class or config_from_env()
    app = Flask(__name__, instance_path=INSTANCE_DIR)
    app.config.from_object(config_class)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set: export SECRET_KEY (see README).")
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _ensure_instance_dir(app)

    from flask_appbuilder import AppBuilder

    from app.api import register_apis
    from app.api.errors import register as register_api_errors
    from app.assets import register as register_assets
    from app.cli import masklog_cli
    from app.db.health import install_idle_ping
    from app.db import compiled
    from app.db.hooks import install_session_hooks
    from app.extensions import db, migrate
    from app.health import health_bp
    from app.thai import register_template_filters
    from app.views import register_template_helpers, register_views
    from app.views.error_pages import register_error_handlers
    from app.views.guards import check_request
    from app.sessions import register as register_sessions
    from app.views.offline import register as register_offline

    # CSRF on every form POST (FAB's REST APIs exempt themselves: they use JWT).
    CSRFProtect(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    install_session_hooks()  # rollups before COMMIT, user cache, compiled rows: app/db/hooks.py
    compiled.PREPARE[0] = app.config.get("MASKLOG_PREPARE_STATEMENTS", True)
    with app.app_context():
        install_idle_ping(db.engine)
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        from app import models  # noqa: F401  (register tables)

        register_views(appbuilder)
        register_apis(appbuilder)

    app.before_request(check_request)  # FAB routes' bad input answered 400/404 before any view runs
    register_sessions(app)  # the cookie's renewal, background requests: app/sessions.py
    register_template_filters(app)
    register_template_helpers(app)
    _install_request_cached_gettext(app)
    register_assets(app)
    _trust_proxies(app)
    app.register_blueprint(health_bp)
    register_offline(app)
    register_error_handlers(app)
    register_api_errors(app)  # every /api/ error in one JSON shape (app/api/errors.py)
    app.cli.add_command(masklog_cli)
    return app


def _trust_proxies(app) -> None:
    """Behind PROXY_COUNT proxies, the client's address and scheme as they forward them."""
    hops = app.config.get("PROXY_COUNT", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _install_request_cached_gettext(app) -> None:
    """Templates look up the catalogue once per request instead of once per
    string (Flask-Babel re-resolves locale and catalogue on every call; a page
    has dozens of strings), and a string without variables is translated,
    marked safe and %-formatted once per catalogue, not on every page: Jinja's
    own newstyle gettext did that work for each of a page's ~90 strings, a
    tenth of a today page's CPU. Same results as Jinja's (autoescape: the
    translation is Markup; always %-formatted, so '%%' shows as '%')."""
    from flask import g
    from flask_babel import get_translations
    from jinja2 import pass_context
    from markupsafe import Markup

    shown: dict = {}  # (catalogue, autoescape, text) -> what the page shows; template constants only
    most_shown = 20_000  # a bound, in case a template ever translates data

    def translations():
        cached = g.get("_masklog_translations")
        if cached is None:
            cached = g._masklog_translations = get_translations()
        return cached

    def shown_as(context, translated, variables):
        """What Jinja's newstyle gettext makes of a translation."""
        if context.eval_ctx.autoescape:
            translated = Markup(translated)
        return translated % variables

    @pass_context
    def gettext(context, text, /, **variables):  # positional-only: a variable may be called `text`
        if variables:
            return shown_as(context, translations().ugettext(text), variables)
        key = (translations(), context.eval_ctx.autoescape, text)
        found = shown.get(key)
        if found is None:
            found = shown_as(context, translations().ugettext(text), {})
            if len(shown) < most_shown:
                shown[key] = found
        return found

    @pass_context
    def ngettext(context, singular, plural, n, /, **variables):
        variables.setdefault("num", n)
        return shown_as(context, translations().ungettext(singular, plural, n), variables)

    # What install_gettext_callables(newstyle=True) installs, with `_` bound straight
    # to gettext (Jinja's `_` is one more context call in front of it).
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals.update(gettext=gettext, _=gettext, ngettext=ngettext)


def _migrations_dir() -> str:
    import os

    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def _ensure_instance_dir(app: Flask) -> None:
    import os

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(INSTANCE_DIR, exist_ok=True)
