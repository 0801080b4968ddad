"""FAB's navigation bar, rendered once per (user, roles, language) and reused.

It depends on nothing else of the request (no active-item highlighting, no
tokens), yet rendering it cost ~10 ms a page: twenty permission checks and
fifty translations. Roles or a name change give a new key; so does the
count of units not reported today that a district's users see in it (one
statement on the completeness rollup, kept up to a minute: see BADGE_SECONDS)."""
import time
from collections import OrderedDict

from flask_babel import get_locale
from jinja2 import pass_context
from markupsafe import Markup

from app.extensions import db
from app.models.unit import UnitLevel
from app.queries import missing
from app.rollups import pending
from app.thai import today

_CACHE_SIZE = 2000
_cache: "OrderedDict[tuple, Markup]" = OrderedDict()


def _key(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return ("anonymous", str(get_locale()))
    return (user.id, user.get_full_name(), tuple(sorted(r.name for r in user.roles)), str(get_locale()))


# The count is kept BADGE_SECONDS per district and day: it was a fifth of a
# district officer's today page. A report committed in this process recomputes
# it at once (pending.reports_generation); one sent through another app server,
# or a changed obligation, shows within BADGE_SECONDS.
BADGE_SECONDS = 60
_badges: dict = {}


def missing_today(user):
    """(unit id, units below it not reported today) for a user of a district, else None."""
    unit = getattr(user, "unit", None) if getattr(user, "is_authenticated", False) else None
    if unit is None or unit.level != UnitLevel.DISTRICT.value:
        return None
    key, now = (str(db.session.get_bind().url), unit.id, today()), time.monotonic()
    kept = _badges.get(key)
    if kept is not None and kept[0] == pending.reports_generation and now - kept[1] < BADGE_SECONDS:
        return unit.id, kept[2]
    count = missing.missing_count(db.session, unit, key[2])
    if len(_badges) > _CACHE_SIZE:
        _badges.clear()
    _badges[key] = (pending.reports_generation, now, count)
    return unit.id, count


@pass_context
def cached_navbar(context):
    user = context.get("current_user")
    missing_units = missing_today(user)
    key = (*_key(user), missing_units)
    html = _cache.get(key)
    if html is None:
        template = context.environment.get_template("appbuilder/navbar.html")
        html = Markup(template.render({**context.get_all(), "missing_today": missing_units}))
        _cache[key] = html
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return html


def register(app) -> None:
    app.jinja_env.globals["cached_navbar"] = cached_navbar
