"""The errors the domain raises. Imported by every layer, importing nothing of
MaskLog: a rule broken anywhere (a command, a query's input parsing, a Thai
date) is a DomainError whose Thai message is shown to the user as is."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule was broken. The message is Thai and is shown to the user as is.

    `message` is the text in the request's language, fixed when raised (views
    flash it, tests read it). Raised with a lazy_gettext string, the error can
    also say itself in another language (`in_locale`): the REST API answers
    in English and Thai. `field`: the input field concerned, when one is.
    `code`: a stable machine name for API clients (subclasses narrow it)."""

    code = "invalid"

    def __init__(self, message, field: str | None = None, code: str | None = None):
        self.lazy_message = message
        self.message = str(message)
        self.field = field
        if code:
            self.code = code
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def in_locale(self, locale: str) -> str:
        from flask_babel import force_locale

        with force_locale(locale):
            return str(self.lazy_message)


class OutOfScope(DomainError):
    """The unit or document named is outside the actor's area (or does not
    exist: the two are told apart to nobody, so ids cannot be probed)."""

    code = "out_of_scope"


class InsufficientStock(DomainError):
    """Spending more than a unit holds."""

    code = "insufficient_stock"


class SavedAtTheSameMoment(DomainError):
    """Another transaction wrote the same row at the same moment (a unique key
    the operation could not foresee, e.g. two first drafts of one day's count).
    Nothing was written; the user checks the page and tries again."""

    code = "conflict"

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

    code = "invalid_fields"

    def __init__(self, errors: dict):
        super().__init__(" ".join(str(message) for message in errors.values()))
        self.lazy_errors = errors
        self.errors = {name: str(message) for name, message in errors.items()}

    def in_locale(self, locale: str) -> str:
        return " ".join(self.errors_in_locale(locale).values())

    def errors_in_locale(self, locale: str) -> dict:
        from flask_babel import force_locale

        with force_locale(locale):
            return {name: str(message) for name, message in self.lazy_errors.items()}
