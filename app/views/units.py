"""Unit screens: browse the hierarchy in scope; province administrators add and
edit LAOs and end receiving units. Rules live in app/commands/units.py."""
from flask import request
from flask_appbuilder import ModelView
from flask_babel import lazy_gettext as _l

from app import scoping
from app.commands.units import prepare_new_unit, prepare_unit_update
from app.labels import LEVEL_LABELS, level_label
from app.extensions import db
from app.models.unit import Unit, UnitLevel
from app.thai import thai_datetime
from app.fab.datamodel import ScopedSQLAInterface, current_actor
from app.fab.unit_picker import UnitPickerField
from app.views.helpers import ScopedViewMixin, yes_no
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

# Units that may receive children by hand (see ALLOWED_PARENT_LEVELS).
_PARENT_LEVELS = [UnitLevel.PROVINCE.value, UnitLevel.DISTRICT.value,
                  UnitLevel.SUBDISTRICT.value, UnitLevel.LAO.value]


def _parent_picker(**options):
    """Searched as one types: active units in the area that may have units under them."""
    return UnitPickerField(_l("Parent unit"), levels=_PARENT_LEVELS,
                           description=_l("Only units inside the area you manage are listed."), **options)


def _stored_parent_id():
    """The parent the unit being edited has now (its own row is in scope)."""
    unit = scoping.get_in_scope(db.session, Unit, (request.view_args or {}).get("pk"), current_actor())
    return unit.parent_id if unit is not None else None


class UnitModelView(ScopedViewMixin, ModelView):
    datamodel = ScopedSQLAInterface(Unit)
    # Units are deactivated, never deleted: users and (later) ledger lines point at them.
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]

    list_title = _l("Units")
    show_title = _l("Unit")
    add_title = _l("Add unit")
    edit_title = _l("Edit unit")
    list_columns = ["code", "name_th", "name_en", "level", "parent", "active"]
    show_columns = ["code", "name_th", "name_en", "level", "parent", "active", "source", "created_on", "changed_on"]
    # No relation here: FAB renders a relation filter as a dropdown of every unit
    # in scope (8,400+ for the centre). DOPA codes nest, so "code starts with
    # 5001" already finds a district's subdistricts.
    search_columns = ["code", "name_th", "name_en", "level", "active"]
    # Not "active": a unit is switched off (with everything below it) or back on
    # through its own confirmation page (app/views/unit_status.py), linked from its page.
    add_columns = ["level", "parent", "code", "name_th", "name_en"]
    edit_columns = ["parent", "code", "name_th", "name_en"]
    show_template = "unit_show.html"
    order_columns = ["code", "name_th", "name_en", "level", "active"]
    # DOPA codes nest (50, 5001, 500101), so code order reads as the tree.
    base_order = ("code", "asc")
    page_size = 50
    label_columns = {
        "code": _l("Code"),
        "name_th": _l("Name (Thai)"),
        "name_en": _l("Name (English)"),
        "level": _l("Level"),
        "parent": _l("Parent unit"),
        "active": _l("Active"),
        "source": _l("Source"),
        "created_on": _l("Created on"),
        "changed_on": _l("Changed on"),
    }
    description_columns = {
        "code": _l("Leave empty to generate one from the parent's code."),
        "parent": _l("Only units inside the area you manage are listed."),
    }
    formatters_columns = {"level": level_label, "active": yes_no, "created_on": thai_datetime,
                          "changed_on": thai_datetime}
    add_form_extra_fields = {
        "parent": _parent_picker(),
        # Optional here (the model requires it): prepare_new_unit generates one.
        "code": StringField(_l("Code"), validators=[Optional(), Length(max=32)], widget=BS3TextFieldWidget(),
                            description=_l("Leave empty to generate one from the parent's code.")),
        "level": SelectField(
            _l("Level"),
            choices=[(UnitLevel.LAO.value, LEVEL_LABELS[UnitLevel.LAO.value]),
                     (UnitLevel.END_UNIT.value, LEVEL_LABELS[UnitLevel.END_UNIT.value])],
        )
    }
    edit_form_extra_fields = {"parent": _parent_picker(stored=_stored_parent_id)}

    def pre_add(self, item):
        self.run_domain_check(prepare_new_unit, db.session, current_actor(), item)

    def pre_update(self, item):
        self.run_domain_check(prepare_unit_update, db.session, current_actor(), item)
