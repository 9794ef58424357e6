"""A small stand-in engine for the web tests: the API and pages are tested against it in isolation.

It answers by keywords and builds a source tree from the seed plan with the anchor scheme of the
engine's contract (p-<part>-<sub>-<n>), so the viewer has real text to scroll to and highlight.
"""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "qinzhou-ip-fiscal-plan-2025.txt"
DOC_ID = "qinzhou-ip-fiscal-plan-2025"
DOC_NUMBER = "钦政办〔2025〕15号"
TITLE = "钦州市知识产权领域市以下财政事权和支出责任划分改革实施方案"
CN_NUM = "一二三四五六七八九十"


def build_tree() -> dict[str, Any]:
    """Parse the seed plan into blocks: enough structure for the viewer, not the engine's parser."""
    lines = [ln.strip() for ln in CORPUS.read_text(encoding="utf-8").splitlines() if ln.strip()]
    blocks: list[dict[str, Any]] = []
    part = sub = para = 0
    part_title = sub_title = ""
    for i, text in enumerate(lines):
        block: dict[str, Any] = {"text": text, "label": None, "path": [], "paragraph": None, "depth": 0}
        if i == 0:
            block.update(kind="notice_title", anchor="notice-title")
        elif text == DOC_NUMBER:
            block.update(kind="doc_number", anchor="doc-number")
        elif text.endswith("：") and i < 4:
            block.update(kind="addressee", anchor="addressee")
        elif re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", text):
            block.update(kind="date", anchor="date")
        elif text.startswith("钦州市知识产权领域") and "方案" in text and len(text) < 50:
            block.update(kind="title", anchor="plan-title")
        elif len(text) < 20 and text[0] in CN_NUM and text[1] == "、":
            part, sub, para, part_title, sub_title = CN_NUM.index(text[0]) + 1, 0, 0, text, ""
            block.update(kind="heading", depth=1, anchor=f"h-{part}")
        elif len(text) < 20 and text.startswith("（") and text[1] in CN_NUM:
            sub, para, sub_title = CN_NUM.index(text[1]) + 1, 0, text
            block.update(kind="heading", depth=2, anchor=f"h-{part}-{sub}")
        else:
            para += 1
            path = [p for p in (part_title, sub_title) if p]
            where = f"{part_title[0]}{sub_title[:3]}第{para}段" if sub else f"第{part_title[:1]}部分第{para}段"
            block.update(kind="paragraph", depth=3 if sub else 2, anchor=f"p-{part}-{sub}-{para}",
                         paragraph=para, path=path, label=f"{DOC_NUMBER} {where}" if part else None)
        blocks.append(block)
    return {"doc_id": DOC_ID, "title": TITLE, "doc_number": DOC_NUMBER, "issuer": "钦州市人民政府办公室",
            "date_issued": "2025-07-31", "date_effective": "2025-07-31", "blocks": blocks}


class FakeEngine:
    """Keyword answers in the core contract's shape; remembers every call for assertions."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict | None]] = []
        self.tree = build_tree()

    def _cite(self, needle: str) -> dict[str, Any]:
        block = next(b for b in self.tree["blocks"] if b["kind"] == "paragraph" and needle in b["text"])
        start = block["text"].index(needle)
        return {"doc_id": DOC_ID, "doc_number": DOC_NUMBER, "title": TITLE, "path": block["path"],
                "paragraph": block["paragraph"], "label": block["label"], "anchor": block["anchor"],
                "quote": block["text"][max(0, start - 6): start + len(needle) + 10]}

    def ask(self, question: str, context: dict | None = None) -> tuple[dict[str, Any], dict]:
        self.calls.append((question, context))
        turns = (context or {}).get("turns", 0) + 1
        base = {"findings": [], "citations": [], "suggestions": []}
        if "请稍等" in question:      # lets the browser tests see the typing indicator
            time.sleep(1.0)
        if "<" in question:          # echoes markup back: the pages must show it as text
            result = {**base, "status": "clarify", "answer": f"您问的是：{question}<img src=x>",
                      "suggestions": [f"<b>{question}</b>"]}
        elif "天气" in question:
            result = {**base, "status": "out_of_scope", "answer": "这个问题不在已收录政策的范围内。",
                      "suggestions": ["专利导航谁出钱？"]}
        elif "区块链" in question:
            result = {**base, "status": "not_listed", "answer": "方案未列明该事项。"}
        elif question.strip() in {"谁出钱", "谁出钱？"}:
            result = {**base, "status": "clarify", "answer": "请问您指的是哪一项工作？",
                      "suggestions": ["专利导航谁出钱？", "作品登记谁出钱？"]}
        else:
            level = "县区" if ("县区" in question or "区" in question.replace("县区", "")) and turns > 1 else None
            levels = [level] if level else ["市", "县区"]
            result = {**base, "status": "answered",
                      "answer": ("开展专利导航属于市、县区财政事权，按属地原则分别承担支出责任。\n"
                                 "依据：钦政办〔2025〕15号 二（三）第3段。"),
                      "findings": [{"matter": "专利导航", "level": lv, "authority": f"{lv}财政事权", "payer": lv,
                                    "principle": "属地原则", "citation": 0} for lv in levels],
                      "citations": [self._cite("专利导航")],
                      "suggestions": ["那县区的呢？", "知识产权质押融资谁出钱？"]}
        return result, {"turns": turns, "last": question}

    def documents(self) -> list[dict[str, Any]]:
        return [{k: self.tree[k] for k in ("doc_id", "title", "doc_number", "issuer", "date_issued")}]

    def examples(self) -> list[str]:
        return ["专利导航谁出钱？", "作品登记谁出钱？", "这个方案什么时候开始施行？", "钦南区的呢？"]

    def document(self, doc_id: str) -> dict[str, Any] | None:
        return self.tree if doc_id == DOC_ID else None
