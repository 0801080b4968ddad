"""The templates' gettext (app/__init__.py, translated once per catalogue)
shows exactly what Jinja's own newstyle gettext shows, in Thai and English,
on the first call and on the remembered ones."""
import pytest
from flask import render_template_string, session
from flask_babel import get_translations
from jinja2 import Environment

TEMPLATES = [
    "{{ _('Save') }}",
    "{{ _('Today') }} / {{ _('Save') }}",
    "{{ _('%(n)s units', n=3) }}",
    "{{ _('100%%') }}",
    "{{ _('<b>not markup</b>') }}",
    "{% trans %}Save{% endtrans %}",
    "{% trans n=2 %}{{ n }} unit{% pluralize %}{{ n }} units{% endtrans %}",
    "{{ ngettext('%(num)d unit', '%(num)d units', 5) }}",
]


def jinja_own(template: str) -> str:
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    env.install_gettext_translations(get_translations(), newstyle=True)
    return env.from_string(template).render()


@pytest.mark.parametrize("locale", ["th", "en"])
def test_templates_translate_as_jinja_does(app, locale):
    with app.test_request_context("/"):
        session["locale"] = locale
        for template in TEMPLATES:
            expected = jinja_own(template)
            assert render_template_string(template) == expected, template
            assert render_template_string(template) == expected, template  # the remembered one
    # Thai really was translated (the test compares something).
    with app.test_request_context("/"):
        session["locale"] = "th"
        assert render_template_string("{{ _('Save') }}") == "บันทึก"
