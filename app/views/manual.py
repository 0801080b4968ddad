"""The in-app manual (คู่มือการใช้งาน): a Thai chapter per role (and one for
the IT staff who connect other programs through the REST API), illustrated
with the screenshots the browser tests take of the real app
(app/static/manual/, tests/browser/), and all chapters on one printable page.
The chapters are written in Thai only: the users are Thai officers, and the
manual follows the letter's own manual."""
from flask import abort
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.roles import CENTRAL_ADMIN, COUNTING_COMMITTEE, OFFICER, PROVINCE_ADMIN, VIEWER
from app.fab.datamodel import current_actor
from app.permissions import MANUAL_VIEW, READ

# slug, Thai title, roles the chapter is for
CHAPTERS = [
    ("officer", "เจ้าหน้าที่ผู้บันทึกข้อมูล", {OFFICER}),
    ("committee", "คณะกรรมการตรวจนับ", {COUNTING_COMMITTEE}),
    ("province-admin", "ผู้ดูแลระบบจังหวัด", {PROVINCE_ADMIN, CENTRAL_ADMIN}),
    ("viewer", "ผู้บริหาร (ดูข้อมูล)", {VIEWER}),
    # For IT staff connecting their own programs. It is the administrators' chapter
    # (listed first for them): they create the program's account and are the ones
    # the province's IT staff work with. Like every chapter it stays readable by every
    # signed-in role, because the Swagger page (/swagger/v1, open to every signed-in
    # user) links here and an officer's account is the one a program records with.
    ("api", "เชื่อมต่อระบบอื่นผ่าน API สำหรับเจ้าหน้าที่ไอที", {PROVINCE_ADMIN, CENTRAL_ADMIN}),
]
TITLES = {slug: title for slug, title, _ in CHAPTERS}


def chapters_for(actor) -> list:
    names = {role.name for role in getattr(actor, "roles", None) or []}
    return [slug for slug, _, roles in CHAPTERS if names & roles]


class ManualView(BaseView):
    route_base = "/manual"
    default_view = "index"
    # One permission for the whole manual: every signed-in role holds it (app/roles.py).
    class_permission_name = MANUAL_VIEW
    method_permission_name = {"index": READ, "chapter": READ, "printable": READ}

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("manual/index.html", chapters=CHAPTERS, mine=chapters_for(current_actor()))

    @expose("/<slug>")
    @has_access
    def chapter(self, slug):
        if slug not in TITLES:
            abort(404)
        return self.render_template("manual/chapter.html", slug=slug, title=TITLES[slug], chapters=CHAPTERS)

    @expose("/print")
    @has_access
    def printable(self):
        return self.render_template("manual/print.html", chapters=CHAPTERS)
