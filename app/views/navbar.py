"""FAB's navigation bar, rendered once per (user, roles, language) and reused.

It depends on nothing else of the request (no active-item highlighting, no
tokens), yet rendering it cost ~10 ms a page: twenty permission checks and
fifty translations. Roles or a name change give a new key."""
from collections import OrderedDict

from flask_babel import get_locale
from jinja2 import pass_context
from markupsafe import Markup

_CACHE_SIZE = 2000
_cache: "OrderedDict[tuple, Markup]" = OrderedDict()


def _key(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return ("anonymous", str(get_locale()))
    return (user.id, user.get_full_name(), tuple(sorted(r.name for r in user.roles)), str(get_locale()))


@pass_context
def cached_navbar(context):
    key = _key(context.get("current_user"))
    html = _cache.get(key)
    if html is None:
        template = context.environment.get_template("appbuilder/navbar.html")
        html = Markup(template.render(context.get_all()))
        _cache[key] = html
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return html


def register(app) -> None:
    app.jinja_env.globals["cached_navbar"] = cached_navbar
