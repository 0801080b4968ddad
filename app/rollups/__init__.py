"""Rollups: each unit's subtree totals per item and day, kept as the data is
written and rebuilt from the documents when asked.

- registry.py       FIGURES: name, Thai label, flow or stock, exported
- contributions.py  what each kind of document adds, written once
- pending.py        the incremental path: deltas written just before COMMIT
- rebuild.py        the same contributions, recomputed in SQL
- moves.py          a unit's history follows it to a new parent"""
