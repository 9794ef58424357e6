"""Any plan of the genre: ingest the test plans next to the seed and answer their questions.

The three plans in tests/plans/ are our own text (other places, fields, level names and heading
styles). They are ingested into a temporary data folder with no rule written by hand.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import load_settings
from assistant.document.parse import verbatim_view
from assistant.engine import Assistant
from assistant.evaluate import check, evaluate, load_cases, wrong_verdict
from assistant.document.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
PLANS = sorted((ROOT / "tests" / "plans").glob("*.txt"))
SEED = ROOT / "corpus" / "qinzhou-ip-fiscal-plan-2025.txt"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    settings = load_settings(env={"ASSISTANT_DATA": str(folder), "ASSISTANT_CACHE": str(folder / "cache")})
    for path in [SEED, *PLANS]:
        ingest(path, settings)
    return folder


@pytest.fixture(scope="module")
def engine_all(data) -> Assistant:
    return Assistant.load(settings=load_settings(env={"ASSISTANT_DATA": str(data),
                                                      "ASSISTANT_CACHE": str(data / "cache")}))


@pytest.mark.parametrize("plan", PLANS, ids=[p.stem for p in PLANS])
def test_ingest_reports_what_it_found_and_is_idempotent(plan, tmp_path):
    settings = load_settings(env={"ASSISTANT_DATA": str(tmp_path), "ASSISTANT_CACHE": str(tmp_path / "c")})
    report = ingest(plan, settings)
    assert report["parts"] >= 2 and report["paragraphs"] >= 15
    assert report["rule_sentences"] >= 10 and report["matters"] >= 15
    assert len(report["levels"]) == 2
    assert report["meta"]["doc_number"] and report["meta"]["issuer"] and report["meta"]["date_issued"]
    first = {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and "c" not in p.parts}
    again = ingest(plan, settings)
    second = {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and "c" not in p.parts}
    assert first == second and again["matters"] == report["matters"]
    corpus_copy = tmp_path / "corpus" / plan.name
    assert corpus_copy.read_bytes() == plan.read_bytes()


def test_levels_come_from_each_plan(engine_all):
    levels = {ix.doc_id: ix.levels for ix in engine_all.indexes}
    assert levels["qinzhou-ip-fiscal-plan-2025"] == ["市", "县区"]
    assert levels["jiangxi-province-eco-env"] == ["省", "市县"]
    assert levels["huitong-county-health"] == ["县", "乡镇"]
    assert levels["qujing-city-transport"] == ["市", "县（市、区）"]


def test_shares_are_read_from_the_plan(engine_all):
    result, _ = engine_all.ask("江西全省性重污染天气应对谁出钱？")
    shares = [f.get("shares") for f in result["findings"] if f.get("shares")]
    assert {"省": 0.6, "市县": 0.4} in shares
    assert "60%" in result["answer"]
    result, _ = engine_all.ask("曲靖市普通国省道养护谁出钱？")
    assert any("承担主要支出责任" in str(f.get("shares")) for f in result["findings"])


def test_a_question_goes_to_the_plan_it_names(engine_all):
    result, _ = engine_all.ask("曲靖农村公路养护谁出钱？")
    assert {c["doc_id"] for c in result["citations"]} == {"qujing-city-transport"}
    result, _ = engine_all.ask("这个方案的文号是什么？")   # names no plan: the default one
    assert "钦政办〔2025〕15号" in result["answer"]
    result, _ = engine_all.ask("自然资源领域的国土空间规划谁出钱？")
    assert result["status"] == "not_listed" and "曲政办发〔2024〕45号" in result["answer"]


PLAN_CASES = [(p.stem, c) for p in sorted((ROOT / "tests" / "cases" / "plans").glob("*.yaml")) for c in load_cases(p)]


@pytest.mark.parametrize("case", [c for _, c in PLAN_CASES], ids=[f"{stem}:{c['id']}" for stem, c in PLAN_CASES])
def test_plan_case(engine_all, case):
    """Every case of every test plan, with all plans loaded: never a wrong verdict (a hard failure
    for every case), and the expected answer. A known miss is listed in its case file with its
    reason; it is reported as xfail, and fails the suite the day it passes, so the list stays true."""
    context, problems = None, []
    for turn in case.get("turns") or [{"question": case["question"], "expect": case["expect"]}]:
        result, context = engine_all.ask(turn["question"], context)
        assert not wrong_verdict(result, turn["expect"]), result["answer"]
        problems += check(result, turn["expect"], turn["question"])
    if case.get("known_miss"):
        assert problems, f"{case['id']} passes now: remove its known_miss"
        pytest.xfail(case["known_miss"])
    assert problems == [], f"{case['id']}\n{problems}"


def test_seed_cases_still_pass_with_all_plans_loaded(engine_all):
    cases = [c for c in load_cases(ROOT / "tests" / "cases" / "qinzhou.yaml") if not c.get("seed_alone")]
    report = evaluate(engine_all, cases, baseline=False)
    assert report["failures"] == [] and report["wrong_verdicts"] == 0


def test_every_quote_is_verbatim_in_every_plan(engine_all):
    for ix in engine_all.indexes:
        view = verbatim_view(ix.doc.source)
        for m in ix.rules["matters"]:
            assert all(o["quote"] in view for o in m["outcomes"]), (ix.doc_id, m["name"])


def test_cli_ingest_then_ask_with_assistant_data(tmp_path):
    env = {**os.environ, "ASSISTANT_DATA": str(tmp_path), "ASSISTANT_CACHE": str(tmp_path / "cache")}
    plan = ROOT / "tests" / "plans" / "qujing-city-transport.txt"
    out = subprocess.run([sys.executable, "-m", "assistant", "ingest", str(plan)], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "曲政办发〔2024〕45号" in out.stdout and "事项" in out.stdout
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "--json", "曲靖农村公路养护谁出钱？"], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    result = json.loads(out.stdout)
    assert result["status"] == "answered" and result["citations"][0]["doc_id"] == "qujing-city-transport"
    assert {f["payer"] for f in result["findings"]} == {"县（市、区）"}


def test_suggestions_come_from_the_plan_that_answers(engine_all):
    """A question about the transport plan that it cannot answer suggests that plan's own matters."""
    result, _ = engine_all.ask("曲靖市城市公共停车场建设谁出钱？")
    assert result["status"] == "not_listed" and result["suggestions"]
    transport = next(ix for ix in engine_all.indexes if ix.doc_id == "qujing-city-transport")
    names = [m["name"] for m in transport.rules["matters"]]
    asked = [s for s in result["suggestions"] if "方案" not in s and "哪些事项" not in s]
    assert asked and all(any(n in s for n in names) for s in asked)
    result, _ = engine_all.ask("今天天气怎么样？")
    assert result["status"] == "out_of_scope"
    assert all(f"《{m['title']}》" in result["answer"] for m in engine_all.documents())


def test_several_plans_answer_a_question_that_names_none(engine_all):
    """Without the default plan among them, the user is asked which plan (options that route by the
    plan's place); with it, the default plan answers and names the others as options."""
    result, context = engine_all.ask("规划编制谁出钱？")
    assert result["status"] == "clarify" and result["findings"] == []
    labels = [o["label"] for o in result["options"]]
    assert len(labels) >= 2 and all(label.startswith("《") for label in labels)
    titles = {m["doc_id"]: m["title"] for m in engine_all.documents()}
    answered = 0
    for n, option in enumerate(result["options"], 1):   # each option goes to its plan, tapped or asked again
        picked, _ = engine_all.ask(str(n), context)
        again, _ = engine_all.ask(option["question"])
        cited = {c["doc_id"] for c in again["citations"]}
        assert picked["status"] == again["status"] and {c["doc_id"] for c in picked["citations"]} == cited
        assert len(cited) == 1 and option["label"] == f"《{titles[cited.pop()]}》", (option, again["answer"])
        answered += again["status"] == "answered"
    assert answered >= 2
    result, _ = engine_all.ask("宣传教育谁出钱？")
    assert result["status"] == "answered"
    assert {c["doc_id"] for c in result["citations"]} == {"qinzhou-ip-fiscal-plan-2025"}
    assert any("江西省生态环境" in o["label"] for o in result["options"])


OWN_NAME_PLAN = """某市应急管理领域市与县区财政事权和支出责任划分改革实施方案

一、主要内容

将特别重大自然灾害调查评估，确认为市级财政事权，由市级承担支出责任。

将其他事故调查处理，确认为县区财政事权，由县区承担支出责任。

将自然灾害调查评估，确认为县区财政事权，由县区承担支出责任。
"""


def test_the_matter_whose_whole_name_is_asked_answers(tmp_path):
    """Three matters explain 自然灾害/调查/评估 and disagree on who pays: the one the question names
    whole answers; a qualifier it does not say (特别重大) makes the others different work."""
    plan = tmp_path / "own-name.txt"
    plan.write_text(OWN_NAME_PLAN, encoding="utf-8")
    env = {"ASSISTANT_DATA": str(tmp_path / "d"), "ASSISTANT_CACHE": str(tmp_path / "c")}
    ingest(plan, load_settings(env=env))
    engine = Assistant.load(settings=load_settings(env=env))
    result, _ = engine.ask("一般的自然灾害发生后做调查评估，这笔开销谁掏")
    assert result["status"] == "answered"
    assert [(f["matter"], f["payer"]) for f in result["findings"]] == [("自然灾害调查评估", "县区")]
    result, _ = engine.ask("特别重大自然灾害调查评估谁出钱")
    assert [(f["matter"], f["payer"]) for f in result["findings"]] == [("特别重大自然灾害调查评估", "市")]


PEER_PLANS = {
    "central-health": "医疗卫生领域中央与地方财政事权和支出责任划分改革方案\n\n一、主要内容\n\n"
                      "将计划生育家庭特别扶助，确认为中央与地方共同财政事权，由中央与地方共同承担支出责任。\n\n"
                      "将中医药事业传承，确认为地方财政事权，由地方承担支出责任。\n",
    "central-eco": "生态环境领域中央与地方财政事权和支出责任划分改革方案\n\n一、主要内容\n\n"
                   "将全国性生态环境规划编制，确认为中央财政事权，由中央承担支出责任。\n",
    "city-health": "咸宁市医疗卫生领域市与县区财政事权和支出责任划分改革实施方案\n\n一、主要内容\n\n"
                   "将市级医院能力建设，确认为市级财政事权，由市级承担支出责任。\n",
}


def test_a_plan_of_the_same_field_without_the_level_asked_about_is_no_other_choice(tmp_path):
    """Only the 中央/地方 health plan lists the work; the city's health plan has no 中央, so "中央…" asks
    nothing of it (answered), while a question naming no level still asks which plan."""
    env = {"ASSISTANT_DATA": str(tmp_path / "d"), "ASSISTANT_CACHE": str(tmp_path / "c")}
    for stem, text in PEER_PLANS.items():
        (tmp_path / f"{stem}.txt").write_text(text, encoding="utf-8")
        ingest(tmp_path / f"{stem}.txt", load_settings(env=env), doc_id=stem)
    engine = Assistant.load(settings=load_settings(env=env))
    result, _ = engine.ask("计划生育家庭特别扶助中央出多少？")
    assert result["status"] != "clarify" and {c["doc_id"] for c in result["citations"]} == {"central-health"}
    result, _ = engine.ask("计划生育家庭特别扶助谁出钱？")
    assert result["status"] == "clarify" and result["options"]


def test_the_plans_own_city_is_not_its_county_of_the_same_name(tmp_path):
    """铁岭市 has a 铁岭县: "铁岭…" in a question about 铁岭市's plan names the plan's place, not the county."""
    plan = tmp_path / "tieling.txt"
    plan.write_text("铁岭市公共文化领域市与县（市）区财政事权和支出责任划分改革实施方案\n\n一、主要内容\n\n"
                    "将市级图书馆运行，确认为市级财政事权，由市级承担支出责任。\n\n"
                    "将县（市）区图书馆运行，确认为县（市）区财政事权，由县（市）区承担支出责任。\n", encoding="utf-8")
    env = {"ASSISTANT_DATA": str(tmp_path / "d"), "ASSISTANT_CACHE": str(tmp_path / "c")}
    ingest(plan, load_settings(env=env), doc_id="tieling")
    engine = Assistant.load(settings=load_settings(env=env))
    result, _ = engine.ask("铁岭图书馆运行谁出钱？")
    assert sorted(f["payer"] for f in result["findings"]) == ["县（市、区）", "市"]
    result, _ = engine.ask("铁岭县的图书馆运行谁出钱？")
    assert [f["payer"] for f in result["findings"]] == ["县（市、区）"]
