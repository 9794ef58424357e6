"""Teachings (assistant/helpdesk/teach.py) with the real engine and rules: a taught phrasing is answered with
its matter's verdict and verbatim quote through the ordinary decision, close variants too; a teaching can
never produce a verdict the rules do not contain; changed cases need a confirmation; users' picks become
candidates that count only once approved; export and import reproduce the answers."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.config import Settings, load_settings
from assistant.document.ingest import ingest
from assistant.engine import Assistant
from assistant.evaluate import evaluate, lead_word
from assistant.helpdesk.teach import (CandidateListener, NeedsConfirm, Teacher, TeachError, TeachStore, Teaching,
                                      TaughtSource, attach, case_files, compile_taught, summary)
from assistant.service.api import Answerer
from assistant.service.inputs import picked_option, picked_pair
from assistant.service.sessions import open_state

ROOT = Path(__file__).resolve().parent.parent
SEED = "qinzhou-ip-fiscal-plan-2025"
ASKED = "县里搞软件合规检查的钱谁出？"          # not listed today: 软件正版化工作组织推进 in staff's words
MATTER = "软件正版化工作组织推进"


def quotes(engine: Assistant, matter_id: str) -> dict[str, str]:
    """The rules' verbatim quote of each level's outcome of a matter."""
    matter = next(e.matter for e in engine.index_of(SEED).matters if e.matter["id"] == matter_id)
    return {o["level"]: o["quote"] for o in matter["outcomes"]}


@pytest.fixture
def desk(engine: Assistant, tmp_path: Path):
    """A copy of the loaded engine (the session's own stays untaught) reading teachings from a fresh SQLite
    state, and its Teacher; no case files (the tests that check cases give theirs)."""
    eng = engine.with_teachings(None)
    state = open_state(None, tmp_path, cleanup_seconds=None)
    source = attach(eng, state, min_interval=0.0)
    yield eng, Teacher(eng, source.store, source, [])
    state.close()


def test_a_link_answers_the_phrasing_and_its_close_variants_from_the_rules(desk) -> None:
    eng, teacher = desk
    before, _ = eng.ask(ASKED)
    assert before["status"] == "not_listed" and before["findings"] == []

    proposal = teacher.teach("link", ASKED, matter="m26", who="李四")
    t = proposal.teaching
    assert t.phrasing == "软件合规检查" and t.status == "active" and t.who == "李四" and t.level is None
    assert proposal.before["status"] == "not_listed" and proposal.after["status"] == "answered"

    rules = quotes(eng, "m26")
    result, _ = eng.ask(ASKED)
    assert result["status"] == "answered"
    assert [(f["matter"], f["payer"]) for f in result["findings"]] == [(MATTER, "县区")]
    assert [c["quote"] for c in result["citations"]] == [rules["县区"]]
    # Close variants: another level, a yes/no claim, no level at all — each level from the question itself.
    claim, _ = eng.ask("软件合规检查是不是市里出？")
    assert lead_word(claim["answer"]) == "是" and {f["payer"] for f in claim["findings"]} == {"市"}
    assert [c["quote"] for c in claim["citations"]] == [rules["市"]]
    city, _ = eng.ask("市里的软件合规检查谁出钱")
    assert [(f["matter"], f["payer"]) for f in city["findings"]] == [(MATTER, "市")]
    both, _ = eng.ask("软件合规检查归谁管？")
    assert {f["payer"] for f in both["findings"]} == {"市", "县区"}
    assert {c["quote"] for c in both["citations"]} == set(rules.values())
    # A question that says more than the phrasing (another kind of spending, another matter) is left to the
    # ordinary matching: no look-alike verdict borrowed through the teaching.
    for more in ("软件合规检查补贴谁出钱", "县里搞专利导航和软件合规检查评比的钱谁出？"):
        trace = eng.explain(more)
        assert trace["answer"]["status"] == "not_listed", more
        assert all(c["evidence"] == "words" for c in trace["plans"][0]["candidates"])


def test_explain_shows_the_taught_evidence_with_the_teaching_id(desk) -> None:
    eng, teacher = desk
    t = teacher.teach("link", ASKED, matter="m26").teaching
    trace = eng.explain("市里的软件合规检查谁出钱")
    (candidate,) = trace["plans"][0]["candidates"]
    assert candidate["evidence"] == "taught" and candidate["teaching"] == t.id and candidate["id"] == "m26"
    plain = eng.explain("市里的专利导航谁出钱")["plans"][0]["candidates"]
    assert [(c["matter"], c["evidence"]) for c in plain] == [("专利导航", "words")] and "teaching" not in plain[0]


def test_undo_restores_the_old_answer(desk) -> None:
    eng, teacher = desk
    before, _ = eng.ask(ASKED)
    t = teacher.teach("link", ASKED, matter="m26").teaching
    assert eng.ask(ASKED)[0]["status"] == "answered"
    undone = teacher.undo(t.id)
    assert undone.status == "undone"
    assert eng.ask(ASKED)[0] == before
    with pytest.raises(TeachError) as err:
        teacher.undo(t.id)
    assert err.value.status == 404


def test_unknown_matters_and_levels_the_matter_lacks_are_refused(desk) -> None:
    eng, teacher = desk
    for matter in ("m99", "专利地图绘制"):
        with pytest.raises(TeachError) as err:
            teacher.teach("link", ASKED, matter=matter)
        assert err.value.status == 404 and "没有事项" in err.value.message
    # 行政裁决 (m24) is the city's only: a teaching cannot give it a county verdict.
    with pytest.raises(TeachError) as err:
        teacher.teach("link", "县里的侵权纠纷裁决谁出钱", matter="m24", level="县区")
    assert err.value.code == "unknown_level" and "只有：市级" in err.value.message
    assert teacher.store.list() == []


def test_a_teaching_stored_without_checks_still_gives_no_verdict_the_rules_lack(desk, engine) -> None:
    """A row written behind the validation (an edited file, another version's rules) is checked again when
    the teachings are compiled: a level the matter lacks, a matter the rules lack are left out."""
    eng, teacher = desk
    question = "县里的侵权纠纷裁决谁出钱"
    before, _ = eng.ask(question)
    bad = [Teaching(id="tbad1", kind="link", phrasing="侵权纠纷裁决", question=question, doc_id=SEED,
                    matter_id="m24", level="县区", when="2025-01-01T00:00:00Z"),
           Teaching(id="tbad2", kind="link", phrasing="侵权纠纷裁决", question=question, doc_id=SEED,
                    matter_id="m99", when="2025-01-01T00:00:00Z")]
    for t in bad:
        teacher.store.put(t)
    assert compile_taught(eng, teacher.store.active(), 1).aliases == {}
    after, _ = eng.ask(question)
    assert after == before
    assert all(f["level"] != "县区" for f in after["findings"] if f["matter"] == "知识产权侵权纠纷的行政裁决")


def test_cross_plan_links_are_refused(tmp_path: Path) -> None:
    settings = load_settings(env={"ASSISTANT_DATA": str(tmp_path / "data"), "ASSISTANT_CACHE": str(tmp_path / "c")})
    for path in (ROOT / "corpus" / f"{SEED}.txt", ROOT / "tests" / "plans" / "huitong-county-health.txt"):
        ingest(path, settings)
    eng = Assistant.load(settings=settings)
    state = open_state(None, tmp_path, cleanup_seconds=None)
    source = attach(eng, state, min_interval=0.0)
    teacher = Teacher(eng, source.store, source, [])
    # A matter of the county health plan, for a phrasing taught for the IP plan.
    with pytest.raises(TeachError) as err:
        teacher.teach("link", "县里搞孕前体检的钱谁出", matter="免费孕前优生健康检查", doc_id=SEED)
    assert err.value.code == "cross_plan" and "会同县" in err.value.message
    # A question about 会同县's plan linked to the IP plan's matter.
    with pytest.raises(TeachError) as err:
        teacher.teach("link", "会同县的专利地图谁出钱", matter="专利导航", doc_id=SEED)
    assert err.value.code == "cross_plan"
    # An id both plans have names no one matter.
    with pytest.raises(TeachError) as err:
        teacher.teach("link", "县里搞孕前体检的钱谁出", matter="m05")
    assert "多份方案" in err.value.message
    assert teacher.store.list() == []
    # The same matter with its own plan is fine.
    t = teacher.teach("link", "县里搞孕前体检的钱谁出", matter="免费孕前优生健康检查",
                      doc_id="huitong-county-health").teaching
    assert t.doc_id == "huitong-county-health" and t.matter_id == "m05"
    result, _ = eng.ask("会同县里搞孕前体检的钱谁出")
    assert {f["matter"] for f in result["findings"]} == {"免费孕前优生健康检查"}
    state.close()


def test_a_teaching_that_changes_existing_answers_needs_a_confirmation(desk) -> None:
    """"县里采购正版软件谁出钱" → 软件正版化… would also answer n-019 ("机关单位采购正版软件的钱…", which the
    plan does not list): the admin sees that case before anything is saved."""
    eng, teacher = desk
    teacher.cases = [ROOT / "tests" / "cases" / "qinzhou-natural.yaml"]
    with pytest.raises(NeedsConfirm) as err:
        teacher.teach("link", "县里采购正版软件谁出钱", matter="m26")
    changes = err.value.proposal.changes
    assert [c["case"] for c in changes] == ["qinzhou-natural:n-019"]
    assert changes[0]["before"]["status"] == "not_listed" and changes[0]["after"]["status"] == "answered"
    assert err.value.proposal.checked > 180
    assert teacher.store.active() == ()
    assert eng.ask(changes[0]["question"])[0]["status"] == "not_listed"
    saved = teacher.teach("link", "县里采购正版软件谁出钱", matter="m26", confirm=True)
    assert saved.changes and teacher.store.active()[0].id == saved.teaching.id
    # The teachings' own questions are cases too: teaching the narrower phrasing now changes nothing new.
    assert eng.ask("县里采购正版软件谁出钱")[0]["status"] == "answered"


def test_marked_not_listed_answers_not_listed_without_look_alikes(desk) -> None:
    eng, teacher = desk
    question = "县里的商标工作站谁出钱"
    assert eng.ask(question)[0]["options"]               # today: "您问的是不是：商标品牌指导站建设"
    t = teacher.teach("not_listed", question).teaching
    assert t.kind == "not_listed" and t.phrasing == "商标工作站" and t.matter_id is None
    for variant in (question, "商标工作站是不是市里出"):
        result, _ = eng.ask(variant)
        assert result["status"] == "not_listed" and result["findings"] == [] and result["options"] == []
    assert eng.explain(question)["decision"]["taught_not_listed"] == t.id
    listed, _ = eng.ask("县里的商标品牌指导站谁出钱")
    assert listed["status"] == "answered" and listed["findings"][0]["matter"] == "商标品牌指导站建设"
    # The plan's own words cannot be taught away.
    with pytest.raises(TeachError) as err:
        teacher.teach("not_listed", "县里的专利导航谁出钱")
    assert err.value.code == "names_listed_matter"


def test_a_taught_synonym_reads_the_user_word_as_the_plan_word(desk) -> None:
    eng, teacher = desk
    question = "县里的讨说法帮扶谁出钱"
    assert eng.ask(question)[0]["status"] != "answered"
    t = teacher.teach("synonym", question, word="讨说法帮扶", means="维权援助").teaching
    assert (t.kind, t.word, t.means) == ("synonym", "讨说法帮扶", "维权援助")
    result, _ = eng.ask(question)
    assert [(f["matter"], f["payer"]) for f in result["findings"]] == [("维权援助", "县区")]
    with pytest.raises(TeachError) as err:      # not the plan's word
        teacher.teach("synonym", "县里的讨说法谁出钱", word="讨说法", means="打赢官司")
    assert "不是" in err.value.message and "原文中的词" in err.value.message
    with pytest.raises(TeachError) as err:      # a word of the plan would change how the plan reads
        teacher.teach("synonym", "县里的专利谁出钱", word="专利", means="维权援助")
    assert "原文中出现" in err.value.message


def test_phrasings_that_are_empty_too_general_or_taught_already_are_refused(desk) -> None:
    eng, teacher = desk
    with pytest.raises(TeachError) as err:
        teacher.teach("link", "县里谁出钱？", matter="m26")
    assert "没有可以教的说法" in err.value.message
    with pytest.raises(TeachError) as err:
        teacher.teach("link", "县里的保护工作谁出钱", matter="m15")
    assert "太笼统" in err.value.message
    t = teacher.teach("link", ASKED, matter="m26").teaching
    with pytest.raises(TeachError) as err:
        teacher.teach("link", "市里的软件合规检查谁出钱", matter="m26")
    assert err.value.status == 409 and t.id in err.value.message
    with pytest.raises(TeachError) as err:
        teacher.teach("not_listed", ASKED)
    assert err.value.code == "conflict"


def test_a_taught_level_applies_only_where_the_question_names_none(desk) -> None:
    eng, teacher = desk
    teacher.teach("link", "软件合规检查谁出钱", matter="m26", level="市")
    alone, _ = eng.ask("软件合规检查由谁承担？")
    assert [(f["matter"], f["payer"]) for f in alone["findings"]] == [(MATTER, "市")]
    named, _ = eng.ask("县里的软件合规检查谁出钱")       # the question's own level wins
    assert [f["payer"] for f in named["findings"]] == ["县区"]


def test_users_picks_are_candidates_until_an_admin_approves(desk) -> None:
    eng, teacher = desk
    question = "专利地图是不是市里出"
    first, context = eng.ask(question)
    assert first["status"] == "not_listed" and first["options"][0]["label"] == "专利导航"
    assert context["asked"] == question
    tapped, after = eng.ask(first["options"][0]["question"], context)
    assert picked_option(first["options"][0]["question"], context) and picked_option("1", context)
    pair = picked_pair("1", context, after, tapped)
    assert pair == {"question": question, "doc_id": SEED, "matter_id": "m12"}
    assert picked_pair("专利导航谁出钱", context, after, tapped) is None       # typed, not picked

    listener = CandidateListener(lambda: teacher)
    listener({"picked": pair})
    listener({"picked": pair})
    listener({"question": "no pick"})
    (c,) = teacher.store.list("candidate")
    assert (c.phrasing, c.matter_id, c.count, c.status) == ("专利地图", "m12", 2, "candidate")
    assert eng.ask(question)[0]["status"] == "not_listed"          # nothing is learned before approval

    approved = teacher.approve(c.id, who="王五").teaching
    assert approved.status == "active" and approved.who == "王五" and approved.count == 2
    direct, _ = eng.ask(question)
    assert lead_word(direct["answer"]) == "是" and [f["matter"] for f in direct["findings"]] == ["专利导航"]

    listener({"picked": {"question": "县里的商标工作站谁出钱", "doc_id": SEED, "matter_id": "m14"}})
    (other,) = teacher.store.list("candidate")
    assert teacher.reject(other.id).status == "rejected"
    assert teacher.store.list("candidate") == []
    with pytest.raises(TeachError):
        teacher.approve(other.id)
    listener.close()


def test_a_second_worker_follows_the_revision_and_its_answer_cache_is_dropped(engine, tmp_path: Path) -> None:
    """Two engines on one database (two workers): one teaches, the other's NamespaceCache notices the
    revision (here without waiting: interval 0) and recompiles; its Answerer drops the cached answers."""
    state_a = open_state(None, tmp_path, cleanup_seconds=None)
    state_b = open_state(None, tmp_path, cleanup_seconds=None)
    a, b = engine.with_teachings(None), engine.with_teachings(None)
    source_a, source_b = attach(a, state_a, min_interval=0.0), attach(b, state_b, min_interval=0.0)
    answerer = Answerer(b)
    before = answerer.ask(ASKED, None)[0]
    assert before["status"] == "not_listed" and answerer.ask(ASKED, None)[0] is before     # cached
    version = source_b.current().version
    Teacher(a, source_a.store, source_a, []).teach("link", ASKED, matter="m26")
    after = answerer.ask(ASKED, None)[0]
    assert after["status"] == "answered" and source_b.current().version != version
    # A worker that trusts its copy for a while sees the change once the interval has passed.
    slow = TaughtSource(engine.with_teachings(None), TeachStore(state_b), min_interval=3600.0)
    assert len(slow.current().teachings) == 1
    state_a.close()
    state_b.close()


def test_export_and_import_reproduce_the_answers_and_the_export_is_a_case_file(desk, engine, tmp_path: Path) -> None:
    eng, teacher = desk
    teacher.teach("link", ASKED, matter="m26", who="李四")
    teacher.teach("link", "全市统一的专利地图是不是市里出", matter="m12", level="市")
    teacher.teach("not_listed", "县里的商标工作站谁出钱")
    teacher.teach("synonym", "县里的打官司帮扶谁出钱", word="打官司帮扶", means="维权援助")
    text = teacher.export()
    entries = yaml.safe_load(text)
    assert [e["kind"] for e in entries] == ["link", "link", "not_listed", "synonym"]
    first = entries[0]
    assert first["matter"] == "m26" and first["matter_name"] == MATTER and first["question"] == ASKED
    assert first["expect"] == {"status": "answered", "matters": [MATTER], "levels": ["县区"], "payers": ["县区"],
                               "anchors": ["二（四）第2段"]}
    assert entries[1]["expect"]["lead"] == "是" and entries[1]["level"] == "市"
    assert entries[2]["expect"] == {"status": "not_listed", "payers": []}
    questions = [e["question"] for e in entries]
    answers = [eng.ask(q)[0] for q in questions]

    fresh = engine.with_teachings(None)
    state = open_state(None, tmp_path / "fresh", cleanup_seconds=None)
    source = attach(fresh, state, min_interval=0.0)
    other = Teacher(fresh, source.store, source, [])
    report = evaluate(fresh, entries, baseline=False)
    assert report["correct"] < len(entries)                    # without the teachings the cases fail
    done = other.import_text(text)
    assert [t.id for t in done] == [e["id"] for e in entries]
    assert [fresh.ask(q)[0] for q in questions] == answers
    report = evaluate(fresh, entries, baseline=False)
    assert report["correct"] == len(entries) and report["wrong_verdicts"] == 0, report["failures"]
    assert other.import_text(text) == []                       # importing again adds nothing
    state.close()


def test_an_import_with_an_entry_the_rules_refuse_saves_nothing(desk) -> None:
    eng, teacher = desk
    entries = [{"id": "tok1", "kind": "link", "doc": SEED, "matter": "m26", "question": ASKED},
               {"id": "tbad", "kind": "link", "doc": SEED, "matter": "m24", "level": "县区",
                "question": "县里的侵权纠纷裁决谁出钱"}]
    with pytest.raises(TeachError) as err:
        teacher.import_text(yaml.safe_dump(entries, allow_unicode=True))
    assert "第 2 条" in err.value.message and "tbad" in err.value.message
    assert teacher.store.list() == []


def test_case_files_are_the_data_folders_own_else_the_projects(tmp_path: Path) -> None:
    assert case_files(Settings(cache_dir=tmp_path)) == sorted((ROOT / "tests" / "cases").glob("*.yaml"))
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "mine.yaml").write_text("[]", encoding="utf-8")
    assert case_files(Settings(data_dir=tmp_path, cache_dir=tmp_path)) == [tmp_path / "cases" / "mine.yaml"]


def test_summary_is_what_changes_are_compared_on(engine) -> None:
    result, _ = engine.ask("市里的专利导航谁出钱")
    s = summary(result)
    assert s["status"] == "answered" and s["findings"] == [{"matter": "专利导航", "level": "市", "payer": "市"}]
    assert s["anchors"] == ["二（三）第3段"]


def test_teachings_on_postgresql(engine, tmp_path: Path) -> None:
    """The same table and revision on PostgreSQL (ASSISTANT_DB_URL): two hosts, one teaches, the other answers."""
    from _pgserver import shared_server

    url = shared_server().create_database()
    state_a, state_b = open_state(url, tmp_path / "a", cleanup_seconds=None), open_state(url, tmp_path / "b",
                                                                                          cleanup_seconds=None)
    a, b = engine.with_teachings(None), engine.with_teachings(None)
    source_a = attach(a, state_a, min_interval=0.0)
    attach(b, state_b, min_interval=0.0)
    teacher = Teacher(a, source_a.store, source_a, [])
    t = teacher.teach("link", ASKED, matter="m26", who="李四").teaching
    assert [(f["matter"], f["payer"]) for f in b.ask(ASKED)[0]["findings"]] == [(MATTER, "县区")]
    teacher.candidate("专利地图是不是市里出", SEED, "m12")
    teacher.candidate("专利地图是不是市里出", SEED, "m12")
    assert [(c.phrasing, c.count) for c in TeachStore(state_b).list("candidate")] == [("专利地图", 2)]
    teacher.undo(t.id)
    assert b.ask(ASKED)[0]["status"] == "not_listed"
    state_a.close()
    state_b.close()
