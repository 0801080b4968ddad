"""Operations: every way MaskLog's data changes, one module per operation.

Each operation is a Command taking a typed input (a dataclass the edge builds
from raw form strings, JSON or CLI options): `validate()` parses and checks
everything and writes nothing; `run()` validates, then writes, in the
caller's transaction. None commits: views, the REST API and the CLI call the
same `run()` inside `app.db.transaction.transaction()`. The actor is passed in,
never read from flask.g; units are checked against app/scoping.py."""
