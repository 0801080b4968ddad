"""About page: what MaskLog is, and the credit the GeoThai licence asks for."""
import geothai
from flask_appbuilder import BaseView, expose


class AboutView(BaseView):
    route_base = "/about"
    default_view = "about"

    @expose("/")
    def about(self):
        return self.render_template("about.html", geothai_version=geothai.DATA_VERSION)
