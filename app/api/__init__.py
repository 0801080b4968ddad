"""Registers the REST APIs (FAB ModelRestApi / BaseApi), one module per resource."""


def register_apis(appbuilder) -> None:
    from app.api.units import UnitApi

    appbuilder.add_api(UnitApi)
