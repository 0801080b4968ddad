"""The errors the domain raises. Imported by every layer, importing nothing of
MaskLog: a rule broken anywhere (a command, a query's input parsing, a Thai
date) is a DomainError whose Thai message is shown to the user as is."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule was broken. The message is Thai and is shown to the user as is."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class InsufficientStock(DomainError):
    """Spending more than a unit holds."""


class SavedAtTheSameMoment(DomainError):
    """Another transaction wrote the same row at the same moment (a unique key
    the operation could not foresee, e.g. two first drafts of one day's count).
    Nothing was written; the user checks the page and tries again."""

    def __init__(self):
        super().__init__(_l("Someone saved the same thing at the same moment; nothing was written. "
                            "Please check the page and try again."))


class RowsRejected(DomainError):
    """A spreadsheet import in which some rows failed and the administrator
    asked for all or nothing: the transaction is rolled back, and the rows
    (with their Thai reasons) go back to the page."""

    def __init__(self, rows: list):
        super().__init__("rows rejected")
        self.rows = rows


class FieldErrors(DomainError):
    """Several fields of one form are wrong: every message, keyed by the field
    it concerns, so the page shows each beside its field, all at once."""

    def __init__(self, errors: dict):
        super().__init__(" ".join(str(message) for message in errors.values()))
        self.errors = errors
