"""The per-field thesaurus (assistant/data/thesaurus.yaml): reviewed paraphrases, each with the case
that motivated it, applied only while a plan of that field is loaded."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import PACKAGE_DATA, load_settings, yaml_load
from assistant.document.ingest import ingest
from assistant.engine import Assistant
from assistant.language.lexicon import load_lexicon

THESAURUS = yaml_load((PACKAGE_DATA / "thesaurus.yaml").read_text(encoding="utf-8"))
ENTRIES = [(field, e) for field, entries in THESAURUS.items() for e in entries]


def test_an_entry_applies_only_to_its_field():
    lex = load_lexicon()
    assert lex.for_fields({"知识产权"}).canonicalize("地理标志推广") == "地理标志运用促进"
    assert lex.for_fields({"交通运输"}).canonicalize("地理标志推广") == "地理标志推广"
    assert lex.canonicalize("地理标志推广") == "地理标志推广"


def test_a_variant_spelled_out_from_an_abbreviation_is_read_too():
    # 地标 → 地理标志 first; the variant 保护地理标志 appears only then
    lex = load_lexicon().for_fields({"知识产权"})
    assert lex.canonicalize("打击冒用、保护地标产品") == "打击冒用、地理标志保护产品"
    assert lex.canonicalize("地理标志保护") == "地理标志保护"


# A term said with a few words inside it (vocabulary.yaml `gap`): (user's words, as read)
GATHERED = [
    ("钦南区查处商标侵权的案子", "钦南区商标执法的案子"),            # 查处…侵权: the inside words go before the term
    ("商标代理这些中介机构的监管", "商标这些中介服务业监管的监管"),   # 代理…机构 (4 inside), then none left to gather
    ("查处商标和专利侵权", "查处商标和专利侵权"),                  # a coordination inside: two things, not one term
    ("查处本地企业申报的专利侵权", "查处本地企业申报的专利侵权"),    # more than four characters inside
    ("不涉外的知识产权纠纷应对", "不涉外的知识产权纠纷应对"),      # right after a negation: 不 stays beside 涉外
    ("是不是查处商标侵权的案子", "是不是商标执法的案子"),          # after any other word it is read
    ("维权热线中心", "维权热线中心"),                              # before a generic head noun only 的: another body
    ("人才公寓建设", "人才公寓建设"),                              # 人才 is read only where a phrase ends
    ("网络安全防护", "网络安全防护"),                              # a term said whole holds no other (网络…防护)
    ("专利转移转化促进", "专利转移转化促进"),                      # nor does its end start one (专利…转化)
]


@pytest.mark.parametrize("said,read", GATHERED)
def test_a_term_said_with_words_inside_it_is_read_whole(said: str, read: str) -> None:
    assert load_lexicon().for_fields({"知识产权"}).gather(said) == read


TEST_PLANS = sorted((Path(__file__).parent / "plans").glob("*.txt"))


@pytest.mark.parametrize("field,entry", ENTRIES, ids=[e["case"][:12] for _, e in ENTRIES])
def test_each_entry_answers_the_case_that_motivated_it(engine, tmp_path, field, entry):
    """Every entry carries its case; on a plan of its field (the seed plan for 知识产权, else a test plan
    whose title names the field) that case gets a verdict now."""
    assert entry["case"] and entry["variants"] and entry["canonical"]
    if field != "知识产权":
        plan = next(p for p in TEST_PLANS if field in p.read_text(encoding="utf-8")[:300])
        env = {"ASSISTANT_DATA": str(tmp_path / "d"), "ASSISTANT_CACHE": str(tmp_path / "c")}
        ingest(plan, load_settings(env=env))
        engine = Assistant.load(settings=load_settings(env=env))
    question = entry["case"].split("（")[0]
    result, _ = engine.ask(question)
    assert result["status"] == "answered" and result["findings"], result["answer"]
