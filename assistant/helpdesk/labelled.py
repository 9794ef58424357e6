"""Turn a labelled question-log export into question cases (the format of tests/cases/README.md).

Staff export `/api/admin/questions.csv`, open it in Excel, add columns and fill them for the rows
they want as tests; rows without `expected_status` are skipped:

    expected_status        answered | not_listed | out_of_scope | clarify      (required for a case)
    expected_payers        "市;县区"  ("无" = no verdict at all, i.e. payers: [])
    expected_anchors       "二（四）第1段;二（三）第2段"  (short anchors; full labels are shortened)
    expected_contains      "县区;钦南区"
    expected_not_contains  "市承担"                                          (optional)
    case_id, category      optional; conversation: rows sharing a value become one multi-turn case
                           in the order of the file

Lists are separated by ";" or "；". A leading apostrophe that the export put before =, +, -, @ (so
that Excel does not run a formula) is removed again.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

STATUSES = ("answered", "not_listed", "out_of_scope", "clarify")
CATEGORIES = ("level_named", "conditional", "yes_no", "list", "doc_fact", "not_listed", "out_of_scope",
              "clarify", "conversation", "injection", "robustness")
NO_VERDICT = ("无", "none", "[]")
_SPLIT = re.compile(r"[;；\n]")
# A citation label is "<document number> <short anchor>"; document numbers look like 钦政办〔2025〕15号.
_DOC_NUMBER = re.compile(r"^\S*[〔\[(（]\d{4}[〕\])）]\S*号\s+")


def _cell(row: dict[str, str | None], name: str) -> str:
    value = (row.get(name) or "").strip()
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        value = value[1:]
    return value


def _items(value: str) -> list[str]:
    return [v.strip() for v in _SPLIT.split(value) if v.strip()]


def short_anchor(label: str) -> str:
    """`钦政办〔2025〕15号 二（四）第2段` → `二（四）第2段`; a short anchor is returned as it is."""
    return _DOC_NUMBER.sub("", label.strip())


def _expect(row: dict[str, str | None], line: int) -> dict[str, Any] | None:
    status = _cell(row, "expected_status")
    if not status:
        return None
    if status not in STATUSES:
        raise ValueError(f"第 {line} 行：expected_status 应为 {' / '.join(STATUSES)} 之一，而不是“{status}”")
    expect: dict[str, Any] = {"status": status}
    payers = _cell(row, "expected_payers")
    if payers:
        expect["payers"] = [] if payers.lower() in NO_VERDICT else _items(payers)
    anchors = _cell(row, "expected_anchors")
    if anchors:
        expect["anchors"] = [short_anchor(a) for a in _items(anchors)]
    for column, key in (("expected_contains", "contains"), ("expected_not_contains", "not_contains")):
        value = _cell(row, column)
        if value:
            expect[key] = _items(value)
    return expect


def _category(row: dict[str, str | None], status: str, line: int) -> str:
    category = _cell(row, "category")
    if category:
        if category not in CATEGORIES:
            raise ValueError(f"第 {line} 行：category“{category}”不在 {', '.join(CATEGORIES)} 之中")
        return category
    return status if status != "answered" else "level_named"


def cases_from_csv(path: str | Path) -> list[dict[str, Any]]:
    """Cases from a labelled CSV export (UTF-8 with or without BOM, or GB18030), in file order."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # Excel's plain "CSV" on a Chinese Windows saves GB18030
        text = raw.decode("gb18030")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or "question" not in reader.fieldnames:
        raise ValueError(f"{path}：缺少 question 列（请使用服务台导出的 CSV）")
    if "expected_status" not in reader.fieldnames:
        raise ValueError(f"{path}：缺少 expected_status 列（请先标注要作为测试的行）")
    rows = [(reader.line_num, dict(row)) for row in reader]

    cases: list[dict[str, Any]] = []
    conversations: dict[str, dict[str, Any]] = {}
    used: set[str] = set()

    def unique(base: str) -> str:
        name, n = base, 2
        while name in used:
            name, n = f"{base}-{n}", n + 1
        used.add(name)
        return name

    for line, row in rows:
        question = _cell(row, "question")
        conversation = _cell(row, "conversation")
        expect = _expect(row, line)
        if conversation:
            if expect is None:
                raise ValueError(f"第 {line} 行：对话“{conversation}”的每一轮都要填写 expected_status")
            case = conversations.get(conversation)
            if case is None:
                case = {"id": unique(_cell(row, "case_id") or f"log-conv-{conversation}"),
                        "category": "conversation", "turns": []}
                conversations[conversation] = case
                cases.append(case)
            case["turns"].append({"question": question, "expect": expect})
            continue
        if expect is None:
            continue
        if not question:
            raise ValueError(f"第 {line} 行：问题为空")
        answer_id = _cell(row, "answer_id")
        base = _cell(row, "case_id") or (f"log-{answer_id[:8]}" if answer_id else f"log-line{line}")
        cases.append({"id": unique(base), "category": _category(row, expect["status"], line),
                      "question": question, "expect": expect})
    return cases
