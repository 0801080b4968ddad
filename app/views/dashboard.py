"""Dashboards of a subtree (what managers open after login), the
completeness page ("not yet reported") and the official report exports.
Handlers parse the request, check the unit against the actor's scope and hand
off to app/queries/figures.py (rollups only) and app/queries/exports.py."""
from __future__ import annotations


import os
from functools import lru_cache
from urllib.parse import urlencode

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.charts.views import DirectByChartView
from flask_appbuilder.models.sqla.filters import FilterEqualFunction
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import charts, scoping
from app.errors import DomainError
from app.extensions import db
from app.labels import REPORT_KIND_LABELS, level_group_labels, level_label
from app.models.rollup import DailyRollup
from app.models.unit import Unit, UnitLevel
from app.permissions import CHART, DASHBOARD, DASHBOARD_VIEW, EXEMPT, EXPORT, OBLIGATIONS_VIEW, ROLLUP_CHART_VIEW
from app.queries import exports, figures, history, missing, periods
from app.queries.reference import active_items
from app.thai import format_number, thai_date, today
from app.fab.datamodel import ScopedSQLAInterface, current_actor
from app.fab.unit_picker import UnitPickerField
from wtforms import Form
from app.views.helpers import redirect_to_own_unit
from app.views.qr import public_base

CHART_ROWS = 15


class OutsideScope(Exception):
    pass


class DashboardView(BaseView):
    route_base = "/dashboard"
    default_view = "mine"
    class_permission_name = DASHBOARD_VIEW
    method_permission_name = {"mine": DASHBOARD, "unit_dashboard": DASHBOARD, "completeness": DASHBOARD,
                              "calendar": DASHBOARD,
                              "export_xlsx": EXPORT, "export_csv": EXPORT, "missing_export": EXPORT,
                              "missing_print": DASHBOARD}

    # ------------------------------------------------------------ request parsing
    def _unit(self, unit_id: int) -> Unit:
        unit = scoping.get_in_scope(db.session, Unit, unit_id, current_actor())
        if unit is None:
            raise OutsideScope()
        return unit

    def _parse(self, unit_id: int):
        """(unit, items, item id, period, error message or None). A bad period
        or item falls back to the defaults so the page still shows figures."""
        unit = self._unit(unit_id)
        items = active_items(db.session)
        if not items:
            abort(404)
        error = None
        try:
            item_id = periods.parse_item(db.session, request.args.get("item"))
        except DomainError as problem:
            error, item_id = str(problem), items[0][0]
        try:
            period = periods.parse_period(request.args.get("start"), request.args.get("end"))
        except DomainError as problem:
            error, period = error or str(problem), periods.parse_period(None, None)
        return unit, items, item_id, period, error

    def _breadcrumb(self, unit: Unit) -> list[Unit]:
        """The units from the actor's own unit down to this one."""
        root = getattr(current_actor(), "unit", None)
        ids = scoping.ancestor_ids(unit.path)
        if root is not None and root.id in ids:
            ids = ids[ids.index(root.id):]
        by_id = {u.id: u for u in db.session.query(Unit).filter(Unit.id.in_(ids))}
        return [by_id[i] for i in ids if i in by_id]

    # ------------------------------------------------------------ pages
    @expose("/")
    @has_access
    def mine(self):
        return redirect_to_own_unit(".unit_dashboard")

    @expose("/<int:unit_id>")
    @has_access
    def unit_dashboard(self, unit_id):
        try:
            unit, items, item_id, period, error = self._parse(unit_id)
        except OutsideScope:
            return self._outside()
        if error:
            flash(error, "danger")
        shown = figures.dashboard(db.session, unit, item_id, period)  # the REST API answers the same
        headline, days, groups, table = shown["headline"], shown["days"], shown["risk_groups"], shown["units"]
        kids, levels = table["children"], shown["completeness"]
        reporting = figures.completeness_trend(db.session, unit, period.start, period.end,
                                               levels if period.end == today() else None)
        labels = [thai_date(day["day"]) for day in days]
        trend_chart = charts.line_chart(labels, [
            (_("Distributed"), [day["distributed"] for day in days]),
            (_("Received (counted)"), [day["counted"] for day in days]),
            (_("Closing balance"), [day["balance"] for day in days])], title=_("Daily trend"))
        reporting_chart = charts.line_chart([thai_date(day["day"]) for day in reporting], [
            (_("Units that reported (percent)"), [day["percent"] or 0 for day in reporting])],
            title=_("Units that reported, per day (percent)"), top=100)
        group_chart = charts.bar_chart([group["name"] for group in groups], [
            (_("Pieces"), [group["distributed"] for group in groups]),
            (_("People reached"), [group["people_reached"] for group in groups])],
            title=_("Distribution by risk group"))
        # The chart shows the busiest units (all of them are in the table below it); none busy, no chart.
        busiest = figures.busiest(kids, CHART_ROWS)
        child_chart = charts.bar_chart([kid["name"] for kid in busiest], [
            (_("Distributed"), [kid["distributed"] for kid in busiest]),
            (_("Balance"), [kid["balance"] for kid in busiest])], title=_("Units below")) if busiest else None
        query = {"item": item_id, "start": period.start.isoformat(), "end": period.end.isoformat()}
        return self.render_template(
            "dashboard.html", unit=unit, go_to=_go_to_unit(query), items=items, item_id=item_id, period=period, headline=headline,
            days=days, groups=groups, kids=kids, own=table["own"], total=table["total"], levels=levels,
            reported_percent=figures.reported_percent(levels), busy_units=len(busiest),
            trend_chart=trend_chart, group_chart=group_chart, reporting_chart=reporting_chart,
            child_chart=child_chart, chart_rows=CHART_ROWS,
            breadcrumb=self._breadcrumb(unit), query=query, level_labels=level_group_labels(unit),
            can_export=self.appbuilder.sm.has_access(f"can_{EXPORT}", self.class_permission_name)), \
            (422 if error else 200)

    def _day(self):
        """(day, status): a bad day gets a Thai message and today's list."""
        return _parsed(periods.parse_day, request.args.get("day"))

    @expose("/<int:unit_id>/completeness")
    @has_access
    def completeness(self, unit_id):
        try:
            unit = self._unit(unit_id)
        except OutsideScope:
            return self._outside()
        day, status = self._day()
        sort = request.args.get("sort") if request.args.get("sort") in missing.SORTS else "code"
        national = unit.level == UnitLevel.CENTRAL.value
        # The national unit gets one row per province (linking to its list), not thousands of names;
        # its own figures are their sum (the country counted once).
        if national:
            levels, summary = missing.by_child(db.session, unit, day)
        else:
            levels, summary = figures.completeness(db.session, unit, day), None
        listed = None if national else missing.missing_units(db.session, unit, day, sort, levels=levels,
                                                                shown_per_group=missing.SHOWN_PER_GROUP)
        share_text = share_url = None
        if listed is not None and listed.units and missing.share_allowed(unit):
            share_text = missing.share_text(listed, public_base())
            share_url = missing.line_share_url(share_text)
        return self.render_template(
            "completeness.html", unit=unit, day=day, levels=levels, level_labels=level_group_labels(unit),
            reported_percent=figures.reported_percent(levels), breadcrumb=self._breadcrumb(unit),
            listed=listed, summary=summary, sort=sort, share_text=share_text, share_url=share_url,
            list_limit=missing.LIST_LIMIT, unit_url=_unit_url(),
            level_name=lru_cache(level_label),  # a label translated once per level and page, not per unit
            can_exempt=self.appbuilder.sm.has_access(f"can_{EXEMPT}", OBLIGATIONS_VIEW),
            can_export=self.appbuilder.sm.has_access(f"can_{EXPORT}", self.class_permission_name)), status

    def _missing(self, unit_id):
        unit = self._unit(unit_id)
        day, status = self._day()
        sort = request.args.get("sort") if request.args.get("sort") in missing.SORTS else "silent"
        return unit, day, status, missing.missing_units(db.session, unit, day, sort)

    @expose("/<int:unit_id>/missing.<kind>")
    @has_access
    def missing_export(self, unit_id, kind):
        if kind not in ("xlsx", "csv"):
            abort(404)
        try:
            unit, day, status, listed = self._missing(unit_id)
        except OutsideScope:
            return self._outside()
        if status != 200:
            return redirect(url_for(".completeness", unit_id=unit_id))
        rows = missing.export_rows(listed, lambda uid: f"{public_base()}{url_for('.unit_dashboard', unit_id=uid)}")
        stamp = f"{unit.code}_{day.isoformat()}"
        if kind == "xlsx":
            return _file_response(missing.write_xlsx(listed, rows), f"masklog_missing_{stamp}.xlsx",
                                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return Response(missing.csv_text(rows, listed), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="masklog_missing_{stamp}.csv"'})

    @expose("/<int:unit_id>/missing/print")
    @has_access
    def missing_print(self, unit_id):
        try:
            unit, day, status, listed = self._missing(unit_id)
        except OutsideScope:
            return self._outside()
        return render_template("print_missing.html", unit=unit, day=day, listed=listed,
                               parents=missing.parent_names(listed.groups), limit=missing.LIST_LIMIT,
                               level_name=level_label, printed=thai_date(today())), status

    @expose("/<int:unit_id>/calendar")
    @has_access
    def calendar(self, unit_id):
        """The unit's own reports month by month: reported, not reported, not yet due."""
        try:
            unit = self._unit(unit_id)
        except OutsideScope:
            return self._outside()
        month, status = _parsed(history.parse_month, request.args.get("month"))
        grid = history.month_calendar(db.session, unit, month)
        this_month = history.parse_month(None)
        return self.render_template(
            "calendar.html", unit=unit, grid=grid, month=month, breadcrumb=self._breadcrumb(unit),
            previous=month.previous, next=month.next if month.next.first <= this_month.first else None,
            kind_labels=REPORT_KIND_LABELS), status

    # ------------------------------------------------------------ exports
    def _export(self, unit_id, kind):
        try:
            unit, _items, item_id, period, error = self._parse(unit_id)
        except OutsideScope:
            return self._outside()
        if error:
            flash(error, "danger")
            return redirect(url_for(".unit_dashboard", unit_id=unit_id))
        stamp = f"{unit.code}_{period.start.isoformat()}_{period.end.isoformat()}"
        if kind == "xlsx":
            path = exports.write_xlsx(db.session, unit, item_id, period)
            return _file_response(path, f"masklog_{stamp}.xlsx",
                                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return Response(exports.csv_rows(db.session, unit, item_id, period), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="masklog_{stamp}.csv"'})

    @expose("/<int:unit_id>/report.xlsx")
    @has_access
    def export_xlsx(self, unit_id):
        return self._export(unit_id, "xlsx")

    @expose("/<int:unit_id>/report.csv")
    @has_access
    def export_csv(self, unit_id):
        return self._export(unit_id, "csv")

    def _outside(self):
        return render_template("error.html", status=404,
                               message=_("This unit does not exist or is outside the area you manage."),
                               base_template=self.appbuilder.base_template, appbuilder=self.appbuilder), 404


def _unit_url():
    """unit id -> the address of its dashboard, with url_for once: the missing
    list links hundreds of units and url_for costs 10-20 µs a call."""
    head = url_for(".unit_dashboard", unit_id=0).removesuffix("0")
    return lambda unit_id: f"{head}{unit_id}"


def _parsed(parse, raw):
    """(value, HTTP status): what `parse` makes of `raw`, or, for bad input,
    its default (blank input) with the Thai message flashed and 422."""
    try:
        return parse(raw), 200
    except DomainError as problem:
        flash(str(problem), "danger")
        return parse(None), 422


class _GoToUnit(Form):
    unit = UnitPickerField(_l("Go to unit"), allow_blank=True)


def _go_to_unit(query: dict) -> _GoToUnit:
    """The search box that opens another unit's dashboard (same item and period)."""
    form = _GoToUnit()
    form.unit.go_to = f"{url_for('DashboardView.mine')}{{id}}?{urlencode(query)}"
    return form


def _file_response(path: str, filename: str, mimetype: str):
    """Send a temporary file and delete it: the open handle keeps the data
    readable after the unlink (POSIX)."""
    handle = open(path, "rb")
    os.unlink(path)
    return send_file(handle, mimetype=mimetype, as_attachment=True, download_name=filename)


def format_percent(value) -> str:
    return "-" if value is None else f"{format_number(int(value)) if float(value).is_integer() else value}%"


def register(app) -> None:
    app.jinja_env.globals["datatable_chart"] = charts.datatable_chart
    app.jinja_env.filters["percent"] = format_percent


def _own_unit_id():
    unit = getattr(current_actor(), "unit", None)
    return unit.id if unit is not None else -1


def _default_item_id():
    """The chart draws one item (the default one): points of two items on one line would mix pieces."""
    items = active_items(db.session)
    return items[0][0] if items else -1


class RollupChartView(DirectByChartView):
    """FAB's own chart view over the rollups: the daily figures of the actor's
    area (the rows of their own unit, which carry the whole subtree; rows of
    units below would count the same masks twice). Drawn by app/charts.py."""

    datamodel = ScopedSQLAInterface(DailyRollup)
    class_permission_name = ROLLUP_CHART_VIEW
    base_filters = [["unit_id", FilterEqualFunction, _own_unit_id],
                    ["item_id", FilterEqualFunction, _default_item_id]]
    base_permissions = [f"can_{CHART}"]
    chart_title = _l("Daily figures of my area")
    chart_type = "LineChart"
    series_labels = {"distributed": _l("Distributed"), "counted": _l("Received (counted)"),
                     "confirmed_in": _l("Confirmed on arrival (every transfer)"),
                     "allocated_out": _l("Allocated within the area (every transfer)"),
                     "people_reached": _l("People reached")}
    label_columns = {"day": _l("Date"), "item": _l("Item"), **series_labels}
    search_columns = ["day", "item"]
    definitions = [
        {"label": _l("Distributed and received"), "group": "day", "formatter": thai_date,
         "series": ["distributed", "counted", "confirmed_in"]},
        {"label": _l("Allocated and people reached"), "group": "day", "formatter": thai_date,
         "series": ["allocated_out", "people_reached"]},
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # FAB replaces series labels with prettified column names; put the Thai ones back.
        self.label_columns.update(self.series_labels)
