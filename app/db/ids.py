"""What an id can be: the primary keys are 32-bit integer columns. A larger
number matches nothing, and PostgreSQL refuses even to compare it (a 500),
so every lookup by an id from outside (a form, a JSON body, a query string)
asks `is_stored_id` first."""

MAX_ID = 2_147_483_647


def is_stored_id(value) -> bool:
    """An id a row could have (a JSON body may carry anything: a bool, a float,
    a number no integer column holds)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


# A SQL IN list is sent in pieces: SQLite's bound-variable limit, PostgreSQL's plan size.
IN_LIST_CHUNK = 900


def in_chunks(values, size: int = IN_LIST_CHUNK):
    """`values` (any iterable) in lists of at most `size`, for `column.in_(chunk)`."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]
