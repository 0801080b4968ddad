"""Every code the system writes into the ledger and the audit trail has a Thai
label (app/labels.py), so a register never shows a raw code. The codes are
read from the source itself: each call of `stock.post` (kind, document type),
of `audit.record` and the bulk audit insert (action, record type, before/after
keys), the synthetic data's ledger lines, and every status a document is given
— so a new kind, action or status without a label fails here."""
import ast
import os

import pytest

from app.commands.adjustment import ADJUSTMENT_KINDS
from app.commands.users import AUDITED_FIELDS
from app.labels import (ADJUSTMENT_KIND_LABELS, AUDIT_ACTION_LABELS, AUDIT_FIELD_LABELS, BLANK, LEDGER_KIND_LABELS,
                        RECORD_TYPE_LABELS, STATUS_LABELS, VIA_LABELS, audit_values, label)

pytestmark = pytest.mark.database_independent

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "app")

# Which argument of which call carries which code: (positional index, keyword).
CALLS = {
    "post": {"kind": (None, "kind"), "record_type": (None, "document_type")},
    "record": {"action": (2, "action"), "record_type": (3, "object_type")},
    "ledger": {"kind": (2, "kind"), "record_type": (4, "document_type")},  # app/devtools/synthetic.py
    "dict": {"action": (None, "action"), "record_type": (None, "object_type")},  # bulk audit rows
}
# The functions that only pass a caller's code on (their own bodies are not call sites).
PASS_THROUGH = {"post", "record", "ledger"}


def _name(func) -> str:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _strings(node, where, unresolved) -> set:
    """The string values an argument can take: a literal or `a if c else b` of literals."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, where, unresolved) | _strings(node.orelse, where, unresolved)
    unresolved.append(where)
    return set()


def _dict_keys(node) -> set:
    if isinstance(node, ast.Call) and _name(node.func) == "dumps" and node.args:  # json.dumps({...})
        node = node.args[0]
    if isinstance(node, ast.Dict):
        return {k.value for k in node.keys if isinstance(k, ast.Constant)}
    return set()


def collect_codes():
    found = {"kind": set(), "record_type": set(), "action": set(), "audit_field": set(), "status": set(),
             "via": set()}
    unresolved, calls = [], 0
    for folder, _dirs, files in os.walk(APP):
        for filename in files:
            if not filename.endswith(".py"):
                continue
            path = os.path.join(folder, filename)
            tree = ast.parse(open(path, encoding="utf-8").read(), path)
            inside = {}  # node -> name of the function defining it
            for function in ast.walk(tree):
                if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for child in ast.walk(function):
                        inside.setdefault(child, set()).add(function.name)
            for node in ast.walk(tree):
                where = f"{os.path.relpath(path, APP)}:{getattr(node, 'lineno', '?')}"
                if isinstance(node, ast.Call) and _name(node.func) in CALLS:
                    name = _name(node.func)
                    keywords = {k.arg: k.value for k in node.keywords}
                    if name == "dict" and "action" not in keywords:
                        continue
                    if name in PASS_THROUGH and name in inside.get(node, set()):
                        continue
                    if name == "record" and len(node.args) < 4 and "action" not in keywords:
                        continue  # another function called record (e.g. keep_refused_form's)
                    calls += 1
                    for code, (position, keyword) in CALLS[name].items():
                        argument = keywords.get(keyword)
                        if argument is None and position is not None and len(node.args) > position:
                            argument = node.args[position]
                        if argument is not None:
                            found[code] |= _strings(argument, where, unresolved)
                    if name in ("record", "dict"):
                        for keyword in ("before", "after"):
                            if keyword in keywords:
                                found["audit_field"] |= _dict_keys(keywords[keyword])
                # Statuses: `x.status = "..."`, {"status": "..."} and a status column's default.
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                    for target in node.targets:
                        if isinstance(target, ast.Attribute) and target.attr == "status":
                            found["status"].add(node.value.value)
                if isinstance(node, ast.Dict):
                    for key, value in zip(node.keys, node.values):
                        if isinstance(key, ast.Constant) and key.value in ("status", "via") \
                                and isinstance(value, ast.Constant):
                            found[key.value].add(value.value)
                if (isinstance(node, ast.Assign) and len(node.targets) == 1
                        and getattr(node.targets[0], "id", None) == "status" and isinstance(node.value, ast.Call)):
                    for keyword in node.value.keywords:
                        if keyword.arg == "default" and isinstance(keyword.value, ast.Constant):
                            found["status"].add(keyword.value.value)
    return found, unresolved, calls


def test_every_code_written_to_the_ledger_and_the_audit_trail_has_a_thai_label():
    found, unresolved, calls = collect_codes()
    # The scan really read the code: every kind of document and every kind of audit entry known today.
    assert calls >= 25, calls
    assert {"receipt", "allocation_out", "allocation_in", "distribution", "adjustment", "reversal"} <= found["kind"]
    assert {"login", "login_failed", "create", "sign", "no_activity", "confirm"} <= found["action"]
    assert {"user", "daily_report", "daily_count", "allocation_line", "unit"} <= found["record_type"]
    assert {"awaiting_count", "counted", "draft", "signed", "in_transit", "confirmed"} <= found["status"]
    assert {"username", "date", "reason", "via"} <= found["audit_field"]
    # A code the scan cannot read (a variable) could be anything: write it as a literal at the call.
    assert unresolved == []
    assert sorted(found["kind"] - set(LEDGER_KIND_LABELS)) == []
    assert sorted(found["record_type"] - set(RECORD_TYPE_LABELS)) == []
    assert sorted(found["action"] - set(AUDIT_ACTION_LABELS)) == []
    assert sorted(found["status"] - set(STATUS_LABELS)) == []
    fields = found["audit_field"] | set(AUDITED_FIELDS) | {"roles"}  # users.snapshot: a user's changed fields
    assert sorted(fields - set(AUDIT_FIELD_LABELS)) == []
    assert sorted(set(ADJUSTMENT_KINDS) - set(ADJUSTMENT_KIND_LABELS)) == []
    assert found["via"] and sorted(found["via"] - set(VIA_LABELS)) == []


def test_a_label_falls_back_to_the_code_and_a_blank_reads_as_a_dash(app):
    with app.test_request_context(headers={"Accept-Language": "th"}):
        assert label(LEDGER_KIND_LABELS, "distribution") == "แจกจ่ายให้กลุ่มเสี่ยง"
        assert label(AUDIT_ACTION_LABELS, "something_new") == "something_new"
        assert label(AUDIT_ACTION_LABELS, None) == BLANK == "—"
        assert label(RECORD_TYPE_LABELS, "") == BLANK


def test_audit_values_read_in_thai(app):
    with app.test_request_context(headers={"Accept-Language": "th"}):
        assert audit_values(None) == []
        assert audit_values('{"date": "2020-05-07", "kind": "damage", "quantity": -1200, "activated": true, '
                            '"roles": ["Officer"], "shares": [["5001", 20000], ["5002", 300]], "reason": null}') == [
            ("วันที่", "7 พ.ค. 2563"), ("ประเภท", "ชำรุดเสียหาย"), ("จำนวน", "-1,200"), ("เปิดใช้งานแล้ว", "ใช่"),
            ("บทบาท", "เจ้าหน้าที่บันทึกข้อมูล"), ("การจัดสรรรายหน่วยงาน", "5001 · 20,000; 5002 · 300"), ("เหตุผล", "—")]
        assert audit_values('{"members": [{"name": "นายก", "position": "ปลัด"}]}') == [("คณะกรรมการ", "นายก (ปลัด)")]
