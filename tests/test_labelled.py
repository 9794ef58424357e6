"""A labelled admin CSV export becomes question cases (tests/cases/README.md format)."""
from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _helpdesk_fakes import FakeEngine
from assistant.service.api import create_app
from assistant.config import Settings
from assistant.helpdesk.labelled import cases_from_csv, short_anchor

TOKEN = "t"


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:  # as Excel saves "CSV UTF-8"
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_export_labelled_by_staff_becomes_cases(tmp_path):
    """The real round trip: ask, export through the admin API, label like staff, convert."""
    with TestClient(create_app(Settings(cache_dir=tmp_path, admin_token=TOKEN), engine=FakeEngine())) as c:
        for q in ("钦南区开展专利导航，谁出钱？", "商标代理谁管？", "=1+1 天气", "没人标注的问题"):
            c.post("/api/ask", json={"question": q})
        for _ in range(100):
            if c.app.state.qlog.count() == 4:
                break
            time.sleep(0.01)
        export = c.get("/api/admin/questions.csv", headers={"Authorization": f"Bearer {TOKEN}"}).content
    src = tmp_path / "export.csv"
    src.write_bytes(export)
    with open(src, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    labels = {
        "钦南区开展专利导航，谁出钱？": ("answered", "县区", "钦政办〔2025〕15号 二（三）第3段；二（三）第4段", "县区;钦南区"),
        "商标代理谁管？": ("not_listed", "无", "", ""),
        "'=1+1 天气": ("out_of_scope", "", "", ""),
    }
    header = list(rows[0]) + ["expected_status", "expected_payers", "expected_anchors", "expected_contains"]
    labelled = [[*r.values(), *labels.get(r["question"], ("", "", "", ""))] for r in rows]
    cases = cases_from_csv(write(tmp_path / "labelled.csv", header, labelled))

    assert len(cases) == 3
    by_q = {c["question"]: c for c in cases}
    first = by_q["钦南区开展专利导航，谁出钱？"]
    assert first["expect"] == {"status": "answered", "payers": ["县区"], "anchors": ["二（三）第3段", "二（三）第4段"],
                               "contains": ["县区", "钦南区"]}
    assert first["category"] == "level_named" and first["id"].startswith("log-")
    assert by_q["商标代理谁管？"]["category"] == "not_listed"
    assert by_q["商标代理谁管？"]["expect"] == {"status": "not_listed", "payers": []}
    assert "=1+1 天气" in by_q  # the export's formula guard is undone
    assert by_q["=1+1 天气"]["expect"] == {"status": "out_of_scope"}
    assert len({c["id"] for c in cases}) == 3


def test_conversations_ids_categories_and_errors(tmp_path):
    header = ["answer_id", "question", "conversation", "case_id", "category", "expected_status",
              "expected_payers", "expected_anchors", "expected_contains", "expected_not_contains"]
    rows = [
        ["a1", "市里的作品登记谁出钱？", "c1", "", "", "answered", "市", "", "", ""],
        ["a2", "钦州港区的专利导航呢", "", "my-case", "robustness", "answered", "县区", "", "", "市承担；省"],
        ["a3", "那县区的呢？", "c1", "", "", "answered", "县区", "二（二）第1段", "", ""],
        ["a4", "同一个问题", "", "my-case", "", "clarify", "", "", "", ""],
        ["a5", "未标注", "", "", "", "", "", "", "", ""],
    ]
    cases = cases_from_csv(write(tmp_path / "l.csv", header, rows))
    assert [c["id"] for c in cases] == ["log-conv-c1", "my-case", "my-case-2"]
    conv = cases[0]
    assert conv["category"] == "conversation" and "question" not in conv
    assert conv["turns"] == [
        {"question": "市里的作品登记谁出钱？", "expect": {"status": "answered", "payers": ["市"]}},
        {"question": "那县区的呢？", "expect": {"status": "answered", "payers": ["县区"], "anchors": ["二（二）第1段"]}},
    ]
    assert cases[1]["category"] == "robustness" and cases[1]["expect"]["not_contains"] == ["市承担", "省"]
    assert cases[2]["category"] == "clarify"

    with pytest.raises(ValueError, match="第 2 行.*answred"):
        cases_from_csv(write(tmp_path / "bad.csv", ["question", "expected_status"], [["问", "answred"]]))
    with pytest.raises(ValueError, match="每一轮"):
        cases_from_csv(write(tmp_path / "bad2.csv", ["question", "conversation", "expected_status"],
                             [["问", "c", "answered"], ["追问", "c", ""]]))
    with pytest.raises(ValueError, match="expected_status 列"):
        cases_from_csv(write(tmp_path / "bad3.csv", ["question"], [["问"]]))
    with pytest.raises(ValueError, match="category"):
        cases_from_csv(write(tmp_path / "bad4.csv", ["question", "category", "expected_status"],
                             [["问", "misc", "answered"]]))


def test_short_anchor():
    assert short_anchor("钦政办〔2025〕15号 二（四）第2段") == "二（四）第2段"
    assert short_anchor("二（四）第2段") == "二（四）第2段"
    assert short_anchor("序言第1段") == "序言第1段"
    assert short_anchor("钦政办〔2025〕15号 发文字号") == "发文字号"


def test_excel_plain_csv_in_gb18030(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("question,expected_status,expected_payers\r\n钦南区专利导航谁出钱？,answered,县区\r\n".encode("gb18030"))
    assert cases_from_csv(path)[0]["question"] == "钦南区专利导航谁出钱？"
    assert cases_from_csv(path)[0]["expect"] == {"status": "answered", "payers": ["县区"]}
