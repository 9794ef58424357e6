"""The decision path: resolve() is a pure function of frozen inputs, and --explain shows it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assistant.question.decide import resolve
from assistant.language.prepare import question_text
from assistant.question.frame import analyze

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


def _plans_engine(tmp_path, plans: dict[str, str]):
    from assistant.config import load_settings
    from assistant.document.ingest import ingest
    from assistant.engine import Assistant

    env = {"ASSISTANT_DATA": str(tmp_path / "data"), "ASSISTANT_CACHE": str(tmp_path / "cache")}
    for name, text in plans.items():
        path = tmp_path / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        ingest(path, load_settings(env=env), doc_id=name)
    return Assistant.load(settings=load_settings(env=env))


def test_a_level_a_peer_only_mentions_does_not_make_it_a_plan_to_ask_about(tmp_path):
    """A province's transport plan lists 省级航道整治; a city's transport plan of another province divides between
    市 and 县区 and mentions 省 only in a joint rule. "省级航道整治谁出钱" names a level the city plan does not divide
    between: the province's plan answers, no question which plan is meant."""
    engine = _plans_engine(tmp_path, {
        "aaa-ip": "武威市知识产权领域市与县区财政事权和支出责任划分改革方案\n一、主要内容\n"   # the default plan
                  "将专利导航，确认为市级财政事权，由市级承担支出责任。\n",
        "bbb-transport": "某某省交通运输领域省与市县财政事权和支出责任划分改革方案\n一、主要内容\n"
                         "将省级航道整治，确认为省级财政事权，由省级承担支出责任。\n",
        "ccc-transport": "陇南市交通运输领域市与县区财政事权和支出责任划分改革方案\n一、主要内容\n"
                         "将农村客运站建设，确认为省、市与县区共同财政事权，由省、市与县区共同承担支出责任。\n",
    })
    result, _ = engine.ask("省级航道整治谁出钱？")
    assert result["status"] == "answered", result["answer"]
    assert {f["payer"] for f in result["findings"]} == {"省"}


def test_one_place_listing_it_among_several_places_plans_of_its_field_asks_which_plan(tmp_path):
    """Two cities' transport plans are loaded beside the default plan (our own text); only one lists 渡口建设. A question that
    names neither city is not answered with that city's rule (the user may live under the other's):
    it asks which plan, and naming the city answers."""
    engine = _plans_engine(tmp_path, {
        "aaa-ip": "武威市知识产权领域市与县区财政事权和支出责任划分改革方案\n一、主要内容\n"   # the default plan
                  "将专利导航，确认为市级财政事权，由市级承担支出责任。\n",
        "bbb-transport": "天水市交通运输领域市与县区财政事权和支出责任划分改革方案\n一、主要内容\n"
                         "将渡口建设和农村客运站建设，确认为县区财政事权，由县区承担支出责任。\n",
        "ccc-transport": "陇南市交通运输领域市与县区财政事权和支出责任划分改革方案\n一、主要内容\n"
                         "将农村客运站建设，确认为市与县区共同财政事权，由市与县区共同承担支出责任。\n",
    })
    result, _ = engine.ask("渡口建设谁出钱？")
    assert result["status"] == "clarify" and not result["findings"], result["answer"]
    assert [o["label"] for o in result["options"]] == ["《天水市交通运输领域市与县区财政事权和支出责任划分改革方案》",
                                                       "《陇南市交通运输领域市与县区财政事权和支出责任划分改革方案》"]
    result, _ = engine.ask(result["options"][0]["question"])
    assert result["status"] == "answered" and {f["payer"] for f in result["findings"]} == {"县区"}
