"""Score the assistant on question cases (tests/cases/*.yaml or a labelled CSV export of the log)."""
from __future__ import annotations

import logging
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.document.parse import verbatim_view


def load_cases(path: Path) -> list[dict]:
    if path.suffix.lower() == ".csv":
        from assistant.helpdesk.labelled import cases_from_csv

        return cases_from_csv(path)
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []


def short_anchor(citation: dict) -> str:
    return citation["label"].replace(citation["doc_number"] or citation["doc_id"], "", 1).strip()


@lru_cache(maxsize=1)
def _leads() -> dict[str, str]:
    """The answer's opening words for each yes/no verdict (templates.yaml): 是。/ 不是。/ 分情况…"""
    from assistant.language.lexicon import load_lexicon

    t = load_lexicon().templates
    return {t["answer_no"]: "不是", t["answer_yes"]: "是", t["answer_depends"]: "分情况"}


def lead_word(answer: str) -> str | None:
    """The yes/no verdict an answer opens with (after a note on stripped instructions), or None.
    The whole opening is compared, so "不是。" is never read as "是"."""
    from assistant.language.lexicon import load_lexicon

    note = load_lexicon().templates["injection_note"]
    text = answer[len(note):].lstrip("\n") if answer.startswith(note) else answer
    for opening, word in sorted(_leads().items(), key=lambda p: -len(p[0])):
        if text.startswith(opening):
            return word
    return None


@lru_cache(maxsize=4096)
def payer_key(payer: str) -> frozenset[str]:
    """A payer as the set of tiers it names (levels.yaml `tier`), so that the plan's own spelling
    of one level (县（市、区）, 区、县(市), 县区) compares equal; "市与县区共同" → {市, 县, 共同}."""
    from assistant.document.compile import find_levels, level_vocabulary, names_every_level

    from assistant.language.normalize import to_simplified

    tiers = {lv["name"]: lv.get("tier", lv["name"]) for lv in level_vocabulary()["levels"]}
    folded = to_simplified(payer).replace("(", "（").replace(")", "）")
    if names_every_level(folded):
        return frozenset({"各级"})   # every level of the plan, as the plan words it
    key = {tiers.get(level, level) for _, _, level in find_levels(folded)} or {folded}
    # "市县共同" is 市 and 县 together, as "市与县共同" is: a level that is no tier of its own but takes in
    # several (市县, 地方) stands for the tiers it covers
    joined = {lv["name"]: {tiers.get(c, c) for c in lv["covers"]} for lv in level_vocabulary()["levels"]
              if lv.get("covers") and "tier" not in lv}
    key = {t for k in key for t in joined.get(k, {k})}
    if "共同" in payer or len(key) > 1:
        key.add("共同")
    return frozenset(key)


def _payer_keys(payers) -> set[frozenset[str]]:
    return {payer_key(p) for p in payers}


def same_payers(got, expected, question: str = "") -> bool:
    """Do the answer's payers say what the expected payers say? Compared by tiers (payer_key); and an
    expectation that lists plain levels ([市, 县区]: the labeler's way of writing a cost both bear)
    is met by one joint payer of exactly those levels (市与县区共同). An expectation that itself says
    共同 is met only by a joint payer. An expectation of the one level the question names (中央财政给不给钱
    → [中央]: that level's own verdict) is met by one joint payer that takes that level in."""
    g, e = _payer_keys(got), _payer_keys(expected)
    if g == e:
        return True
    if len(g) == 1 and len(expected) == 1 and "共同" in next(iter(g)) and "共同" not in next(iter(expected)):
        level = next(iter(e)) - {"共同"}
        payer = next(iter(got))
        # (地方 takes in the local tiers it covers: 县里要不要出 of a 中央与地方共同 matter is 县's share)
        shares = _named_tiers(payer) | (_covers().get("地方", set()) if "地方" in payer else set())
        if level and level <= shares and level & _asked_tiers(question):
            return True
    if g == {frozenset({"各级"})} and (len(e) >= 2 or any(len(k - {"共同"}) >= 2 for k in e)):
        return True   # "由各级财政…承担": every level, where the labeler lists them or calls them 共同
    if len(g) != 1 or any("共同" in p for p in expected) or len(e) < 2:
        return False
    (joint,) = g
    listed = {t for k in e for t in k} - {"共同"}
    if "共同" in joint and any("地方" in p for p in got):
        # "中央与地方共同" where the labeler lists 中央 and the local levels of the plan (省, 市, 区县)
        named = _named_tiers(next(iter(got)))
        return bool(named) and named <= listed and listed - named <= _covers().get("地方", set())
    return "共同" in joint and joint - {"共同"} == listed


def _asked_tiers(question: str) -> set[str]:
    """The tiers of the levels a question names (中央财政给不给钱 → {中央})."""
    from assistant.document.compile import find_levels
    return {t for _, _, level in find_levels(question) for t in payer_key(level) - {"共同"}}


def _named_tiers(payer: str) -> set[str]:
    """The tiers a payer names itself, without those 地方 stands for (it names no tier of its own)."""
    return set(payer_key(payer.replace("地方", ""))) - {"共同", "各级", ""}


def check(result: dict, expect: dict, question: str = "") -> list[str]:
    """What is wrong with one answer to `question`, in words; empty when it is right."""
    problems = []
    if result["status"] != expect["status"]:
        problems.append(f"status {result['status']} ≠ {expect['status']}")
    if expect.get("lead") and lead_word(result["answer"]) != expect["lead"]:
        problems.append(f"首句结论 {lead_word(result['answer'])} ≠ {expect['lead']}")
    anchors = {short_anchor(c) for c in result["citations"]}
    for anchor in expect.get("anchors") or []:
        if anchor not in anchors:
            problems.append(f"缺少引用 {anchor}（实际 {sorted(anchors)}）")
    if expect.get("matters") is not None:
        matters = {f["matter"] for f in result["findings"]}
        if matters != set(expect["matters"]):
            problems.append(f"matters {sorted(matters)} ≠ {sorted(expect['matters'])}")
    if expect.get("levels"):
        levels = {f["level"] for f in result["findings"] if f.get("level")}
        if levels != set(expect["levels"]):
            problems.append(f"levels {sorted(levels)} ≠ {sorted(expect['levels'])}")
    if "payers" in expect and expect["payers"] is not None:
        payers = {f["payer"] for f in result["findings"]}
        if not same_payers(payers, expect["payers"], question):
            problems.append(f"payers {sorted(payers)} ≠ {sorted(expect['payers'])}")
    for word in expect.get("contains") or []:
        if word not in result["answer"]:
            problems.append(f"答案缺少“{word}”")
    for word in expect.get("not_contains") or []:
        if word in result["answer"]:
            problems.append(f"答案不应含“{word}”")
    if expect.get("doc"):
        docs = {c["doc_id"] for c in result["citations"]}
        if docs and docs != {expect["doc"]}:
            problems.append(f"引用文档 {sorted(docs)} ≠ {expect['doc']}")
        if not docs and expect["status"] in ("answered", "not_listed"):
            problems.append("没有引用")
    if expect.get("shares") is not None:
        got = [f.get("shares") for f in result["findings"] if f.get("shares")]
        if expect["shares"] not in got and not (isinstance(expect["shares"], str) and
                                                any(expect["shares"] in str(g) for g in got)):
            problems.append(f"shares {got} ≠ {expect['shares']}")
    return problems


def wrong_verdict(result: dict, expect: dict) -> bool:
    """The worst failure: a verdict naming a payer the plan does not give for this question, or a
    yes/no answer that opens with the opposite of the plan's answer."""
    lead = lead_word(result["answer"])
    if expect.get("lead") and lead in ("是", "不是") and lead != expect["lead"]:
        return True
    if result["status"] != "answered" or not result["findings"]:
        return False
    if expect["status"] != "answered":
        return True
    if expect.get("payers") is None:
        return False
    # A payer the plan does not give: a tier of government in the answer's payers that the expected
    # payers do not name (a joint "市与县区共同" and the split "市", "县区" name the same tiers).
    def tiers(keys: set[frozenset[str]], covering: bool = False) -> set[str]:
        out = {t for k in keys for t in k} - {"共同", "各级"}
        # An expected 地方 or 市县 takes in the tiers it covers (levels.yaml covers).
        return out | {c for t in out for c in _covers().get(t, ())} if covering else out
    # (an answer's 地方 names no tier the labeler could have left out: "中央与地方共同" is judged by 中央)
    asked = tiers(_payer_keys(expect["payers"]))
    # (a joint payer that takes in every tier expected is the plan's own verdict for the level asked about:
    # "省财政给不给钱" answered 省与市县共同 names no payer the plan does not give)
    findings = [f for f in result["findings"]
                if not ("共同" in f["payer"] and asked and asked <= tiers(_payer_keys([f["payer"]])))]
    got = {t for f in findings for t in (_named_tiers(f["payer"]) or tiers(_payer_keys([f["payer"]]))
                                         if "地方" in f["payer"] and "共同" in f["payer"]
                                         else tiers(_payer_keys([f["payer"]])))}
    return bool(got - tiers(_payer_keys(expect["payers"]), covering=True))


@lru_cache(maxsize=1)
def _covers() -> dict[str, set[str]]:
    from assistant.document.compile import level_vocabulary

    levels = level_vocabulary()["levels"]
    tier = {lv["name"]: lv.get("tier", lv["name"]) for lv in levels}
    return {tier[lv["name"]]: {tier.get(c, c) for c in lv.get("covers") or []} for lv in levels if lv.get("covers")}


def _turns(case: dict) -> list[dict]:
    return case.get("turns") or [{"question": case["question"], "expect": case["expect"]}]


def evaluate(engine, cases: list[dict], baseline: bool = True) -> dict:
    sources = {ix.doc_id: verbatim_view(ix.doc.source) for ix in engine.indexes}
    per_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures, wrong, bad_quotes = [], 0, 0
    base = Baseline(engine) if baseline else None
    base_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case in cases:
        context = None
        ok, base_ok = True, True
        for turn in _turns(case):
            result, context = engine.ask(turn["question"], context)
            problems = check(result, turn["expect"], turn["question"])
            for c in result["citations"]:
                if c["quote"] not in sources.get(c["doc_id"], ""):
                    bad_quotes += 1
                    problems.append(f"引文不是原文：{c['quote'][:20]}")
            if wrong_verdict(result, turn["expect"]):
                wrong += 1
                problems.append("错误结论")
            if problems:
                ok = False
                failures.append({"id": case["id"], "question": turn["question"], "problems": problems})
            if base is not None:
                base_ok = base_ok and base.correct(turn["question"], turn["expect"])
        cat = case.get("category", "other")
        per_cat[cat][0] += ok
        per_cat[cat][1] += 1
        if base is not None:
            base_cat[cat][0] += base_ok
            base_cat[cat][1] += 1
    total = sum(v[1] for v in per_cat.values())
    correct = sum(v[0] for v in per_cat.values())
    report = {"cases": total, "correct": correct, "score": correct / total if total else 0.0,
              "per_category": {k: {"correct": v[0], "total": v[1]} for k, v in sorted(per_cat.items())},
              "wrong_verdicts": wrong, "quotes_not_verbatim": bad_quotes, "failures": failures}
    if base is not None:
        bc = sum(v[0] for v in base_cat.values())
        report["baseline"] = {"correct": bc, "score": bc / total if total else 0.0,
                              "per_category": {k: {"correct": v[0], "total": v[1]} for k, v in sorted(base_cat.items())}}
    return report


def evaluate_files(engine, paths: list[Path], baseline: bool = True) -> dict:
    cases = []
    for p in paths:
        cases.extend(load_cases(p))
    return evaluate(engine, cases, baseline)


class Baseline:
    """jieba's default dictionary + BM25Okapi, top-1 paragraph as the answer, no rules.

    It can only be right where finding the paragraph is the whole answer: its status is
    'answered' whenever some paragraph scores above 0, and it names no payer.
    """

    def __init__(self, engine) -> None:
        import jieba
        from rank_bm25 import BM25Okapi

        jieba.setLogLevel(logging.WARNING)
        self._cut = lambda s: [w for w in jieba.lcut(s) if w.strip() and any(ch.isalnum() for ch in w)]
        self.units = [(ix, b) for ix in engine.indexes for b in ix.doc.paragraphs()]
        self.bm25 = BM25Okapi([self._cut(b.text) for _, b in self.units])

    def correct(self, question: str, expect: dict) -> bool:
        scores = self.bm25.get_scores(self._cut(question))
        best = max(range(len(scores)), key=lambda i: (scores[i], -i)) if len(scores) else None
        status = "answered" if best is not None and scores[best] > 0 else "out_of_scope"
        if status != expect["status"]:
            return False
        if expect.get("payers"):
            return False
        if expect.get("anchors"):
            ix, block = self.units[best]
            return set(expect["anchors"]) <= {block.short}
        return True


def format_report(report: dict) -> str:
    lines = ["类别              正确/总数   得分" + ("     基线" if "baseline" in report else "")]
    for cat, v in report["per_category"].items():
        line = f"{cat:<16}  {v['correct']:>4}/{v['total']:<4}  {v['correct'] / v['total']:>6.1%}"
        if "baseline" in report:
            b = report["baseline"]["per_category"][cat]
            line += f"   {b['correct'] / b['total']:>6.1%}"
        lines.append(line)
    lines.append(f"合计              {report['correct']:>4}/{report['cases']:<4}  {report['score']:>6.1%}" +
                 (f"   {report['baseline']['score']:>6.1%}" if "baseline" in report else ""))
    lines.append(f"错误结论（结论中出现方案未给出的承担方）：{report['wrong_verdicts']}")
    lines.append(f"非原文引文：{report['quotes_not_verbatim']}")
    for f in report["failures"][:200]:
        lines.append(f"  ✗ {f['id']} {f['question']}：{'；'.join(f['problems'])}")
    return "\n".join(lines)
