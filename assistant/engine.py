"""The assistant's facade: one object that loads corpus + rules once and answers.

Interface used by the CLI, the web API and the channels (kept stable):

    eng = Assistant.load(data_dir=None)          # None → project's corpus/ and rules/ (or $ASSISTANT_DATA)
    result, context = eng.ask(question, context)  # context: JSON-able dict | None (previous turn state)
    eng.documents()                               # [{"doc_id","title","doc_number","issuer","date_issued",...}]
    eng.document(doc_id)                          # parsed tree for the source viewer, or None

`result` is the core JSON contract:
    {"status", "answer", "findings", "citations", "suggestions"}
each citation also carries "anchor" (the paragraph's id in the source viewer: /doc/{doc_id}#{anchor}).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any


class Assistant:  # pragma: no cover - temporary stub until the core lands
    def __init__(self) -> None:
        pass

    @classmethod
    def load(cls, data_dir: Path | None = None) -> "Assistant":
        return cls()

    def ask(self, question: str, context: dict | None = None) -> tuple[dict[str, Any], dict]:
        quote = "将推动知识产权质押融资，确认为市与县区共同财政事权，按照隶属关系分别由同级财政承担支出责任。"
        return (
            {
                "status": "answered",
                "answer": "【占位】知识产权质押融资属于市与县区共同财政事权，按隶属关系由同级财政承担支出责任。\n依据：" + quote,
                "findings": [
                    {"matter": "知识产权质押融资", "level": "市", "authority": "市级财政事权", "payer": "市",
                     "principle": "隶属关系", "citation": 0},
                    {"matter": "知识产权质押融资", "level": "县区", "authority": "县区财政事权", "payer": "县区",
                     "principle": "隶属关系", "citation": 0},
                ],
                "citations": [
                    {"doc_id": "qinzhou-ip-fiscal-plan-2025", "doc_number": "钦政办〔2025〕15号",
                     "title": "钦州市知识产权领域市以下财政事权和支出责任划分改革实施方案",
                     "path": ["二、主要内容", "（三）知识产权运用促进"], "paragraph": 2,
                     "label": "钦政办〔2025〕15号 二（三）第2段", "anchor": "p-2-3-2", "quote": quote}
                ],
                "suggestions": ["那县区的呢？", "哪些事项属于共同财政事权？"],
            },
            {"turns": 1},
        )

    def documents(self) -> list[dict]:
        return [{"doc_id": "qinzhou-ip-fiscal-plan-2025", "doc_number": "钦政办〔2025〕15号",
                 "title": "钦州市知识产权领域市以下财政事权和支出责任划分改革实施方案",
                 "issuer": "钦州市人民政府办公室", "date_issued": "2025-07-31"}]

    def document(self, doc_id: str) -> dict | None:
        return None
