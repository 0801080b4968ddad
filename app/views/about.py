"""About page: what MaskLog is, and the credit the GeoThai licence asks for."""
from flask_appbuilder import BaseView, expose


class AboutView(BaseView):
    route_base = "/about"
    default_view = "about"

    @expose("/")
    def about(self):
        import geothai  # lazily: ~8 MiB of tables a worker needs only for this line

        return self.render_template("about.html", geothai_version=geothai.DATA_VERSION)
