"""The decision path: resolve() is a pure function of frozen inputs, and --explain shows it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assistant.question.decide import resolve
from assistant.question.frame import analyze, question_text

ROOT = Path(__file__).resolve().parent.parent


def _snapshot(a) -> list:
    return [(d.index.doc_id, [m.entry.matter["id"] for m in d.matches], list(d.unexplained),
             list(d.significant), dict(d.weights), [(m.surface, m.level, m.claim) for m in d.levels])
            for d in a.docs]


def _analysis(engine, question: str):
    prepared = question_text(question, engine.lexicon)
    return analyze(question, list(engine.indexes), engine.lexicon, engine.tokenizer, engine.catalog, prepared)


def test_resolve_leaves_its_inputs_unchanged_and_gives_the_same_result_twice(engine):
    _, context = engine.ask("市里的作品登记谁出钱？")
    # An elliptical follow-up: resolve gives it the last turn's matter and keeps the new level.
    a = _analysis(engine, "那县区的呢？")
    before, context_before = _snapshot(a), json.dumps(context, sort_keys=True)
    first, second = resolve(a, context, engine.default_doc), resolve(a, context, engine.default_doc)
    assert _snapshot(a) == before and json.dumps(context, sort_keys=True) == context_before
    assert first.status == second.status == "answered"
    payers = [[o["payer"] for o in v.outcomes] for v in first.verdicts]
    assert payers == [[o["payer"] for o in v.outcomes] for v in second.verdicts] == [["县区"]]
    assert first.context == second.context


def test_explain_shows_frame_candidates_and_decision():
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "--explain", "市里搞的专利导航县里要不要配套"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    trace = json.loads(out.stdout)
    roles = {m["words"]: m["role"] for m in trace["plans"][0]["levels"]}
    assert roles == {"市里": "scope", "县里": "claim"}
    assert [c["matter"] for c in trace["plans"][0]["candidates"]] == ["专利导航"]
    assert trace["decision"]["verdicts"][0]["payers"] == ["市"] and trace["decision"]["verdicts"][0]["yes_no"] == "no"
    assert trace["answer"]["answer"].startswith("不是。")
