"""Reconciling the provinces' Google Form responses with MaskLog: reading the
form's response export (form_file) and matching its free-typed unit names to
MaskLog units (unit_matching). Plain domain code: no Flask request needed."""
