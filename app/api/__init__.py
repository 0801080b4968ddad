"""Registers the REST APIs (FAB ModelRestApi / BaseApi), one module per area:
units (units.py), the daily work's documents (documents.py), reference data,
ledger, balances and figures (reads.py). What they share is in base.py; the
error shape in errors.py; Idempotency-Key in idempotency.py."""


def register_apis(appbuilder) -> None:
    from app.api.documents import DOCUMENT_APIS
    from app.api.reads import READ_APIS
    from app.api.units import UnitApi

    for api in (UnitApi, *DOCUMENT_APIS, *READ_APIS):
        appbuilder.add_api(api)
