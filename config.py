"""Configuration classes. Everything that differs between machines comes from
environment variables; the defaults make `python run.py` work on a bare machine
(SQLite under instance/)."""
import os
from datetime import timedelta

from flask_appbuilder.const import AUTH_DB

BASE_DIR = os.path.abspath(os.path.dirname(__file__))
INSTANCE_DIR = os.path.join(BASE_DIR, "instance")


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return "sqlite:///" + os.path.join(INSTANCE_DIR, "masklog.db")
    # Heroku-style URLs say postgres://, which SQLAlchemy 2 no longer accepts.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return url


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


class Config:
    APP_NAME = "MaskLog"
    APP_ICON = ""
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # Pool health checks: a national deployment runs several app servers against
    # one PostgreSQL; stale connections after a failover must not surface as 500s.
    # Connections idle in the pool are pinged before use (app/db/health.py), not
    # every checkout as pool_pre_ping would.
    SQLALCHEMY_ENGINE_OPTIONS = {}

    # Security: database auth, roles defined in code (app/roles.py).
    AUTH_TYPE = AUTH_DB
    FAB_SECURITY_MANAGER_CLASS = "app.security.MaskLogSecurityManager"
    AUTH_ROLE_ADMIN = "Central Administrator"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False
    # The schema belongs to Alembic migrations, and roles/permissions are synced by
    # `flask masklog setup`; app servers never write them at start-up.
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False
    # FAB's security CRUD REST API bypasses our scoping rule: keep it off.
    FAB_ADD_SECURITY_API = False
    # The OpenAPI spec (/api/v1/_openapi) and Swagger UI (/swagger/v1), both
    # for signed-in users; the UI's files come with FAB (no CDN).
    FAB_API_SWAGGER_UI = _bool("FAB_API_SWAGGER_UI", True)
    FAB_API_MAX_PAGE_SIZE = 500
    FAB_INDEX_VIEW = "app.views.home.HomeIndexView"
    FAB_BASE_TEMPLATE = "masklog_base.html"
    PERMANENT_SESSION_LIFETIME = timedelta(
        minutes=int(os.environ.get("SESSION_LIFETIME_MINUTES", "60"))
    )
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_ENABLED = True
    # Sign-in limits (app/sign_in_limits.py): only FAILED sign-ins count, per
    # username (10 in 15 minutes lock that username for 15 minutes) and, more
    # loosely, per address (100 in 15 minutes), so an office behind one NAT
    # address is never shut out. FAB's own limit counts every attempt per
    # address: off. Several app servers must share the counters, so
    # production points RATELIMIT_STORAGE_URI at Redis (redis://host:6379/0);
    # the single-process demo keeps them in memory.
    AUTH_RATE_LIMITED = False
    SIGN_IN_LIMITED = _bool("SIGN_IN_LIMITED", True)
    SIGN_IN_USER_LIMIT = os.environ.get("SIGN_IN_USER_LIMIT", "10 per 15 minutes")
    SIGN_IN_ADDRESS_LIMIT = os.environ.get("SIGN_IN_ADDRESS_LIMIT", "100 per 15 minutes")
    SIGN_IN_LOCK_MINUTES = float(os.environ.get("SIGN_IN_LOCK_MINUTES", "15"))
    RATELIMIT_ENABLED = True
    # Writes of the REST API per signed-in user (app/api/write_limits.py).
    API_WRITE_LIMITED = _bool("API_WRITE_LIMITED", True)
    API_WRITE_LIMIT = os.environ.get("API_WRITE_LIMIT", "1200 per minute")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Sessions end SESSION_LIFETIME_MINUTES after the last request; the cookie is
    # renewed at most once a minute, not by every answer (app/sessions.py).
    SESSION_REFRESH_EACH_REQUEST = False
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=30)

    # Thai first; English switchable from the language menu.
    BABEL_DEFAULT_LOCALE = "th"
    BABEL_DEFAULT_TIMEZONE = "Asia/Bangkok"
    BABEL_TRANSLATION_DIRECTORIES = os.path.join(BASE_DIR, "translations")
    LANGUAGES = {
        "th": {"flag": "th", "name": "ไทย"},
        "en": {"flag": "gb", "name": "English"},
    }

    # Proxies in front of the app servers (nginx: 1). Their X-Forwarded-For/-Proto/-Host
    # are believed for that many hops, so the sign-in limits count each person's
    # address, not the proxy's (behind nginx every request comes from it). 0: none.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # Uploads (user spreadsheets) larger than this get a Thai "file too large" page.
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    # The address users reach the system at, for links printed on paper (QR
    # codes, activation sheets). Empty: the address of the current request.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    # E-mail reminders to the people of units that have not reported by
    # REMINDER_HOUR (Thai time), sent by `flask masklog remind` through any SMTP
    # server; off unless REMINDER_EMAIL is on. REMINDER_SMTP_TLS: starttls | ssl | none.
    REMINDER_EMAIL = _bool("REMINDER_EMAIL", False)
    REMINDER_HOUR = int(os.environ.get("REMINDER_HOUR", "15"))
    REMINDER_SMTP_HOST = os.environ.get("REMINDER_SMTP_HOST", "")
    REMINDER_SMTP_PORT = int(os.environ.get("REMINDER_SMTP_PORT", "587"))
    REMINDER_SMTP_USER = os.environ.get("REMINDER_SMTP_USER", "")
    REMINDER_SMTP_PASSWORD = os.environ.get("REMINDER_SMTP_PASSWORD", "")
    REMINDER_SMTP_TLS = os.environ.get("REMINDER_SMTP_TLS", "starttls").strip().lower()
    REMINDER_FROM = os.environ.get("REMINDER_FROM", "")
    # Seconds a process reuses the signed-in user (roles, unit) without asking
    # the database; a change made on another app server takes effect there
    # within this time (app/user_cache.py). 0: load it on every request.
    USER_CACHE_SECONDS = float(os.environ.get("USER_CACHE_SECONDS", "10"))
    # How many days back a document may be dated (app/commands/base.py says why 14).
    MASKLOG_BACKDATE_DAYS = int(os.environ.get("MASKLOG_BACKDATE_DAYS", "14"))
    # PostgreSQL: the hot statements are prepared once per connection (app/db/compiled.py). Set
    # MASKLOG_PREPARE_STATEMENTS=0 behind a pooler that shares server connections between
    # clients (PgBouncer in transaction mode): a statement prepared on one would be missing on another.
    MASKLOG_PREPARE_STATEMENTS = os.environ.get("MASKLOG_PREPARE_STATEMENTS", "1") != "0"
    # Demo accounts are created only when this is on (make run sets it).
    MASKLOG_DEMO = False


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)


class DemoConfig(Config):
    """`make run`: a single-process demo on SQLite with demo accounts."""

    SECRET_KEY = os.environ.get("SECRET_KEY") or "masklog-demo-key-not-secret-0123456789"
    MASKLOG_DEMO = True


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "masklog-test-key-not-secret-0123456789"
    # Tests exercise scoping with forged POSTs; CSRF would reject them earlier
    # and hide what the scoping rule does. A dedicated test turns it back on.
    WTF_CSRF_ENABLED = False
    # The suite fails sign-ins on purpose here and there; the sign-in limit tests turn it on.
    SIGN_IN_LIMITED = False
    # The API tests (schemathesis above all) write fast as one user; the write-limit test turns it on.
    API_WRITE_LIMITED = False
    # The concurrency tests run 30 threads at once, each holding a connection.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 10, "max_overflow": 40}
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "TEST_DATABASE_URL", "sqlite:///" + os.path.join(INSTANCE_DIR, "test.db")
    )


CONFIGS = {
    "production": ProductionConfig,
    "demo": DemoConfig,
    "test": TestConfig,
}


def config_from_env():
    """MASKLOG_CONFIG picks the class; production is the default so that a
    forgotten setting never creates demo accounts."""
    return CONFIGS[os.environ.get("MASKLOG_CONFIG", "production")]
