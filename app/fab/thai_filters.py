"""FAB's list filters read dates with dateutil: "7/5/2563" would be 5 July of
the year 2563. Here a date filter reads what the today page reads — d/m/yyyy
in B.E. or C.E., ISO, Thai digits — and a date that is not one gets a Thai
message instead of silently filtering nothing."""
import datetime

from flask import flash
from flask_appbuilder.models.sqla import filters as fab

from app.errors import DomainError
from app.thai import parse_date


class _ThaiDate:
    def apply(self, query, value):
        # FAB keeps one global map from "eq", "gt"... to the class created last:
        # the REST API may use these classes for any column, so check the type.
        is_date = self.datamodel.is_date(self.column_name) or self.datamodel.is_datetime(self.column_name)
        if is_date and isinstance(value, str) and value.strip():
            try:
                day = parse_date(value)
            except DomainError as error:
                flash(str(error), "warning")
                return query
            value = datetime.datetime.combine(day, datetime.time()) if self.datamodel.is_datetime(
                self.column_name) else day
        return super().apply(query, value)


THAI_DATE_FILTERS = {base: type(base.__name__, (_ThaiDate, base), {})
                     for base in (fab.FilterEqual, fab.FilterGreater, fab.FilterSmaller, fab.FilterNotEqual)}


class ThaiFilterConverter(fab.SQLAFilterConverter):
    conversion_table = tuple(
        (kind, [THAI_DATE_FILTERS.get(f, f) for f in filters]) if kind in ("is_date", "is_datetime")
        else (kind, filters)
        for kind, filters in fab.SQLAFilterConverter.conversion_table)
