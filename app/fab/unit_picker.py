"""The unit picker: a form field that searches the units in the actor's
subtree as one types (/api/v1/unit/search, app/queries/unit_search.py) instead
of a dropdown of every unit in scope (8,449 options for the centre, ~80,000
with end units).

The browser posts the chosen unit's id; the field loads it through the
scoping rule (app/scoping.py) and refuses, with a Thai message beside the
field, an id outside the actor's area, an inactive unit or a level this form
does not take. Its data is the Unit, as FAB's relation fields give it, so
`populate_obj` sets the relationship.

The widget is a text box with a list right under it (app/static/unit_picker.js):
typing stays in the box, arrow keys and Enter pick, options are large enough
to tap. Select2 was the other candidate: its single select types into a
second box inside a dropdown that it places above the field when the phone's
keyboard leaves little room below."""
from __future__ import annotations

from typing import Callable, Iterable, Optional

from flask import url_for
from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import Field
from wtforms.validators import StopValidation

from app import scoping
from app.extensions import db
from app.fab.datamodel import current_actor
from app.models.unit import Unit


def _attributes(values: dict) -> str:
    return " ".join(f'{name}="{escape(value)}"' for name, value in values.items() if value is not None)


class UnitPickerWidget:
    """Renders the hidden id, the search box showing the chosen unit, and the
    (empty) list the script fills."""

    def __call__(self, field: "UnitPickerField", **kwargs):
        from app.assets import asset_url  # the cache-busting static URL every page uses
        from app.queries.unit_search import unit_label

        unit = field.data if isinstance(field.data, Unit) else None
        label = unit_label(db.session, unit) if unit is not None else ""
        listbox = f"{field.id}-options"
        search = _attributes({
            "type": "text", "id": field.id, "class": "form-control masklog-unit-search",
            "value": label, "placeholder": gettext("Type a unit's name or code"), "autocomplete": "off",
            "autocapitalize": "off", "spellcheck": "false", "enterkeyhint": "search",
            "role": "combobox", "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listbox,
            "aria-invalid": "true" if field.errors else None,
        })
        box = _attributes({
            "class": "masklog-unit-picker", "data-url": url_for("UnitApi.search"),
            "data-levels": ",".join(field.levels) if field.levels else None,
            "data-within": field.within,
            "data-go": field.go_to, "data-label": label,
            "data-searching": gettext("Searching…"), "data-no-results": gettext("No matches found"),
            "data-error": gettext("The results could not be loaded."),
            "data-more": gettext("Only the first %(n)s matches are shown; type more to narrow them.",
                                 n=field.limit),
            "data-allow-blank": "1" if field.allow_blank else None,
        })
        hidden = _attributes({"type": "hidden", "name": field.name, "value": unit.id if unit else "",
                              "class": "masklog-unit-value"})
        script, style = asset_url("static", "unit_picker.js"), asset_url("static", "unit_picker.css")
        return Markup(
            f'<link rel="stylesheet" href="{escape(style)}"><div {box}><input {hidden}>'
            f'<div class="masklog-unit-field"><input {search}>'
            f'<ul id="{escape(listbox)}" class="masklog-unit-options" role="listbox" hidden></ul></div>'
            f'<p class="masklog-unit-status" aria-live="polite"></p></div>'
            f'<script src="{escape(script)}" defer></script>')


class UnitPickerField(Field):
    """A unit of the actor's area, chosen by search. `levels`: the unit levels
    this form takes (None: any); `go_to`: a URL with "{id}" to open on pick
    instead of filling a form (the dashboard's "go to unit"); `within`: a
    unit id whose subtree alone is searched (the browser's list only: the
    form's handler checks the posted id itself)."""

    widget = UnitPickerWidget()
    limit = 20

    def __init__(self, label=None, validators=None, *, levels: Optional[Iterable[str]] = None,
                 allow_blank: bool = False, go_to: Optional[str] = None,
                 stored: Optional[Callable[[], Optional[int]]] = None, within: Optional[int] = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.levels = list(levels) if levels else None
        self.within = within
        self.allow_blank = allow_blank
        self.go_to = go_to
        # The id the edited row holds now (FAB's edit POST gives the form no
        # object): kept unchanged, it is accepted even where the actor could
        # not choose it — a province administrator saving their own province,
        # whose parent is the centre. Any other id meets the scoping rule.
        self.stored = stored
        self._refusal = None
        self.flags.required = not allow_blank  # FAB's form marks the label with a red star

    def process_formdata(self, valuelist):
        self._refusal = None
        posted = (valuelist[0] if valuelist else "").strip()
        if not posted:
            self.data = None
            return
        self.data, self._refusal = self.resolve(posted)

    def resolve(self, posted) -> tuple[Optional[Unit], Optional[str]]:
        """(unit, None) when this actor may choose the unit with this id here,
        else (None, the reason in Thai)."""
        unit = scoping.get_in_scope(db.session, Unit, posted, current_actor())
        if unit is None and self.stored is not None and posted.isdigit() and int(posted) == self.stored():
            return db.session.get(Unit, int(posted)), None
        if unit is None:  # outside the area reads exactly as "does not exist"
            return None, gettext("Choose a unit inside the area you manage.")
        if not unit.active:
            return None, gettext("%(name)s is inactive; choose another unit.", name=unit.name_th)
        if self.levels and unit.level not in self.levels:
            return None, gettext("%(name)s cannot be chosen here; choose a unit of another level.",
                                 name=unit.name_th)
        return unit, None

    def pre_validate(self, form):
        if self._refusal:
            raise StopValidation(self._refusal)
        if self.data is None and not self.allow_blank:
            raise StopValidation(gettext("Please choose a unit."))

    def _value(self):
        return str(self.data.id) if isinstance(self.data, Unit) else ""


def unit_picker(label=_l("Unit"), **kwargs) -> UnitPickerField:
    return UnitPickerField(label, **kwargs)

