"""Extension objects, created without an app (bound in create_app).

AppBuilder is created per app in create_app (it keeps per-app view state), and
reached as `current_app.appbuilder`."""
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate

db = SQLA()
migrate = Migrate()
