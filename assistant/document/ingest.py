"""Add a plan to the corpus: copy it byte-for-byte, compile its rules, report what was found."""
from __future__ import annotations

import re
from pathlib import Path

from assistant.document.compile import compile_document, dump_rules, format_report
from assistant.config import Settings
from assistant.document.parse import parse
from assistant.document.rules import dump_meta, meta_path, rules_path, validate


def read_text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{path}: 无法识别的文本编码（请另存为 UTF-8）")


def doc_id_for(path: Path) -> str:
    stem = re.sub(r"[^\w.-]+", "-", path.stem).strip("-")
    return stem or "plan"


def ingest(path: Path, settings: Settings, doc_id: str | None = None) -> dict:
    """Idempotent: the same file gives the same corpus and rules files, byte for byte."""
    text = read_text(path)
    doc_id = doc_id or doc_id_for(path)
    doc = parse(text, doc_id)
    rules, report = compile_document(doc)
    problems = validate(rules, doc)
    if problems:
        raise ValueError("；".join(problems))
    settings.corpus_dir.mkdir(parents=True, exist_ok=True)
    settings.rules_dir.mkdir(parents=True, exist_ok=True)
    target = settings.corpus_dir / f"{doc_id}.txt"
    if not (target.exists() and target.read_text(encoding="utf-8") == text):
        target.write_text(text, encoding="utf-8")
    rules_path(settings.rules_dir, doc_id).write_text(dump_rules(rules, target.name), encoding="utf-8")
    meta_path(settings.corpus_dir, doc_id).write_text(dump_meta(doc), encoding="utf-8")
    meta = {k: (v or {}).get("value") for k, v in doc.meta.items() if isinstance(v, dict)}
    report.update({"file": str(target), "meta": meta})
    lines = [f"已加入《{doc.title}》（{(doc.meta.get('doc_number') or {}).get('value') or '原文未载明文号'}），文档 ID：{doc_id}",
             f"发文机关：{meta.get('issuer') or '未识别'}；成文日期：{meta.get('date_issued') or '未识别'}；"
             f"施行：{meta.get('date_effective') or '未识别'}",
             f"结构：{report['parts']} 个部分，{report['paragraphs']} 段；规则句 {report['rule_sentences']} 条，"
             f"事项 {report['matters']} 个；层级：{'/'.join(report['levels']) or '未识别'}"]
    if report["uncompiled"]:
        lines.append(f"以下 {len(report['uncompiled'])} 句像规则但未能编译（请人工核对）：")
        lines.extend(f"  · {u['label']}：{u['sentence'][:60]}…（{u['reason']}）" for u in report["uncompiled"])
    report["summary"] = "\n".join(lines)
    report["review"] = format_report(rules, report)
    return report

