"""Thai labels of the unit levels, for pages, messages and report sheets."""
from flask_babel import lazy_gettext

from app.models.unit import UnitLevel

LEVEL_LABELS = {
    UnitLevel.CENTRAL.value: lazy_gettext("Central"),
    UnitLevel.PROVINCE.value: lazy_gettext("Province"),
    UnitLevel.DISTRICT.value: lazy_gettext("District"),
    UnitLevel.SUBDISTRICT.value: lazy_gettext("Subdistrict"),
    UnitLevel.LAO.value: lazy_gettext("Local government (LAO)"),
    UnitLevel.END_UNIT.value: lazy_gettext("End receiving unit"),
}


# A level's units as a group: headings of dashboards, completeness and report sheets.
LEVEL_GROUP_LABELS = {
    UnitLevel.CENTRAL.value: lazy_gettext("Central"),
    UnitLevel.PROVINCE.value: lazy_gettext("Provinces"),
    UnitLevel.DISTRICT.value: lazy_gettext("Districts"),
    UnitLevel.SUBDISTRICT.value: lazy_gettext("Subdistricts"),
    UnitLevel.LAO.value: lazy_gettext("Local governments"),
    UnitLevel.END_UNIT.value: lazy_gettext("End receiving units"),
}


def level_label(level: str) -> str:
    return str(LEVEL_LABELS.get(level, level))


def level_group_label(level: str) -> str:
    return str(LEVEL_GROUP_LABELS.get(level, level))
