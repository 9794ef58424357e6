"""Load, validate and (re)write rules/: the compiled rules of every document plus hand overrides."""
from __future__ import annotations

from pathlib import Path

import yaml

from assistant.document.compile import compile_document, dump_rules
from assistant.config import yaml_load as _yaml_load
from assistant.document.parse import Document, load_document, verbatim_view

OVERRIDES = "overrides.yaml"
PAYER_KEYS = ("level", "authority", "payer", "principle", "condition", "shares", "anchor", "label", "quote")


class RuleError(ValueError):
    pass


def corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(p for p in corpus_dir.glob("*.txt") if not p.name.endswith(".source.txt"))


def load_documents(corpus_dir: Path) -> list[Document]:
    return [load_document(p) for p in corpus_files(corpus_dir)]


def load_overrides(rules_dir: Path) -> dict:
    path = rules_dir / OVERRIDES
    if not path.exists():
        return {}
    return _yaml_load(path.read_text(encoding="utf-8")) or {}


def apply_overrides(rules: dict, overrides: dict) -> dict:
    """Hand corrections for one document: display names and aliases of matters, by matter id.

    Only words a user may type change here; an outcome (who pays) can never be overridden,
    so every verdict stays the compiled text of the plan.
    """
    changes = (overrides.get(rules["doc_id"]) or {}).get("matters") or {}
    for matter in rules["matters"]:
        change = changes.get(matter["id"]) or {}
        if change.get("name"):
            matter["name"] = change["name"]
        matter["aliases"] = list(change.get("aliases") or [])
    return rules


def validate(rules: dict, doc: Document) -> list[str]:
    """Problems that make a rules file unusable: missing fields, unknown anchors, quotes not verbatim."""
    problems: list[str] = []
    view = verbatim_view(doc.source)
    anchors = {b.anchor: b for b in doc.blocks}
    for matter in rules.get("matters", []):
        if not matter.get("outcomes"):
            problems.append(f"{matter.get('id')}: 没有结论")
        for o in matter.get("outcomes", []):
            # authority "" : the plan says who pays but not whose 事权 it is (said so in answers)
            missing = [k for k in ("authority", "payer", "anchor", "quote") if not o.get(k)
                       and not (k == "authority" and o.get(k) == "")]
            if missing:
                problems.append(f"{matter['id']}: 缺少 {missing}")
                continue
            if o["quote"] not in view:
                problems.append(f"{matter['id']}: 引文不是原文 {o['quote'][:30]}…")
            block = anchors.get(o["anchor"])
            if block is None or o["quote"] not in block.text:
                problems.append(f"{matter['id']}: 引文与段落 {o['anchor']} 不符")
    catch_all = rules.get("catch_all")
    if catch_all and catch_all["quote"] not in view:
        problems.append("兜底条款引文不是原文")
    residual = rules.get("residual")
    if residual and residual["quote"] not in (anchors.get(residual["anchor"]).text if anchors.get(residual["anchor"]) else ""):
        problems.append(f"未列事项原则的引文与段落 {residual['anchor']} 不符")
    for zone in rules.get("zones") or []:
        block = anchors.get(zone["anchor"])
        if block is None or zone["quote"] not in block.text:
            problems.append(f"{zone['name']}: 参照执行的引文与段落 {zone['anchor']} 不符")
    return problems


def rules_path(rules_dir: Path, doc_id: str) -> Path:
    return rules_dir / f"{doc_id}.yaml"


def compile_all(corpus_dir: Path) -> list[tuple[Document, dict, dict, str]]:
    """(document, rules, report, yaml text) for every document of the corpus."""
    out = []
    for path in corpus_files(corpus_dir):
        doc = load_document(path)
        rules, report = compile_document(doc)
        out.append((doc, rules, report, dump_rules(rules, path.name)))
    return out


def meta_path(corpus_dir: Path, doc_id: str) -> Path:
    return corpus_dir / f"{doc_id}.meta.yaml"


def dump_meta(doc: Document) -> str:
    """The document's metadata as read from its text; every value with its anchor and quote."""
    header = (f"# Read by `assistant compile` from {doc.doc_id}.txt (do not edit: it is derived from the text).\n"
              f"# Each value carries the paragraph anchor and the verbatim words it comes from.\n")
    return header + yaml.safe_dump({"doc_id": doc.doc_id, **doc.meta}, allow_unicode=True, sort_keys=False,
                                   width=1000)


def load_rules(rules_dir: Path, doc: Document, overrides: dict | None = None) -> dict:
    path = rules_path(rules_dir, doc.doc_id)
    if not path.exists():
        raise RuleError(f"缺少规则文件 {path}，请先运行 assistant compile")
    rules = _yaml_load(path.read_text(encoding="utf-8"))
    problems = validate(rules, doc)
    if problems:
        raise RuleError(f"{path}: " + "；".join(problems[:5]))
    return apply_overrides(rules, overrides if overrides is not None else load_overrides(rules_dir))
