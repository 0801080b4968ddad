"""Registers the FAB views, one module per area."""
from flask_babel import lazy_gettext as _l


def register_views(appbuilder) -> None:
    from app.views.about import AboutView
    from app.views.units import UnitModelView

    appbuilder.add_view(
        UnitModelView,
        "List Units",
        icon="fa-sitemap",
        label=_l("Units"),
        category="Units",
        category_label=_l("Units"),
        category_icon="fa-sitemap",
    )
    appbuilder.add_view_no_menu(AboutView)
    appbuilder.add_link(
        "About",
        label=_l("About MaskLog"),
        href="/about/",
        icon="fa-info-circle",
        category="Help",
        category_label=_l("Help"),
        category_icon="fa-question-circle",
    )
