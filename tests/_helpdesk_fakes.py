"""A small engine double for the help-desk tests: the status follows keywords in the question."""
from __future__ import annotations

import threading
from typing import Any

QUOTE = ("将推动知识产权质押融资，确认为市与县区共同财政事权，按照隶属关系分别由同级财政承担支出责任。"
         "这一句很长，用来检验渠道回复会把引文截短。")
LABEL = "钦政办〔2025〕15号 二（三）第2段"


class FakeEngine:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict | None]] = []
        self._lock = threading.Lock()

    def ask(self, question: str, context: dict | None = None) -> tuple[dict[str, Any], dict]:
        with self._lock:
            self.calls.append((question, context))
        turns = (context or {}).get("turns", 0) + 1
        base: dict[str, Any] = {"findings": [], "citations": [], "suggestions": []}
        if "天气" in question:
            result = {**base, "status": "out_of_scope", "answer": "这个问题不在本助手回答的政策范围内。"}
        elif "商标" in question:
            result = {**base, "status": "not_listed", "answer": "方案中没有列出这一事项。"}
        elif question.startswith("谁出钱"):
            result = {**base, "status": "clarify", "answer": "请问您想了解哪一项事务？",
                      "suggestions": ["专利导航谁出钱？", "作品登记谁出钱？"]}
        else:
            result = {
                "status": "answered",
                "answer": f"第{turns}轮：知识产权质押融资属于市与县区共同财政事权。\n依据：{QUOTE}",
                "findings": [{"matter": "知识产权质押融资", "level": "市", "authority": "市级财政事权",
                              "payer": "市", "principle": "隶属关系", "citation": 0}],
                "citations": [{"doc_id": "qinzhou-ip-fiscal-plan-2025", "doc_number": "钦政办〔2025〕15号",
                               "title": "方案", "path": ["二、主要内容"], "paragraph": 2, "label": LABEL,
                               "anchor": "p-2-3-2", "quote": QUOTE}],
                "suggestions": ["那县区的呢？"],
            }
        return result, {"turns": turns}

    def documents(self) -> list[dict]:
        return []

    def examples(self) -> list[str]:
        return []

    def document(self, doc_id: str) -> dict | None:
        return None
