"""BM25 through postings keeps BM25Plus's scores; segmentation keeps domain words whole."""
from __future__ import annotations

import random

import pytest
from rank_bm25 import BM25Okapi, BM25Plus

from assistant.document.index import BM25

WORDS = ["专利导航", "知识产权", "质押融资", "保护中心", "作品登记", "县区", "市", "建设", "地理标志", "维权援助"]


@pytest.mark.parametrize("seed", range(20))
def test_scores_are_bm25plus_minus_its_constant(seed):
    rng = random.Random(seed)
    units = [[rng.choice(WORDS) for _ in range(rng.randint(1, 8))] for _ in range(rng.randint(2, 40))]
    query = [rng.choice(WORDS) for _ in range(rng.randint(1, 4))]
    ours = BM25(units).scores(query)
    model = BM25Plus(units)
    reference = model.get_scores(query)
    constant = sum((model.idf.get(q) or 0) * model.delta for q in query)   # what every unit gets
    for i, score in enumerate(reference):
        assert ours.get(i, 0.0) + constant == pytest.approx(score)


def test_small_corpus_term_in_half_the_units_still_scores():
    units = [["专利导航", "县区"], ["质押融资", "市"]]
    assert BM25Okapi(units).get_scores(["专利导航"])[0] == 0  # the pitfall: Okapi's IDF is 0 here
    assert BM25(units).top(["专利导航"]) == [(0, pytest.approx(BM25(units).scores(["专利导航"])[0]))]


def test_ties_rank_by_position():
    units = [["作品登记"], ["作品登记"], ["作品登记"]]
    assert [i for i, _ in BM25(units).top(["作品登记"])] == [0, 1, 2]


@pytest.mark.parametrize("text,word", [("钦南区建设的知识产权保护中心谁出钱", "知识产权保护中心"),
                                       ("版权登记谁负责", "著作权"), ("专利导航，县区出钱吗？", "专利导航")])
def test_domain_words_stay_whole(engine, text, word):
    words = engine.tokenizer.words(engine.lexicon.canonicalize(text))
    assert word in words
    assert not any(w in "，。？！ " for w in words)


@pytest.mark.parametrize("text,joined", [
    ("去版权部门备个案", "去版权部门备案"),          # a separable verb (vocabulary.yaml separable)
    ("作品登了记", "作品登记"),
    ("县里的专利导航", "县里的专利导航"),
    ("县区统计局帮忙", "县区统计局帮忙"),
])
def test_split_terms_are_rejoined(engine, text, joined):
    assert engine.lexicon.rejoin(text) == joined


@pytest.mark.parametrize("text,canonical", [
    ("县区统计局帮忙做的统计", "县区统计局帮忙做的统计调查分析发布"),   # no lengthening before an office's suffix
])
def test_no_variant_inside_an_office_name(engine, text, canonical):
    assert engine.lexicon.canonicalize(text) == canonical


def test_abbreviations_are_spelled_out_only_where_they_stand_alone(engine):
    """catalog.abbreviations: a loaded plan's two-word names shortened (作登 of 作品登记); never a pair of
    characters that spans two words of the question (学知 of 大学|知识产权)."""
    from assistant.question.frame import spell_out

    short = engine.catalog.abbreviations
    assert short.get("作登") == "作品登记" and "公文" not in short
    assert spell_out("县里作登谁出钱", short, engine.tokenizer) == "县里作品登记谁出钱"
    assert spell_out("大学知识产权学院", short, engine.tokenizer) == "大学知识产权学院"
