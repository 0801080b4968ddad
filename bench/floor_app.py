"""The second yardstick of `make bench`: what the fixed stack costs before any
of MaskLog's own work. The real app (run:app, the same configuration) with
one view more: a signed-in officer's form POST through everything a receipt
passes (session cookie, Flask-Login's user, FAB's permission check, CSRF,
one transaction, a flash and the redirect) that writes the bare endpoint's
one INSERT and nothing else. A receipt can be no faster than this; the
distance between the two is MaskLog's own code."""
import os
import sys

from flask import flash, redirect
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import text

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from app.db.transaction import transaction  # noqa: E402
from app.extensions import db  # noqa: E402
from app.permissions import RECORD, TODAY_VIEW  # noqa: E402
from run import app  # noqa: E402  (the served app itself, gc.freeze()d as in production)


class StackFloor(BaseView):
    route_base = "/bench-floor"
    # The today page's own permissions: an officer's role may post here as it may post a receipt.
    class_permission_name = TODAY_VIEW
    method_permission_name = {"floor": RECORD}

    @expose("/", methods=["POST"])
    @has_access
    def floor(self):
        with transaction():
            db.session.execute(text("INSERT INTO bench_bare (note) VALUES ('x')"))
        flash("บันทึกแล้ว", "success")
        return redirect("/today/")


with app.app_context():
    app.appbuilder.add_view_no_menu(StackFloor())
