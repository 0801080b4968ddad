"""The one transaction boundary of the edges (views, the REST API, the CLI).

Commands never commit; whoever calls them wraps the call in `transaction()`:

    with transaction():
        RecordReceipt(db.session, actor, data).run()

It commits when the block ends, rolls back on any exception, and turns an
IntegrityError (another request wrote the same unique row at the same moment)
into SavedAtTheSameMoment, a DomainError with a Thai message, so an edge has
one kind of error to show. (Superset's @transaction, at MaskLog's size.)"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Optional

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import SavedAtTheSameMoment


@contextmanager
def transaction(session: Optional[Session] = None):
    if session is None:
        from app.extensions import db

        session = db.session
    try:
        yield session
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise SavedAtTheSameMoment() from error
    except BaseException:
        session.rollback()
        raise
