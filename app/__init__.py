"""Application factory: a short list of init steps."""
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

    from app.extensions import db, migrate

    # CSRF on every form POST (FAB's REST APIs exempt themselves: they use JWT).
    CSRFProtect(app)
    db.init_app(app)
    from app.db_health import install_idle_ping

    migrate.init_app(app, db, directory=_migrations_dir())
    with app.app_context():
        install_idle_ping(db.engine)
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        from app import models  # noqa: F401  (register tables)
        from app.views import register_views
        from app.api import register_apis

        register_views(appbuilder)
        register_apis(appbuilder)

    from app.health import health_bp
    from app.errors import register_error_handlers
    from app.cli import masklog_cli

    from app.thai import register_template_filters

    register_template_filters(app)
    _install_request_cached_gettext(app)
    from app.views.navbar import register as register_navbar

    register_navbar(app)
    from app import assets

    assets.register(app)
    app.before_request(_sliding_session)
    app.register_blueprint(health_bp)
    register_error_handlers(app)
    app.cli.add_command(masklog_cli)
    return app


def _install_request_cached_gettext(app) -> None:
    """Templates look up the catalogue once per request instead of once per
    string (Flask-Babel re-resolves locale and catalogue on every call; a page
    has dozens of strings)."""
    from flask import g
    from flask_babel import get_translations

    def translations():
        cached = g.get("_masklog_translations")
        if cached is None:
            cached = g._masklog_translations = get_translations()
        return cached

    app.jinja_env.install_gettext_callables(
        lambda text: translations().ugettext(text),
        lambda singular, plural, n: translations().ungettext(singular, plural, n),
        newstyle=True,
    )


def _sliding_session() -> None:
    """Expire sessions after PERMANENT_SESSION_LIFETIME of inactivity."""
    from flask import session

    session.permanent = True


def _migrations_dir() -> str:
    import os

    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def _ensure_instance_dir(app: Flask) -> None:
    import os

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(INSTANCE_DIR, exist_ok=True)
