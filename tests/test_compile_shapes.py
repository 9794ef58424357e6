"""Rule sentences in the shapes real plans use, each compiled from a short text of our own."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.document.compile import compile_document
from assistant.evaluate import check
from assistant.document.parse import parse

WRAPPER = "某某市{field}领域市与区、县(市)财政事权和支出责任划分改革方案\n一、主要内容\n"


def compiled(body: str, field: str = "科技", title: str | None = None) -> tuple[dict, dict]:
    text = (title + "\n一、主要内容\n" if title else WRAPPER.format(field=field)) + body
    return compile_document(parse(text, "shape"))


def outcomes(rules: dict) -> dict[str, list[tuple]]:
    return {m["name"]: [(o["level"], o["payer"]) for o in m["outcomes"]] for m in rules["matters"]}


def test_sentences_that_only_say_who_pays_take_their_sections_joint_authority():
    rules, report = compiled(
        "(一)科技研发。利用财政资金设立的科技计划,确认为市与区、县(市)共同财政事权,由市与区、县(市)财政区分不同情况承担相应的支出责任。\n"
        "1.基础研究。市财政自主设立的基础研究计划,由市财政承担支出责任。各区、县(市)自主设立的基础研究计划,由区、县(市)财政承担支出责任。\n")
    found = outcomes(rules)
    assert "相应的" not in found                                     # how much, not a matter
    assert [lv["name"] for lv in rules["levels"]] == ["市", "县（市、区）"]   # 区、县(市) is one level
    by_payer = {o[1]: name for name, os in found.items() for o in os if len(os) == 1}
    assert "市" in by_payer and "县（市、区）" in by_payer
    for m in rules["matters"]:
        assert all(o["authority"] == "市与县（市、区）共同财政事权" for o in m["outcomes"])
    assert report["uncompiled"] == []


def test_a_payer_sentence_without_any_stated_authority_keeps_the_authority_unstated():
    rules, report = compiled("市财政自主设立的基础研究计划,由市财政承担支出责任。\n")
    (matter,) = rules["matters"]
    assert [(o["payer"], o["authority"]) for o in matter["outcomes"]] == [("市", "")]   # never a made-up 事权
    assert report["uncompiled"] == []


@pytest.mark.parametrize("sentence, level", [
    ("全州性应急救援规划编制、全州总体应急预案编制等事项,为州级财政事权,由州级承担支出责任。", "州"),
    ("研究制定全市应急救援地方标准,全市应急救援规划编制等,為市級財政事權,由市級承擔支出責任。", "市"),
])
def test_short_forms_without_jiang_and_queren(sentence, level):
    title = "某某自治州应急救援领域州与县(市)财政事权和支出责任划分改革方案" if level == "州" else None
    rules, _ = compiled(sentence, field="应急救援", title=title)
    assert rules["matters"] and all(o["payer"] == level for m in rules["matters"] for o in m["outcomes"])


def test_the_titles_levels_count_when_a_levels_sentences_are_missing():
    rules, _ = compiled("将市级应急救援规划编制,确认为市级财政事权,由市级承担支出责任。\n", field="应急救援",
                        title="某某市应急救援领域市与县(区)财政事权和支出责任划分改革实施方案")
    assert [lv["name"] for lv in rules["levels"]] == ["市", "县区"]
    (matter,) = rules["matters"]
    assert matter["outcomes"][0]["scope"] == "市"      # the 市 version of the work only


def engine_for(tmp_path, name: str, text: str):
    from assistant.config import load_settings
    from assistant.engine import Assistant
    from assistant.document.ingest import ingest

    plan = tmp_path / f"{name}.txt"
    plan.write_text(text, encoding="utf-8")
    settings = load_settings(env={"ASSISTANT_DATA": str(tmp_path / "data"), "ASSISTANT_CACHE": str(tmp_path / "cache")})
    ingest(plan, settings)
    return Assistant.load(settings=settings)


def test_another_levels_version_of_a_matter_is_not_listed(tmp_path):
    """The plan lists only 市级 planning (its county sentence was cut off the page): a county's
    planning is not listed — never answered with the city's verdict."""
    engine = engine_for(tmp_path, "guangyuan-emergency",
                        "广元市应急救援领域市与县(区)财政事权和支出责任划分改革实施方案\n一、主要内容\n"
                        "将市级应急救援规划编制,市级部门应急预案编制,确认为市级财政事权,由市级承担支出责任。\n"
                        "应急救援领域其他未列事项,按照本方案确定的原则研究确定。\n")
    for question in ("苍溪县的应急救援规划编制谁出钱？", "县级应急救援规划编制谁出钱？", "县区部门应急预案编制谁出钱？"):
        result, _ = engine.ask(question)
        assert result["status"] != "answered" and not result["findings"], question
    result, _ = engine.ask("市级应急救援规划编制谁出钱？")
    assert result["status"] == "answered" and {f["payer"] for f in result["findings"]} == {"市"}


def test_a_clause_after_a_semicolon_that_states_its_own_rule_is_compiled():
    rules, _ = compiled("州级应急物资储备库的建设和运行,确认为州级财政事权,由州级承担支出责任;"
                        "县(市)应急物资储备库的建设和运行,确认为县(市)财政事权,由县(市)承担支出责任。\n",
                        field="应急救援", title="某某自治州应急救援领域州与县(市)财政事权和支出责任划分改革方案")
    payers = sorted(o["payer"] for m in rules["matters"] for o in m["outcomes"])
    assert payers == ["县（市、区）", "州"]


def test_a_split_by_ratio_without_the_words_zhichu_zeren():
    rules, _ = compiled("(一)科技研发。科技计划,确认为市与区、县(市)共同财政事权,由市与区、县(市)财政区分不同情况承担相应的支出责任。\n"
                        "3.企业研发投入补助。对企业研究开发费用的财政后补助,由市与区、县(市)财政按3:7比例分担。\n")
    (m,) = [m for m in rules["matters"] if "后补助" in m["name"]]
    assert [o["payer"] for o in m["outcomes"]] == ["市与县（市、区）共同"]


def test_a_paragraph_about_paying_that_compiled_into_no_rule_answers_no_payer_question(tmp_path):
    engine = engine_for(tmp_path, "some-transport",
                        "某某市交通运输领域市与县区财政事权和支出责任划分改革实施方案\n一、公路\n"
                        "（一）国家高速公路。国家高速公路沿线服务设施的规划布局，按照有关规定统筹研究。\n"
                        "二、水路\n将内河航道养护,确认为县区财政事权,由县区承担支出责任。\n")
    result, _ = engine.ask("国家高速公路沿线服务设施规划布局谁出钱？")
    assert result["status"] != "answered" and not result["findings"]
    assert "服务设施" in result["citations"][0]["quote"] and "不涉及" not in result["answer"]


def test_who_pays_without_a_stated_authority_is_answered_as_such(tmp_path):
    """"市级财政承担…的财政支出责任": the plan says who pays and not whose 事权 it is; the answer
    says exactly that, and no 事权 is made up."""
    engine = engine_for(tmp_path, "payer-first",
                        "某某市交通运输领域市与县区财政事权和支出责任划分改革实施方案\n一、公路\n"
                        "（一）国家高速公路。市级财政承担国家高速公路建设外部环境保障组织协调的财政支出责任，"
                        "县区财政承担具体事项执行实施的财政支出责任。\n"
                        "（二）普通国道。辖区内普通国道的建设、养护、管理等职责的财政支出责任由市与县区共同承担。\n")
    result, _ = engine.ask("国家高速公路建设外部环境保障组织协调谁出钱？")
    assert result["status"] == "answered" and {f["payer"] for f in result["findings"]} == {"市"}
    assert all(f["authority"] == "" for f in result["findings"]) and "未写明该事项的财政事权" in result["answer"]
    result, _ = engine.ask("普通国道养护谁出钱？")
    assert {f["payer"] for f in result["findings"]} == {"市与县区共同"}


def test_a_plan_that_states_no_wenhao_is_never_given_one(tmp_path):
    engine = engine_for(tmp_path, "no-number",
                        "某某市应急救援领域市与县区财政事权和支出责任划分改革实施方案\n一、主要内容\n"
                        "将市级应急救援规划编制,确认为市级财政事权,由市级承担支出责任。\n")
    result, _ = engine.ask("这个方案的文号是什么？")
    assert "未载明文号" in result["answer"] and "no-number" not in result["answer"]
    result, _ = engine.ask("市级应急救援规划编制谁出钱？")
    assert result["citations"][0]["doc_number"] is None and "no-number" not in result["answer"]


def test_rules_compiled_by_an_older_version_are_compiled_again_from_the_text(tmp_path, capsys):
    """After an upgrade that reads the text differently, a data folder's stale rules never stop the
    assistant or cite a paragraph that no longer says what they quote."""
    from assistant.config import load_settings
    from assistant.engine import Assistant

    text = ("某某市应急救援领域市与县区财政事权和支出责任划分改革实施方案\n一、主要内容\n"
            "将市级应急救援规划编制,确认为市级财政事权,由市级承担支出责任。\n")
    engine_for(tmp_path, "stale", text)
    rules = tmp_path / "data" / "rules" / "stale.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("anchor: p-1-1", "anchor: p-9-9"), encoding="utf-8")
    settings = load_settings(env={"ASSISTANT_DATA": str(tmp_path / "data"), "ASSISTANT_CACHE": str(tmp_path / "c2")})
    result, _ = Assistant.load(settings=settings).ask("市级应急救援规划编制谁出钱？")
    assert result["status"] == "answered" and result["citations"][0]["anchor"] == "p-1-1"
    assert "重新编译" in capsys.readouterr().err


def test_units_of_one_level_placed_elsewhere_are_paid_by_that_level():
    rules, _ = compiled("县直医疗卫生机构在乡镇设立的分院、分站等分支机构,按照其隶属关系执行本方案,不因所在地域改变支出责任。\n",
                        field="医疗卫生", title="某某县医疗卫生领域县与乡镇财政事权和支出责任划分改革实施方案")
    (matter,) = rules["matters"]
    (o,) = matter["outcomes"]
    assert (o["payer"], o["principle"], o["authority"]) == ("县", "隶属关系", "")


def test_our_own_levels_plan_set_up_by_its_own_level_is_paid_by_it():
    """"我市…自主设立的科技计划，按照设立主体级次，由同级财政分别承担支出责任": what 我市 (the city and
    its counties) sets up is paid by the level that set it up, 市 or 县(区) — never 中央 or 省."""
    rules, _ = compiled(
        "(一)科技研发。利用财政资金设立的科技计划,确认为中央、省、市、县(区)共同财政事权,由各级财政区分不同情况承担相应的支出责任。\n"
        "1.基础研究。我市结合区域布局自主设立的科技计划,按照设立主体级次,由同级财政分别承担支出责任。\n")
    (matter,) = [m for m in rules["matters"] if m["name"].startswith("我市")]
    assert [(o["level"], o["payer"]) for o in matter["outcomes"]] == [("市", "市"), ("县区", "县区")]


def test_a_joint_authority_that_says_nothing_of_who_pays_is_the_levels_together():
    """"…总体为中央、省级、市级和区县共同财政事权，并按具体事项分别细化确定": 分别 says how it is
    settled, not that each level pays alone; the long list of levels still reads as the 事权."""
    rules, report = compiled("义务教育总体为中央、省级、市级和区县共同财政事权,并按具体事项分别细化确定。\n", field="教育",
                             title="某某市教育领域市以下财政事权和支出责任划分改革实施方案")
    (matter,) = rules["matters"]
    assert matter["name"] == "义务教育"
    assert [(o["level"], o["payer"]) for o in matter["outcomes"]] == [(None, "中央、省、市与县区共同")]
    assert report["uncompiled"] == []


def test_what_a_matter_leaves_out_is_not_that_matter(tmp_path):
    """"全省性林业调查（不含古树名木普查）": a question about 古树名木普查 is not answered with that
    matter's verdict (grammar.yaml `exclusion`); the matter itself still is."""
    engine = engine_for(tmp_path, "someprov-forestry",
                        "某某省林业领域省与市县财政事权和支出责任划分改革方案\n一、主要内容\n"
                        "将全省性林业资源调查（不含古树名木普查）、监测的组织实施，确认为省与市县共同财政事权，"
                        "由省和市县分别承担支出责任。\n"
                        "林业领域其他未列事项，按照本方案确定的原则研究确定。\n")
    result, _ = engine.ask("古树名木普查是不是省和市县一起出钱？")
    assert result["status"] != "answered" and not result["findings"], result["answer"]
    result, _ = engine.ask("林业资源调查是不是省和市县一起出钱？")
    assert result["status"] == "answered" and {f["payer"] for f in result["findings"]} == {"省", "市县"}


def test_an_area_a_level_takes_in_is_read_from_brackets():
    """"市县（县级含国家级开发区，下同）": questions about the zone get the county level's verdict."""
    rules, report = compiled(
        "现就教育领域市县（县级含高新技术产业开发区，下同）财政事权和支出责任划分制定本方案。\n"
        "(一)义务教育。将市级教研活动,确认为市级财政事权,由市财政承担支出责任;将县级教研活动,确认为县级财政事权,"
        "由县级财政承担支出责任。\n", field="教育",
        title="某某市教育领域市与县财政事权和支出责任划分改革实施方案")
    assert [(z["name"], z["level"]) for z in rules["zones"]] == [("高新技术产业开发区", "县")]
    assert "县级含高新技术产业开发区" in rules["zones"][0]["quote"]


def test_a_category_heading_lists_its_matters():
    """"（三）计划生育方面。主要包括A、B和C3个…项目，明确为…": the items are the matters (without the
    count), not the heading; after a heading that names work, the heading stays the matter."""
    rules, report = compiled(
        "(一)计划生育方面。\n主要包括农村计划生育家庭奖励扶助、计划生育家庭特别扶助和计划生育手术并发症补助3个扶助保障项目,"
        "确认为市与区、县(市)共同财政事权,由市与区、县(市)共同承担支出责任。\n"
        "(二)科技研发。主要包括基础研究和应用研究等事项,确认为市级财政事权,由市承担支出责任。\n", field="卫生健康")
    names = [m["name"] for m in rules["matters"]]
    assert names[:3] == ["农村计划生育家庭奖励扶助", "计划生育家庭特别扶助", "计划生育手术并发症补助"]
    assert "计划生育方面" not in names and "科技研发" in names
    assert report["uncompiled"] == []


def test_and_inside_a_by_rule_phrase_lists_nothing():
    rules, _ = compiled("将基层公共文化设施按照国家和省规定实行免费开放,确认为市与区、县(市)共同财政事权,"
                        "由市与区、县(市)共同承担支出责任。\n", field="公共文化")
    assert [m["name"] for m in rules["matters"]] == ["基层公共文化设施按照国家和省规定实行免费开放"]


def test_a_contraction_of_two_levels_names_both_as_payers():
    """"由中省财政承担": 中省 is 中央 and 省 together (levels.yaml contractions), not 省 alone."""
    rules, report = compiled("纳入国家免费开放范围的示范场馆免费开放,由中省财政承担支出责任。\n", field="公共文化")
    (matter,) = rules["matters"]
    assert [(o["level"], o["payer"]) for o in matter["outcomes"]] == [(None, "中央与省共同")]
    assert report["uncompiled"] == []


def test_each_organizing_level_pays_for_what_it_organizes():
    """"市级或区、县(市)自行组织实施…的，所需经费按照组织实施主体分别承担支出责任": one matter, each
    named level paying for its own, with the principle said."""
    rules, report = compiled("市级或区、县(市)自行组织实施场馆低收费开放的,所需经费按照组织实施主体分别承担支出责任。\n",
                             field="公共文化")
    (matter,) = rules["matters"]
    assert matter["name"] == "自行组织实施场馆低收费开放"
    assert [(o["level"], o["payer"], o["principle"]) for o in matter["outcomes"]] == [
        ("市", "市", "组织实施主体"), ("县（市、区）", "县（市、区）", "组织实施主体")]
    assert report["uncompiled"] == []


def test_parts_of_the_matters_named_in_the_sentence_before_are_rules_with_their_conditions():
    """"A、B…，按照国家规定实行免费开放。其中属于省级机构的，确认为省级财政事权…；属于市县级机构的，确认为
    省与市县共同财政事权…": each matter of the sentence before, once per part, its condition said, named
    with the work done to it (示范馆免费开放, not every cost of a 示范馆), and the quote holds the sentence
    that names them."""
    rules, report = compiled(
        "《方案》明确，地方文化系统所属示范馆、陈列馆，以及青少年教育基地，按照国家规定实行免费开放。"
        "其中属于省级机构的，确认为省级财政事权，由省级财政承担支出责任；属于市县级机构的，确认为省与市县共同财政事权，"
        "由省与市县共同承担支出责任。\n",
        field="公共文化", title="某某省公共文化领域省与市县财政事权和支出责任划分改革实施方案")
    found = {m["name"]: [(o["payer"], o["condition"]) for o in m["outcomes"]] for m in rules["matters"]}
    assert found == {name: [("省", "属于省级机构的"), ("省与市县共同", "属于市县级机构的")]
                     for name in ("地方文化系统所属示范馆免费开放", "地方文化系统所属陈列馆免费开放", "青少年教育基地免费开放")}
    assert all(o["quote"].startswith("《方案》明确") for m in rules["matters"] for o in m["outcomes"])
    assert report["uncompiled"] == []


def test_a_line_of_digits_is_no_part_of_the_title_and_an_issuer_alone_above_the_notice_is_its_issuer():
    doc = parse("某某市人民政府办公室\n\n关于印发交通运输领域市与区县财政事权和支出责任划分\n\n改革实施方案的通知\n\n"
                "各区县人民政府：\n现印发给你们。\n\n202166\n\n交通运输领域市与区县财政事权和支出责任划分改革实施方案\n\n"
                "一、主要内容\n将市级交通规划编制，确认为市级财政事权，由市级承担支出责任。\n", "shape")
    assert doc.title == "交通运输领域市与区县财政事权和支出责任划分改革实施方案"
    assert doc.meta["issuer"]["value"] == "某某市人民政府办公室"


def test_a_levels_part_of_a_shared_cost_is_no_claim_that_it_pays_alone(tmp_path):
    """"…确认为省与市县共同财政事权，地方负担部分按照场馆隶属关系由同级财政统筹安排": each level's
    verdict is its part (said), so "是不是只有市里出钱" is 不是; "其中属于市县级机构的，确认为省与市县
    共同财政事权" is the 市县 case of its matters, listed as one case among the others."""
    engine = engine_for(tmp_path, "sichuan-culture",
                        "某某省公共文化领域省与市县财政事权和支出责任划分改革实施方案\n一、主要内容\n"
                        "体育部门所属公共体育场馆按照国家规定实行免费开放，确认为省与市县共同财政事权，地方负担部分按照场馆"
                        "隶属关系由同级财政统筹安排。\n"
                        "地方文化系统所属示范馆、陈列馆，按照国家规定实行免费开放。其中属于省级机构的，确认为省级财政事权，"
                        "由省级财政承担支出责任；属于市县级机构的，确认为省与市县共同财政事权，由省与市县共同承担支出责任。\n")
    result, _ = engine.ask("市里管的体育场馆免费开放，是不是只有市里出钱？")
    assert result["answer"].startswith("不是") and "地方负担部分" in result["answer"]
    result, _ = engine.ask("县里的陈列馆免费开放是不是县里全包？")
    assert result["answer"].startswith("不是") and {f["payer"] for f in result["findings"]} == {"省与市县共同"}
    result, _ = engine.ask("示范馆免费开放谁出钱？")
    assert "分情况" in result["answer"] and "属于市县级机构的" in result["answer"]
    assert {f["payer"] for f in result["findings"]} == {"省", "省与市县共同"}


def test_a_part_asked_about_answers_with_how_the_rest_is_split_not_the_whole_it_is_part_of(tmp_path):
    """"义务教育总体为…共同财政事权…。其中：涉及学校运转等经常性事项，由中央与地方财政分担，地方负担部分由…":
    a question naming the whole and the part ("义务教育学校运转") gets the part, with the local split said."""
    engine = engine_for(tmp_path, "some-city-edu",
                        "某某市教育领域市以下财政事权和支出责任划分改革实施方案\n一、义务教育\n"
                        "义务教育总体为中央、省级、市级和区县共同财政事权，并按具体事项分别细化确定。其中：涉及学校运转、"
                        "学生生活等经常性事项，由中央与地方财政分担，地方负担部分由省级与市级、区县财政共同承担；涉及专项性工作的事项，"
                        "所需经费由区县财政统筹安排，省级和市级财政通过转移支付给予补助。\n"
                        "（一）公用经费保障。国家基准定额部分，中央与省级财政按8∶2比例分担。\n")
    result, _ = engine.ask("义务教育公用经费国家基准定额部分是不是区县全出？")
    assert result["answer"].startswith("不是") and [f["payer"] for f in result["findings"]] == ["中央与省共同"]
    result, _ = engine.ask("义务教育学校运转的经费谁出？")
    assert [f["matter"] for f in result["findings"]] == ["学校运转"]
    assert "地方负担部分由省级与市级、区县财政共同承担" in result["answer"]
    result, _ = engine.ask("义务教育专项性工作的钱谁出？")
    assert [f["payer"] for f in result["findings"]] == ["县区"] and "转移支付给予补助" in result["answer"]
    # the level the verdict says helps: 是 when asked whether it helps, 不是 when asked whether it pays
    result, _ = engine.ask("义务教育专项性工作区县统筹，市里会不会给补助？")
    assert result["answer"].startswith("是")
    result, _ = engine.ask("义务教育专项性工作是不是市里全出？")
    assert result["answer"].startswith("不是")


def test_a_rule_followed_by_a_new_point_keeps_its_list_whole_and_its_three_party_split_in_words():
    """"按照国家、省和市规定" lists no matters; "二是…" opens a point of its own, no branch of the rule
    before it; a 6:2:2 split among more parties than the 事权's two levels is kept in the plan's words."""
    rules, _ = compiled("将基层文化设施按照国家、省和市规定实行免费开放，确认为市与区、县(市)共同财政事权，由市与区、县(市)"
                        "共同承担支出责任，所需经费省以上与市、区县财政按6:2:2比例分担。二是其他文化服务事项，市与区、县(市)按相关"
                        "具体政策确定层级和组织实施主体分别划分财政事权和支出责任。\n", field="公共文化")
    (matter,) = rules["matters"]
    assert matter["name"] == "基层文化设施按照国家、省和市规定实行免费开放"
    (o,) = matter["outcomes"]
    assert (o["payer"], o["condition"]) == ("市与县（市、区）共同", None)
    assert "6：2：2" in o["shares"]


def test_a_cost_named_after_the_things_it_arises_from_and_the_level_that_does_the_verb(tmp_path):
    """"…的物资，产生的运输、装卸费用" is one matter; of two matters that both explain "调拨…物资…运输装卸",
    the one whose name has the question's level doing the verb (市里调拨 → 市级调拨) answers."""
    text = ("某某市应急救援领域市与县(区)财政事权和支出责任划分改革实施方案\n一、主要内容\n"
            "省级调拨和前置本市的物资运输、装卸费用，确认为市级财政事权，由市级承担支出责任。\n"
            "市级调拨县(区)的市级物资、省级物资以及应急状态下省级调拨直达县(区)的物资，产生的运输、装卸及储存保管费用，"
            "确认为县级财政事权，由县(区)承担支出责任。\n")
    rules, _ = compiled(text.split("\n", 2)[2], field="应急救援", title=text.split("\n")[0])
    assert any(m["name"].startswith("市级调拨县") and m["name"].endswith("产生的运输、装卸及储存保管费用")
               for m in rules["matters"])
    engine = engine_for(tmp_path, "some-city-emergency", text)
    result, _ = engine.ask("市里调拨给县里的物资，运输装卸费是市里掏钱吗？")
    assert result["answer"].startswith("不是") and [f["payer"] for f in result["findings"]] == ["县区"]
    # both names have 省级调拨; the one that starts with it is the province's own
    result, _ = engine.ask("省里调拨前置到本市的物资，运输装卸费是不是省里出？")
    assert result["answer"].startswith("不是") and [f["payer"] for f in result["findings"]] == ["市"]


DUTIES = ("某某市交通运输领域市与县区财政事权和支出责任划分改革实施方案\n二、主要内容\n"
          "（一）市级财政事权1.公路。（1）承担高速公路规划布局、监督评价和协调职责。（2）承担跨县区公路专项规划职责。\n"
          "（二）市与县区共同财政事权\n"
          "1.邮政。市级与县区共同承担邮政行业安全监管、应急寄递保障等具体事项，并分担相应支出责任。"
          "县区承担村级寄递物流站点建设、快递包装回收治理等职责及相应支出责任。\n")


def test_a_levels_duties_under_its_heading_or_with_its_own_subject(tmp_path):
    """"（1）承担A、B和C职责" under "（一）市级财政事权" (the heading may run on into "1.公路"): the heading's
    level holds the 事权 and bears the 支出责任, as for "将X确认为市级财政事权。"; "县区承担A、B等职责及相应支出责任"
    and "市级与县区共同承担A、B等具体事项，并分担相应支出责任" name the level themselves. The first duty, read
    as a heading, is cited by its number."""
    rules, report = compiled(DUTIES.split("\n", 2)[2], field="交通运输", title=DUTIES.split("\n")[0])
    found = {m["name"]: [(o["level"], o["payer"], o["authority"]) for o in m["outcomes"]] for m in rules["matters"]}
    assert found["高速公路规划布局"] == [("市", "市", "市级财政事权")]
    assert found["跨县区公路专项规划"] == [("市", "市", "市级财政事权")]
    assert found["邮政行业安全监管"] == [(None, "市与县区共同", "市与县区共同财政事权")]
    assert found["村级寄递物流站点建设"] == [("县区", "县区", "县区财政事权")]
    assert report["uncompiled"] == []
    engine = engine_for(tmp_path, "some-city-transport", DUTIES)
    result, _ = engine.ask("高速公路规划布局谁出钱？")
    assert [f["payer"] for f in result["findings"]] == ["市"]
    assert result["citations"][0]["label"].endswith("二（一）（1）")
    result, _ = engine.ask("跨县区公路专项规划是县区的事权吧？")
    assert result["answer"].startswith("不是")
    result, _ = engine.ask("村级寄递物流站点建设是不是市里出？")
    assert result["answer"].startswith("不是") and [f["payer"] for f in result["findings"]] == ["县区"]


def test_duties_in_news_clauses_an_area_and_a_level_verb():
    """A news page: "《方案》明确，由市县承担A、B等具体执行事项的支出责任；由市县承担C和D等相关职责，负责…，承担相应
    支出责任" (each clause after ；), "在E、F方面，由省级和市县（区）级政府共同承担相关职责，…承担相应支出责任" (the area
    is the list), and "G纳入省级财政事权" (纳入 only right before a level: "纳入国家免疫规划的…" names work)."""
    rules, report = compiled(
        "《方案》明确，由市县承担寄递安全属地监管、末端网点巡查等具体执行事项的支出责任；由市县承担村邮站运营和快递进村"
        "等相关职责，负责规划、建设等具体事项的执行实施，承担相应支出责任。\n"
        "在邮政普遍服务、快递包装治理方面，由省级和市县（区）级政府共同承担相关职责，负责运营等具体事项的执行实施，"
        "承担相应支出责任。\n"
        "此外，邮政省级行业监管能力建设纳入省级财政事权，由省级承担支出责任。\n"
        "将纳入国家免疫规划的常规免疫疫苗购置，确认为中央与地方共同财政事权，由中央与地方共同承担支出责任。\n",
        field="交通运输", title="某某省交通运输领域省与市县财政事权和支出责任划分改革方案")
    found = {m["name"]: [(o["level"], o["payer"]) for o in m["outcomes"]] for m in rules["matters"]}
    assert found["寄递安全属地监管"] == [("市县", "市县")] and found["末端网点巡查"] == [("市县", "市县")]
    assert found["村邮站运营和快递进村"] == [("市县", "市县")]      # (split_items keeps A和B of two short works whole)
    assert found["邮政普遍服务"] == [(None, "省与市县共同")] and found["快递包装治理"] == [(None, "省与市县共同")]
    assert found["邮政省级行业监管能力建设"] == [("省", "省")]
    assert any(n.startswith("纳入国家免疫规划") for n in found)
    assert report["uncompiled"] == []


def test_a_level_that_says_what_an_item_leaves_out_stays_in_its_name(tmp_path):
    """"自治区负责外的寄递安全管理": 自治区 is no scope of the item but what it leaves out; a question about
    the part left out ("自治区负责的那部分") is not this matter."""
    text = ("某某市交通运输领域市本级与市辖区财政事权和支出责任划分改革实施方案\n一、主要内容\n"
            "《方案》明确，市本级与市辖区共同承担自治区负责外的寄递安全管理、行业安全监管等具体事项，并分担相应支出责任。\n")
    rules, _ = compiled(text.split("\n", 2)[2], field="交通运输", title=text.split("\n")[0])
    assert "自治区负责外的寄递安全管理" in {m["name"] for m in rules["matters"]}
    engine = engine_for(tmp_path, "some-city-postal", text)
    result, _ = engine.ask("寄递安全管理谁出钱？")
    assert [f["payer"] for f in result["findings"]] == ["市与县区共同"]
    result, _ = engine.ask("自治区负责的那部分寄递安全管理，市里要出钱吗？")
    assert result["status"] == "not_listed" and result["findings"] == []


def test_a_principle_word_inside_the_matters_name_is_no_claim_of_that_principle(tmp_path):
    """"邮政业安全属地职责市县只管执行、钱省里出？": 属地 is the matter's own word, not a claim that it is
    paid 按属地原则; the claim is that the province pays, which it does not."""
    text = ("某某省交通运输领域省与市县财政事权和支出责任划分改革方案\n一、主要内容\n"
            "由市县承担落实邮政业安全属地职责、寄递渠道安全保障等具体执行事项的支出责任。\n")
    engine = engine_for(tmp_path, "some-province-postal", text)
    result, _ = engine.ask("邮政业安全属地职责市县只管执行、钱省里出？")
    assert result["answer"].startswith("不是") and [f["payer"] for f in result["findings"]] == ["市县"]


def test_news_readings_a_quoted_principle_a_reporting_clause_and_a_description():
    """A news page: "比如，某省的方案体现了“A确认为省级事权，…”的原则" (the rule is what is quoted); "《方案》，进一步
    明确了B总体为…共同财政事权" (the name alone reports); "…明确了需要由省级、市县级分别承担的事项和相应支出
    责任" describes the plan and assigns nothing."""
    rules, report = compiled(
        "记者梳理发现，各地方案从预防准备、监测预警两大方面明确了需要由省级、市县级分别承担的事项和相应支出责任。\n"
        "比如，某省的实施方案体现了“覆盖全省的应急救援宣传服务事项确认为省级事权”的原则。\n"
        "《方案》，进一步明确了应急物资储备总体为省与市县共同财政事权。\n",
        field="应急救援", title="某某省应急救援领域省与市县财政事权和支出责任划分改革实施方案")
    names = {m["name"] for m in rules["matters"]}
    assert names == {"覆盖全省的应急救援宣传服务事项", "应急物资储备"}, names
    assert not any(n.startswith(("《", "某省", "从")) for n in names)


def test_a_date_run_into_the_title_line_is_no_part_of_the_title():
    doc = parse("??2022年5月27日某某市应急救援领域市与区财政事权和支出责任划分实施方案\n一、主要内容\n"
                "将全市应急预案编制，确认为市级财政事权，由市级承担支出责任。\n", "shape")
    assert doc.title == "某某市应急救援领域市与区财政事权和支出责任划分实施方案"


def test_a_levels_treasury_before_the_work_is_its_level_not_part_of_the_name(tmp_path):
    """"市财政结合…自主设立的科技计划" is the city's version of the work (not a matter named "财政结合…");
    "市财政局…" is a department and stays in the name. "区县要跟着掏钱吗" asks whether the counties pay."""
    text = ("某某市科技领域市与区、县(市)财政事权和支出责任划分改革方案\n一、主要内容\n"
            "市财政结合重点产业布局自主设立的科技计划,由市财政承担支出责任。\n"
            "各区、县(市)结合本地产业布局自主设立的科技计划,由区、县(市)财政承担支出责任。\n")
    rules, _ = compiled(text.split("\n", 2)[2], title=text.split("\n")[0])
    assert "结合重点产业布局自主设立的科技计划" in {m["name"] for m in rules["matters"]}
    engine = engine_for(tmp_path, "some-city-science", text)
    result, _ = engine.ask("市财政自己设的产业科技计划，区县要跟着掏钱吗")
    assert result["answer"].startswith("不是")


def test_every_level_pays_as_the_plan_words_it(tmp_path):
    """"…共同财政事权，由各级财政区分不同情况承担相应的支出责任": the payer is 各级财政 as written (not the
    事权's levels spelled out); every level pays some of it, none all of it."""
    text = ("某某市科技领域市与区、县(市)财政事权和支出责任划分改革方案\n一、主要内容\n"
            "利用财政资金设立的科技计划，确认为中央、省、市和区、县(市)共同财政事权，由各级财政区分不同情况承担相应的支出责任。\n")
    rules, _ = compiled(text.split("\n", 2)[2], title=text.split("\n")[0])
    (matter,) = rules["matters"]
    assert [(o["payer"], o["shares"]) for o in matter["outcomes"]] == [("各级财政", "区分不同情况承担相应的支出责任")]
    engine = engine_for(tmp_path, "some-city-science-2", text)
    assert engine.ask("科技计划的钱市里也要出吗？")[0]["answer"].startswith("是")
    assert engine.ask("科技计划是不是全由区县出？")[0]["answer"].startswith("不是")


def test_an_area_before_a_payer_clause_is_the_list_without_its_in():
    """"在A、B和C方面，专项规划等具体执行事项由省级和市县共同实施、承担共同支出责任": the area is what is paid
    for, named without its 在 (not a matter "在A"). (A short area clause, up to 20 characters, is read as a lead-in
    and the clause after it names the matters: compile.yaml lead_in.)"""
    rules, _ = compiled("在寄递渠道安全管理、寄递行业安全监管和其他邮政业公共服务方面，专项规划、政策决定等具体执行事项由省级和市县"
                        "共同实施、承担共同支出责任。\n",
                        field="交通运输", title="某某省交通运输领域省与市县财政事权和支出责任划分改革方案")
    names = [m["name"] for m in rules["matters"]]
    assert names and not any(n.startswith("在") for n in names) and "寄递渠道安全管理" in names, names


def test_a_level_then_one_cost_then_its_expenditure_responsibility():
    """"《改革方案》提出，由省级承担省邮政安全管理机构基本和项目支出责任": who pays, then the one cost."""
    rules, report = compiled("《改革方案》提出，由省级承担省寄递安全管理机构基本和项目支出责任。\n", field="交通运输",
                             title="某某省交通运输领域省与市县财政事权和支出责任划分改革方案")
    assert [(m["name"], [o["payer"] for o in m["outcomes"]]) for m in rules["matters"]] == \
        [("寄递安全管理机构", ["省"])]      # (its 省 the level, as any level prefix; 基本和项目 the kinds of its costs)
    assert report["uncompiled"] == []


def test_each_level_named_as_paying_its_own_version_of_the_work_after_dui(tmp_path):
    """"对…目标导向类基础研究，省和市县…自主设立科技计划，省级和市县财政分别承担相应支出责任": the work
    after 对 (named without its long qualifier) is each named level's own, under the section's joint 事权;
    another kind of the same work ("自由探索类基础研究") is not it."""
    text = ("某某省科技领域省与市县财政事权和支出责任划分改革实施方案\n一、主要内容\n"
            "（一）科技研发。利用财政资金设立的科技计划，为省与市县共同财政事权，由省级和市县财政区分不同情况承担相应支出责任。\n"
            "1.基础研究。对服务全省产业布局的应用导向类基础研究，省和市县根据各自需要，设立研究专项，"
            "省级和市县财政分别承担相应支出责任。\n")
    rules, report = compile_document(parse(text, "shape"))
    found = outcomes(rules)
    assert found["应用导向类基础研究"] == [("省", "省"), ("市县", "市县")]
    assert report["uncompiled"] == []
    engine = engine_for(tmp_path, "some-prov-science", text)
    result, _ = engine.ask("市里自己设的应用导向类基础研究专项谁出钱")
    assert [f["payer"] for f in result["findings"]] == ["市县"]
    result, _ = engine.ask("兴趣驱动类基础研究谁出钱")
    assert "应用导向类基础研究" not in {f["matter"] for f in result["findings"]}


def test_authority_said_once_per_level_with_huo_and_a_bare_chengdan_after_levels():
    """"…分别确定为省财政事权或市、县（区）财政事权，由同级财政承担" gives each level its own verdict;
    "…缴费补助等，由市、县（区）承担，并…" after a "；" is a rule of its own."""
    rules, report = compiled(
        "独生子女伤残家庭一次性慰问金，按照隶属关系分别确定为省财政事权或市、县（区）财政事权，由同级财政承担支出责任。\n"
        "城乡居民医疗救助为省、市、县（区）共同财政事权，由省、市、县（区）共同承担支出责任；本省实施的低保对象"
        "参加医疗保险个人缴费资助等，由市、县（区）承担，并依据其财力状况获取补助。\n",
        field="医疗卫生", title="某某省医疗卫生领域省以下财政事权和支出责任划分改革实施方案")
    found = outcomes(rules)
    assert found["独生子女伤残家庭一次性慰问金"] == [("省", "省"), ("市", "市"), ("县区", "县区")]
    (aid,) = [name for name in found if "个人缴费资助" in name]
    assert {p for _, p in found[aid]} == {"市与县区共同"}
    assert report["uncompiled"] == []


def test_a_ratio_between_parties_other_than_the_authoritys_levels_is_kept_in_words():
    """"…为省、市、县（区）共同财政事权，国家标准部分由中央与地方按8∶2分担": the 8∶2 is 中央's and 地方's,
    never read as 省 80% and 市 20%."""
    rules, _ = compiled("城乡居民医疗救助为省、市、县（区）共同财政事权，国家标准部分由中央与地方按8∶2分担。\n",
                        field="医疗卫生", title="某某省医疗卫生领域省以下财政事权和支出责任划分改革实施方案")
    (matter,) = rules["matters"]
    shares = {str(o.get("shares")) for o in matter["outcomes"]}
    assert all("中央与地方按8" in s for s in shares)




def test_arranging_projects_on_their_own_is_no_payer():
    """"新增项目由省、市、县（区）结合实际自主安排" says who arranges the projects, not who pays;
    "所需经费由市县统筹安排" does say who pays."""
    rules, _ = compiled("新增的健康促进项目由省、市、县（区）结合实际自主安排。\n"
                        "健康教育所需经费由市县统筹安排。\n",
                        field="医疗卫生", title="某某省医疗卫生领域省以下财政事权和支出责任划分改革实施方案")
    names = [m["name"] for m in rules["matters"]]
    assert not any("健康促进" in n for n in names) and any("健康教育" in n for n in names)




def test_names_of_one_kind_before_a_last_piece_that_says_the_work():
    """"博物馆、纪念馆、公共图书馆免费开放": the work after the last 馆 is everyone's (博物馆免费开放, never
    "博物馆图书馆免费开放"); "城区、郊区、山区区域气象站点维护" and "南盘江、北盘江、牛栏江曲靖段…" keep their readings."""
    rules, report = compiled("将博物馆、纪念馆、公共图书馆免费开放，确认为市与区、县(市)共同财政事权，由市与区、县(市)共同承担支出责任。\n",
                             field="公共文化")
    assert sorted(outcomes(rules)) == ["公共图书馆免费开放", "博物馆免费开放", "纪念馆免费开放"]
    assert report["uncompiled"] == []


def test_gongzuo_wei_before_a_level_is_a_rule_not_zuowei():
    """"…等工作为省、市、县（区）共同财政事权" assigns (工作 + 为); "将应急演练作为…的重点" does not."""
    rules, _ = compiled("中医药临床优势培育、中医药传承与创新等工作为省、市、县（区）共同财政事权，各级财政给予补助。\n",
                        field="医疗卫生", title="某某省医疗卫生领域省以下财政事权和支出责任划分改革实施方案")
    assert set(outcomes(rules)) == {"中医药传承与创新", "中医药临床优势培育"}
    rules, _ = compiled("将应急演练作为市级财政事权的重点。\n", field="应急救援")
    assert outcomes(rules) == {}


def test_parts_split_by_ratio_without_bili_each_a_rule():
    """"国家基准定额部分，中央与省级财政按8∶2分担；我省提标部分，省级与市县财政按5∶5分担（详见附表）": two parts,
    each with its own split (比例 unsaid, a remark in brackets after it)."""
    rules, report = compiled("（一）公用经费保障。国家基准定额部分，中央与省级财政按8∶2分担；我省提标部分，省级与市县财政按5∶5分担（详见附表）。\n",
                             field="教育", title="某某省教育领域省以下财政事权和支出责任划分改革实施方案")
    found = {m["name"]: m["outcomes"][0]["shares"] for m in rules["matters"]}
    # (each part is the heading's matter's, named with the part in brackets)
    assert found == {"公用经费保障（国家基准定额部分）": {"中央": 0.8, "省": 0.2}, "公用经费保障（我省提标部分）": {"省": 0.5, "市县": 0.5}}
    assert report["uncompiled"] == []


def test_a_levels_authority_named_first_then_its_matters(tmp_path):
    """"《方案》明确某某市邮政领域市级财政事权为邮政业安全监管，…；市级与县区共同财政事权为其他邮政公共服务，包括
    邮政普遍服务、快递服务末端设施等相关职责，…" (a news reading): each level's matters, and what the joint one includes."""
    rules, report = compiled("《方案》明确某某市邮政领域市级财政事权为邮政业安全监管，市级承担具体事项的执行实施；"
                             "市级与县区共同财政事权为其他邮政公共服务，包括邮政普遍服务、快递服务末端设施等相关职责，"
                             "市级与县区共同承担具体事项的执行实施。\n", field="交通运输",
                             title="某某市交通运输领域市与县区财政事权和支出责任划分改革实施方案")
    found = outcomes(rules)
    assert found["邮政业安全监管"] == [("市", "市")]
    assert found["其他邮政公共服务"] == [(None, "市与县区共同")]
    assert found["邮政普遍服务"] == found["快递服务末端设施"] == [(None, "市与县区共同")]
    assert report["uncompiled"] == []


SHAPE_QUESTIONS = yaml.safe_load((Path(__file__).parent / "shape_questions.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("plan", SHAPE_QUESTIONS, ids=[p["plan"] for p in SHAPE_QUESTIONS])
def test_questions_on_shapes_real_plans_taught_us(tmp_path, plan):
    engine = engine_for(tmp_path, plan["plan"], plan["text"])
    for case in plan["questions"]:
        context = None   # a case with `turns` is one conversation; each turn is checked
        for turn in case.get("turns") or [case]:
            result, context = engine.ask(turn["question"], context)
            problems = check(result, turn["expect"], turn["question"])
            assert not problems, (turn["question"], case["why"], problems, result["answer"][:120])


def test_tongji_caizheng_without_a_stated_authority_is_each_level_of_the_plan():
    """"…地方履职能力建设由同级财政承担支出责任，主要包括…" with no 事权 stated anywhere near: each level of the
    plan (as the title names them) pays for its own, the 事权 stays unstated."""
    rules, report = compiled("此外，《方案》还明确，行业地方履职能力建设由同级财政承担支出责任，主要包括行业统计和运行监测等事项。\n",
                             field="交通运输", title="某某市交通运输领域市与县区财政事权和支出责任划分改革实施方案")
    # (what it includes, listed after the verdict, is its part, paid as the whole)
    assert outcomes(rules) == {"行业地方履职能力建设": [("市", "市"), ("县区", "县区")],
                               "行业统计和运行监测": [("市", "市"), ("县区", "县区")]}
    assert all(o["authority"] == "" for m in rules["matters"] for o in m["outcomes"])
    assert report["uncompiled"] == []


def test_a_ratio_said_with_anzhao_is_a_split_in_numbers():
    rules, _ = compiled("（一）公共文化。将公共图书馆免费开放，确认为市与区、县(市)共同财政事权，"
                        "由市与区、县(市)按照3:7比例分担支出责任。\n", field="公共文化")
    (matter,) = rules["matters"]
    assert matter["outcomes"][0]["shares"] == {"市": 0.3, "县（市、区）": 0.7}


def test_names_of_one_kind_share_the_work_said_after_the_last_and_the_qualifier_before_the_first():
    rules, _ = compiled("（一）公共文化。将纳入国家免费开放范围的公共图书馆、文化馆（站）、美术馆免费开放，"
                        "确认为市与区、县(市)共同财政事权，由市与区、县(市)共同承担支出责任。\n", field="公共文化")
    assert sorted(outcomes(rules)) == sorted(["纳入国家免费开放范围的公共图书馆免费开放",
                                              "纳入国家免费开放范围的文化馆（站）免费开放",
                                              "纳入国家免费开放范围的美术馆免费开放"])


def test_shi_before_the_levels_and_each_levels_part_after_an_exclusion():
    title = "某某省应急救援领域财政事权和支出责任划分改革实施方案"
    rules, report = compiled(
        "（一）信息化。全省统一的应急通信网络建设，是中央、省、县三级共同的财政事权，由中央、省、县三级按职责分工承担支出责任，"
        "除明确由中央负责的网络总体设计、中央部门终端配置等支出责任外，省级主要负责省级网络终端配置和维护，"
        "市县主要负责本级网络终端配置和维护。\n", field="应急救援", title=title)
    found = outcomes(rules)
    assert found["网络总体设计"] == [("中央", "中央")] and found["中央部门终端配置"] == [("中央", "中央")]
    assert sorted(found["网络终端配置和维护"]) == [("县", "县"), ("省", "省")]   # 市县 of a plan whose level is 县
    assert any(name.endswith("统一的应急通信网络建设") for name in found)   # (全省 read as its scope)
    assert not any(name.startswith("的") for name in found)
    assert report["uncompiled"] == []


def test_a_lead_in_and_a_sentence_that_refers_back_with_jiangqi():
    rules, _ = compiled("具体来看，图书出版总体为中央与地方共同财政事权，实行中央与省、市县财政共同负担。"
                        "农家书屋作为相对独立完整的服务体系，将其总体确认为中央与地方共同财政事权，由中央与地方财政分别承担。\n",
                        field="公共文化", title="某某省公共文化领域省与市县财政事权和支出责任划分改革方案")
    found = outcomes(rules)
    assert "具体来看" not in found and "图书出版" in found      # a lead-in is no matter
    assert "农家书屋" in found                                  # 其 is the clause before, less its 作为…
    assert all(o["authority"] == "中央与地方共同财政事权" for m in rules["matters"] if m["name"] == "农家书屋"
               for o in m["outcomes"])                          # its own rule, not a condition of the one before


def test_each_payer_the_sentence_names_where_they_are_finer_than_the_authoritys_levels():
    rules, _ = compiled("农家书屋确认为中央与地方共同财政事权，由中央与省、市县财政分别承担。\n",
                        field="公共文化", title="某某省公共文化领域省与市县财政事权和支出责任划分改革方案")
    assert outcomes(rules)["农家书屋"] == [("中央", "中央"), ("省", "省"), ("市县", "市县")]   # 地方 is 省 and 市县


def test_a_news_lead_in_naming_the_plan_is_no_item():
    """"方案提出，A、B等明确为…": the clause that says who states the rule (a news report's) is no matter."""
    rules, _ = compiled("方案提出，老年健康服务、职业病防治等明确为中央与地方共同财政事权，由中央财政和地方财政共同承担支出责任。\n",
                        field="医疗卫生", title="某某领域中央与地方财政事权和支出责任划分改革方案")
    assert [m["name"] for m in rules["matters"]] == ["老年健康服务", "职业病防治"]


def test_a_level_only_one_loaded_plan_has_points_at_that_plan(tmp_path):
    """"全省性知识产权战略规划…" with a province's and a city's plan of one field loaded: the province's plan
    answers (to the city's plan 全省性 is a level it lacks), not a question back about which plan."""
    engine_for(tmp_path, "some-city-ip", "某某市知识产权领域市与县区财政事权和支出责任划分改革方案\n一、主要内容\n"
               "将制定实施全市知识产权战略、规划，确认为市级财政事权，由市级承担支出责任。\n")
    engine = engine_for(tmp_path, "some-prov-ip", "某某省知识产权领域省与市县财政事权和支出责任划分改革实施方案\n一、主要内容\n"
                        "将制定实施全省性知识产权战略、规划，确认为省级财政事权，由省级承担支出责任。\n")
    result, _ = engine.ask("全省性知识产权战略规划的制定实施谁出钱？")
    assert result["status"] == "answered" and {f["payer"] for f in result["findings"]} == {"省"}
    assert {c["doc_id"] for c in result["citations"]} == {"some-prov-ip"}


def test_two_pages_of_one_plan_answer_as_one_plan(tmp_path):
    """Two news reports of one plan, both loaded, that both list the matter alike: no question back about which
    of two same-titled plans is meant. Where only one page lists it, the other page may say it otherwise (cut,
    or in words not read), so which page is still asked."""
    title = "《某某领域中央与地方财政事权和支出责任划分改革方案》"
    engine_for(tmp_path, "a-default-ip", "某某市知识产权领域市与县区财政事权和支出责任划分改革方案\n一、主要内容\n"
               "将制定实施全市知识产权战略，确认为市级财政事权，由市级承担支出责任。\n")   # the default plan, loaded first
    engine_for(tmp_path, "report-a", f"某某领域央地划分方案印发\n近日，国务院办公厅印发{title}。\n"
               "方案提出，全国性的重大疫情防控，确认为中央财政事权，由中央财政承担支出责任。\n"
               "方案提出，基本公共服务确认为中央与地方共同财政事权，由中央财政和地方财政共同承担支出责任。\n")
    engine = engine_for(tmp_path, "report-b", f"中央分档补助地方某某资金\n国务院办公厅近日印发{title}。\n"
                        "方案提出，基本公共服务确认为中央与地方共同财政事权，由中央财政和地方财政共同承担支出责任。\n")
    result, _ = engine.ask("基本公共服务谁出钱")
    assert result["status"] == "answered", result["answer"][:80]
    assert {f["payer"] for f in result["findings"]} == {"中央与地方共同"}
    result, _ = engine.ask("全国性的重大疫情防控经费算谁的？")
    assert result["status"] == "clarify" and "哪一份" in result["answer"]
    # the two pages' options are told apart, and each, tapped, is asked of its own page only
    labels = [o["label"] for o in result["options"]]
    assert len(set(labels)) == len(labels) == 2 and all("文档" in x for x in labels)
    picked = {o["label"]: engine.ask(o["question"])[0] for o in result["options"]}
    assert sorted(r["status"] for r in picked.values()) == ["answered", "not_listed"]
    assert all("文档" not in r["answer"].split("\n")[0] for r in picked.values())


def test_a_word_said_short_reaches_the_plan_that_has_it_whole(tmp_path):
    """"计生那块…" beside another field's plan: the plan whose words it shortens (计划生育) is read."""
    engine_for(tmp_path, "a-city-ip", "某某市知识产权领域市与县区财政事权和支出责任划分改革方案\n一、主要内容\n"
               "将制定实施全市知识产权战略、规划，确认为市级财政事权，由市级承担支出责任。\n")
    engine = engine_for(tmp_path, "b-health", "医疗卫生领域中央与地方财政事权和支出责任划分改革方案\n一、主要内容\n"
                        "将计划生育方面，确认为中央与地方共同财政事权，由中央与地方共同承担支出责任。\n"
                        "将全国性重大传染病防控，确认为中央财政事权，由中央承担支出责任。\n")
    result, _ = engine.ask("计生那块，中央财政给不给钱？")
    assert result["status"] == "answered" and {c["doc_id"] for c in result["citations"]} == {"b-health"}


def test_work_between_levels_of_one_kind_keeps_its_level_word():
    """"开展省际合作": 省际 is between provinces, no level prefix to strip (the name was "际合作")."""
    rules, _ = compiled("将行业决策研究、开展省际合作等事项,确认为省级财政事权,由省级承担支出责任。\n",
                        field="交通运输", title="某某省交通运输领域省与市县财政事权和支出责任划分改革方案")
    assert sorted(outcomes(rules)) == ["省际合作", "行业决策研究"]


def test_two_levels_that_subsidize_a_matter_together_both_pay_for_it():
    """"对于X，中央财政和地方财政按规定对…予以缴费补助": both levels pay, the split as written; one level
    giving aid alone says nothing of who pays the whole."""
    title = "某某领域中央与地方财政事权和支出责任划分改革方案"
    rules, report = compiled("社会保障方面,对于城乡居民养老保险补助,中央财政和地方财政按规定对城乡居民养老保险予以缴费补助。\n"
                             "对于困难群众取暖补贴,地方财政按规定予以补助。\n", field="社会保障", title=title)
    (matter,) = rules["matters"]
    assert matter["name"] == "城乡居民养老保险补助"
    assert [(o["payer"], o["shares"]) for o in matter["outcomes"]] == [
        ("中央与地方共同", "中央财政和地方财政按规定对城乡居民养老保险予以缴费补助")]


# Two plans loaded (the first ingested is the default plan); the second answers, alone, with no question which plan.
# (why, first plan, second plan, question, the second's payer)
WHICH_PLAN_ANSWERS = [
    ("省里 is a level of the 省/市县 plan's own; the 中央/地方 plan only takes it into its 地方",
     ("a-central-emergency", "某某领域中央与地方财政事权和支出责任划分改革方案\n一、主要内容\n"
                             "将地方应急物资储备，确认为地方财政事权，由地方承担支出责任。\n"),
     ("b-prov-emergency", "某某省应急救援领域省与市县财政事权和支出责任划分改革方案\n一、主要内容\n"
                          "将省级应急物资储备，确认为省级财政事权，由省级承担支出责任。\n"),
     "省里的应急物资储备，费用谁掏？", "省"),
    ("a plan that lists only another level's version (省级应急物资储备) gives way to the one that lists 国家应急物资储备",
     ("a-prov-emergency", "某某省应急救援领域省与市县财政事权和支出责任划分改革方案\n一、主要内容\n"
                          "将省级应急物资储备，确认为省级财政事权，由省级承担支出责任。\n"
                          "将国家统一的应急管理信息系统建设，确认为中央、省与市县共同财政事权，由中央、省与市县共同承担支出责任。\n"),
     ("b-central-emergency", "某某领域中央与地方财政事权和支出责任划分改革方案\n一、主要内容\n"
                             "将国家应急物资储备，确认为中央财政事权，由中央承担支出责任。\n"),
     "国家应急物资储备谁出钱？", "中央"),
]


@pytest.mark.parametrize("why, first, second, question, payer", WHICH_PLAN_ANSWERS, ids=[w[1][0] for w in WHICH_PLAN_ANSWERS])
def test_of_two_plans_the_one_that_has_the_named_level_answers(tmp_path, why, first, second, question, payer):
    engine_for(tmp_path, *first)
    engine = engine_for(tmp_path, *second)
    result, _ = engine.ask(question)
    assert result["status"] == "answered", (why, result["answer"][:80])
    assert [f["payer"] for f in result["findings"]] == [payer]
    assert {c["doc_id"] for c in result["citations"]} == {second[0]}


def test_of_two_plans_of_one_place_the_one_whose_field_is_said_answers(tmp_path):
    """"某某省知识产权实施方案从什么时候开始实施" with that province's 科技 and 知识产权 plans loaded: the 知识产权 one."""
    engine_for(tmp_path, "a-prov-science", "某某省科技领域省与市县财政事权和支出责任划分改革实施方案\n"
               "本方案自2024年12月1日起施行。\n一、主要内容\n将省级科技计划，确认为省级财政事权，由省级承担支出责任。\n")
    engine = engine_for(tmp_path, "b-prov-ip", "某某省知识产权领域省与市县财政事权和支出责任划分改革实施方案\n"
                        "本方案自2025年1月1日起施行。\n一、主要内容\n将省级知识产权规划，确认为省级财政事权，由省级承担支出责任。\n")
    result, _ = engine.ask("某某省知识产权实施方案从什么时候开始实施？")
    assert "2025年1月1日" in result["answer"] and {c["doc_id"] for c in result["citations"]} == {"b-prov-ip"}


def test_the_kinds_of_spending_before_zhichu_zeren_are_no_part_of_the_matters_name(tmp_path):
    """"由市县承担县级渡口管理站基本支出责任": 基本 (支出) says which of its costs, not what it is; asked with
    them ("…的基本支出和项目支出谁出"), they are what is paid, as 经费 is."""
    text = "某某省交通运输领域省与市县财政事权和支出责任划分改革方案\n一、主要内容\n由市县承担县级渡口管理站基本支出责任。\n"
    rules, report = compile_document(parse(text, "shape"))
    assert outcomes(rules) == {"渡口管理站": [("市县", "市县")]}             # (县级 is its scope)
    assert report["uncompiled"] == []
    engine_for(tmp_path, "a-default-ip", "某某市知识产权领域市与县区财政事权和支出责任划分改革方案\n一、主要内容\n"
               "将专利导航，确认为市级财政事权，由市级承担支出责任。\n")   # the default plan, loaded first
    result, _ = engine_for(tmp_path, "ferry", text).ask("县级渡口管理站平常的基本支出和项目支出谁掏钱？")
    assert [(f["matter"], f["payer"]) for f in result["findings"]] == [("渡口管理站", "市县")], result["answer"]


def test_a_title_run_into_its_preamble_is_the_plans_title():
    """A page that ran the plan's title into its preamble (no line break between them): the title ends where a
    preamble opener starts (compile.yaml preamble_openers), so the page is titled, not named by its file."""
    text = ("某某市林业领域市与县区财政事权和支出责任划分改革实施方案根据省政府办公厅有关通知精神，结合我市实际，制定本实施方案。"
            "一、林业规划（一）规划编制：将全市性林业规划编制，确认为市级财政事权，由市级承担支出责任。\n")
    rules, report = compile_document(parse(text, "shape"))
    assert rules["title"] == "某某市林业领域市与县区财政事权和支出责任划分改革实施方案"
    assert outcomes(rules) == {"林业规划编制": [("市", "市")]}
    assert report["uncompiled"] == []


def test_a_summary_page_rule_shapes():
    """A 解读 page's shapes: "…，是省财政的事权，由省承担支出责任" (the level's 财政 before 的); "…各市县和省属林场…"
    (省属 is an owner in a name, no level prefix of a list item); "A、B、C的X和Y" (a 的-phrase at the end of a list
    is every piece's: one matter as written, not C的X and Y); "要研究制定…" (a duty word before a leading verb)."""
    rules, report = compiled(
        "地区林火联防机制的建立，省级林业种苗储备的落实，是省财政的事权，由省承担支出责任。\n"
        "省林业主管部门负责全省林业综合监督管理工作，指导协调各市县和省属林场林业工作，松材线虫、美国白蛾、林业有害生物的"
        "监测防控和检疫执法，确认为省级财政事权，由省承担支出责任。\n"
        "要研究制定省级有关林业的地方性法规、标准，确认为省级财政事权，由省级承担支出责任。\n",
        field="林业", title="某某省林业领域省与市县财政事权和支出责任划分改革实施方案")
    found = outcomes(rules)
    assert found["地区林火联防机制的建立"] == [("省", "省")]
    assert found["林业种苗储备的落实"] == [("省", "省")]
    assert "指导协调各市县和省属林场林业工作" in found
    assert "松材线虫、美国白蛾、林业有害生物的监测防控和检疫执法" in found
    assert not any(name.startswith(("要", "属")) for name in found)
    assert report["uncompiled"] == []


def test_a_three_level_joint_authority_said_with_queding_le():
    """"建立了省、市、县三级X，确定了省、市、县三级共同的财政事权，并按职责分工负责支出": 确定了 assigns like 确定为,
    建立了 is a leading verb, and "三级" after the levels named is theirs (no part of the matter's name)."""
    rules, report = compiled("建立了省、市、县三级林业信息系统，确定了省、市、县三级共同的财政事权，并按职责分工负责支出。\n",
                             field="林业", title="某某省林业领域省与市县财政事权和支出责任划分改革实施方案")
    assert outcomes(rules) == {"林业信息系统": [(None, "省、市与县共同")]}
    assert rules["matters"][0]["outcomes"][0]["authority"] == "省、市与县共同财政事权"
    assert report["uncompiled"] == []


def test_a_matter_word_of_another_loaded_plan_is_no_unknown_place(tmp_path):
    """"创新型县建设" asked with the seed plan (which knows its own counties, so an unknown 县 would be elsewhere)
    and a science plan listing 创新型城市（县、市）建设 loaded: 创新型县 is that plan's matter word, not a place no plan
    covers."""
    from assistant.config import load_settings
    from assistant.document.ingest import ingest
    from assistant.engine import Assistant

    settings = load_settings(env={"ASSISTANT_DATA": str(tmp_path / "data"), "ASSISTANT_CACHE": str(tmp_path / "cache")})
    ingest(Path(__file__).parent.parent / "corpus" / "qinzhou-ip-fiscal-plan-2025.txt", settings)
    plan = tmp_path / "some-prov-science.txt"
    plan.write_text("某某省科技领域省与市县财政事权和支出责任划分改革实施方案\n一、主要内容\n"
                    "国省级高新区、国省级创新型城市（县、市）建设，由市县财政承担主要支出责任。\n", encoding="utf-8")
    ingest(plan, settings)
    result, _ = Assistant.load(settings=settings).ask("创新型县建设的钱谁负责")
    assert "没有关于" not in result["answer"], result["answer"]


def test_a_grade_after_one_level_stays_in_the_name_and_a_body_line_is_never_cut_as_a_title():
    """"三级" after the levels it counts (省、市、县三级…) is theirs; after one level it is a grade of the matter
    ("省级三级公立医院" keeps 三级). A line of the body that holds "…方案根据…" is no title run into a preamble."""
    rules, _ = compiled("将省级三级公立医院的设备购置，确认为省级财政事权，由省级承担支出责任。\n"
                        "各县区财政事权和支出责任划分方案根据本方案制定，确认为县区财政事权的，由县区承担支出责任。\n",
                        field="医疗卫生", title="某某省医疗卫生领域省与市县财政事权和支出责任划分改革实施方案")
    assert "三级公立医院的设备购置" in outcomes(rules)
    assert len([b for b in parse("某某市科技领域市与县区财政事权和支出责任划分改革方案\n一、主要内容\n"
                                 "各县区财政事权和支出责任划分方案根据本方案制定。\n", "x").blocks if b.kind == "paragraph"]) == 1


def test_a_label_opening_a_sentence_is_the_topic_of_the_sentences_after_it():
    """"普通国道：…。县区组织实施的项目征地拆迁…由县区财政承担。普通省道：…": the label holds up to the next one;
    an item whose name says it already (辖区内普通国道的建设) needs none."""
    rules, report = compiled("普通国道：辖区内普通国道的建设的财政支出责任由市与县区共同承担。县区组织实施的项目征地拆迁的支出责任"
                             "由县区财政承担。普通省道：辖区内普通省道的养护的财政支出责任由市与县区共同承担。其中：跨县区的项目"
                             "由市级财政承担支出责任。\n", field="交通运输",
                             title="某某市交通运输领域市与县区财政事权和支出责任划分改革实施方案")
    topics = {m["name"]: m.get("topic") for m in rules["matters"]}
    assert topics["县区组织实施的项目征地拆迁"] == "普通国道"
    assert topics["辖区内普通国道的建设"] is None
    assert topics["跨县区的项目"] == "普通省道"   # (其中： is a lead-in, no label)
    assert report["uncompiled"] == []


def test_a_payer_with_you_right_after_a_short_subject():
    """"道路养护项目由市级财政承担支出责任": the 由 names the payer; "道路养护项目由市" is no bare payer "…财政承担"."""
    rules, report = compiled("道路养护项目由市级财政承担支出责任。\n", field="交通运输",
                             title="某某市交通运输领域市与县区财政事权和支出责任划分改革实施方案")
    assert outcomes(rules) == {"道路养护项目": [("市", "市")]}
    assert report["uncompiled"] == []


def test_a_run_in_heading_names_what_a_payer_sentence_without_a_subject_pays_for():
    """"家庭经济困难学生生活补助。按照…标准执行。所需经费由中央与我省按50:50比例分担。": the paragraph's opening
    name is the matter, quoted from there; "生均公用经费执行国家基准定额标准，所需经费由…" names 生均公用经费 (the
    standard it follows is no part of the name); "该省实施的…" is a reporter's lead-in."""
    rules, report = compiled(
        "（一）义务教育方面。\n"
        "义务教育总体为中央与地方共同财政事权。\n"
        "公用经费保障。生均公用经费执行国家基准定额标准，所需经费由中央与我省按80:20比例分担。\n"
        "家庭经济困难学生生活补助。按照国家制定的基础标准执行，各地可结合实际分档确定具体标准。"
        "所需经费由中央与我省按50:50比例分担。\n"
        "该省实施的学生营养改善补助等，由市县承担。\n",
        field="教育", title="某某省教育领域省与市县财政事权和支出责任划分改革方案")
    found = outcomes(rules)
    assert "生均公用经费" in found and "家庭经济困难学生生活补助" in found and "学生营养改善补助" in found
    (aid,) = [m for m in rules["matters"] if m["name"] == "家庭经济困难学生生活补助"]
    assert aid["outcomes"][0]["quote"].startswith("家庭经济困难学生生活补助。")
    assert aid["outcomes"][0]["quote"].endswith("按50:50比例分担。")
    assert report["uncompiled"] == []


def test_what_a_sentence_of_its_own_says_a_matter_includes_are_its_parts():
    """"X包括A、B等原…内容，以及从原…中划入的C、D等内容。" before "X明确为…共同财政事权…": each part is paid as X,
    quoting the sentence that names it and citing X's rule (`via`)."""
    rules, report = compiled(
        "基本公共卫生服务。基本公共卫生服务包括健康教育、预防接种等原基本公共卫生服务内容，以及从原重大公共卫生服务项目中"
        "划入的医养结合、卫生应急等内容。\n"
        "基本公共卫生服务明确为省与市县共同财政事权，由省与市县财政共同承担支出责任。\n",
        field="医疗卫生", title="某某省医疗卫生领域省与市县财政事权和支出责任划分改革实施方案")
    found = outcomes(rules)
    assert set(found) == {"基本公共卫生服务", "健康教育", "预防接种", "医养结合", "卫生应急"}
    (part,) = [m for m in rules["matters"] if m["name"] == "医养结合"]
    assert part["part_of"] == "基本公共卫生服务"
    (o,) = part["outcomes"]
    assert o["payer"] == "省与市县共同" and "医养结合" in o["quote"]
    assert o["via"]["quote"].startswith("基本公共卫生服务明确为")
    assert report["uncompiled"] == []


def test_a_numbered_run_in_heading_names_the_payer_sentence_under_it_and_clauses_after_a_semicolon():
    """"3.家庭经济困难学生生活补助。" parsed as a heading, then "所需经费由中央与地方按5:5比例分担。": the heading names
    the matter; "…所需经费，由中央财政承担；B所需经费，由省级财政承担。" is two rules (财政 before a bare 承担)."""
    rules, report = compiled(
        "（一）义务教育。\n义务教育总体为中央、省与市县共同财政事权。\n"
        "1.免费提供教科书。免费提供国家规定课程教科书所需经费，由中央财政承担；免费提供地方课程教科书所需经费，由省级财政承担。\n"
        "2.家庭经济困难学生生活补助。所需经费由中央与地方按5:5比例分担。\n",
        field="教育", title="某某省教育领域省与市县财政事权和支出责任划分改革方案")
    found = outcomes(rules)
    assert found["免费提供国家规定课程教科书"] == [("中央", "中央")]
    assert found["免费提供地方课程教科书"] == [("省", "省")]
    assert found["家庭经济困难学生生活补助"] == [(None, "中央与地方共同")]
    assert report["uncompiled"] == []


def test_a_news_report_without_the_plans_title_is_titled_from_its_place_and_the_reform_it_reports():
    """No 《》 and no title line: "…印发方案，推进医疗卫生领域省与市县财政事权和支出责任划分改革" with the place the
    report names gives the title, never the document id (issue 11)."""
    doc = parse("某某省出台方案厘定卫生领域权责\n"
                "    湖南省政府办公厅近日印发方案，推进医疗卫生领域省与市县财政事权和支出责任划分改革。\n"
                "    方案明确，基本公共卫生服务为省与市县共同财政事权，由省与市县共同承担支出责任。\n", "news-no-title")
    assert doc.meta["title"]["value"] == "湖南省医疗卫生领域省与市县财政事权和支出责任划分改革方案"


def test_what_a_matter_should_do_and_a_part_of_its_cost_are_no_part_of_its_name():
    """"自由探索类基础研究要聚焦探索未知的科学问题，由…承担": what it should do (after 要) is no part of the name;
    "（一）公用经费保障。" then "国家基准定额部分，中央与省级财政按8∶2比例分担": the part is the heading's matter's,
    named with the part in brackets."""
    rules, report = compiled(
        "（一）科技研发。\n自由探索类基础研究要聚焦探索未知的科学问题，由市与县区财政共同承担支出责任，加强基础研究。\n"
        "（二）公用经费保障。实行全省统一的补助标准。国家基准定额部分，中央与省级财政按8∶2比例分担。\n",
        field="科技", title="某某市科技领域市与县区财政事权和支出责任划分改革方案")
    found = {m["name"]: m for m in rules["matters"]}
    assert "自由探索类基础研究" in found
    (o,) = found["公用经费保障（国家基准定额部分）"]["outcomes"]
    assert o["shares"] == {"中央": 0.8, "省": 0.2}
    # (the 应 of 应急 and the 要 of 重要 are no modals: whole names stay whole)
    rules, _ = compiled("地震灾害应急救援由市与县区财政共同承担支出责任。重要农产品储备由市级财政承担支出责任。\n",
                        field="应急救援", title="某某市应急救援领域市与县区财政事权和支出责任划分改革方案")
    assert set(outcomes(rules)) == {"地震灾害应急救援", "重要农产品储备"}


def test_a_page_without_title_or_preamble_takes_the_field_its_words_say():
    """A page cut out of a plan ("（四）环境污染防治。将…确认为…"): the field whose words it uses far more than any other's
    (vocabulary.yaml domain), so the field's paraphrases apply; a page with too few such words gets none."""
    doc = parse("（四）环境污染防治。\n将跨国界水体污染防治确认为中央财政事权，由中央承担支出责任。\n"
                "将放射性污染防治、重点区域大气污染防治、重点流域水污染防治，确认为中央与地方共同财政事权。\n"
                "将土壤污染防治、农业农村污染防治、固体废物污染防治，确认为地方财政事权，由地方承担支出责任。\n"
                "将噪声、光、恶臭、电磁辐射污染防治等事项，确认为地方财政事权，由地方承担支出责任。\n", "page-2")
    assert doc.meta["field"]["value"] == "生态环境" and doc.meta["field"]["quote"] is None
    assert not (parse("将某项工作确认为地方财政事权，由地方承担支出责任。\n", "bare").meta.get("field") or {}).get("value")


def test_the_money_a_payer_clause_is_about_is_no_part_of_the_name_in_a_reworded_page_either():
    """"…所需经费由…" and a mirror's rewording "…所须要经费由…" (compile.yaml money_lead)."""
    rules, _ = compiled("地方规定课程免费教科书所须要经费由省级财政全额分担。\n乡村教师生活补助所需要经费由市县统筹安排。\n",
                        field="教育", title="某某省教育领域省以下财政事权和支出责任划分改革方案")
    assert set(outcomes(rules)) == {"地方规定课程免费教科书", "乡村教师生活补助"}


def test_review_shapes_a_verdict_inside_a_definition_a_conditional_whole_and_a_second_split_in_one_paragraph():
    """Found in review: a definition sentence whose rest holds a verdict of its own ("…等内容，其中预防接种所需疫苗
    采购经费由省级财政全额承担") gives no parts paid as the whole; a whole whose every rule has a condition gives its
    listed parts nothing (and ingest does not fail); a run-in heading's payer sentence with a split keeps the split;
    a payer sentence with no subject after "X按国家标准执行。" pays for X, not for the run-in heading."""
    rules, report = compiled(
        "基本公共卫生服务明确为省与市县共同财政事权，由省与市县财政共同承担支出责任。\n"
        "基本公共卫生服务包括健康教育、预防接种等内容，其中预防接种所需疫苗采购经费由省级财政全额承担。\n"
        "未列入省级财政事权的应急物资储备，确认为市县财政事权，由市县财政承担支出责任。\n"
        "应急物资储备包括救灾帐篷、棉被等物资的采购和保管。\n"
        "城乡居民基本医疗保险补助。城乡居民基本医疗保险补助明确为省与市县共同财政事权。所需经费由省与市县按6:4比例分担。\n"
        "学生资助。普通高中国家助学金按国家标准发放。所需经费由中央与地方按8:2比例分担。普通高中免学杂费补助按国家标准执行。"
        "所需经费由中央与地方按5:5比例分担。\n",
        field="医疗卫生", title="某某省医疗卫生领域省与市县财政事权和支出责任划分改革实施方案")
    found = {m["name"]: m["outcomes"] for m in rules["matters"]}
    assert "健康教育" not in found and "预防接种" not in found
    assert "救灾帐篷" not in found and all(m["outcomes"] for m in rules["matters"])
    (insurance,) = found["城乡居民基本医疗保险补助"]
    assert insurance["shares"] == {"省": 0.6, "市县": 0.4}
    assert found["普通高中国家助学金"][0]["shares"] == {"中央": 0.8, "地方": 0.2}
    assert found["普通高中免学杂费补助"][0]["shares"] == {"中央": 0.5, "地方": 0.5}
    assert "学生资助" not in found
    # (places are no matter: "…其余市（州）和扩权县由省级财政全额承担" says who pays where, for the matter before it)
    rules, _ = compiled("生均公用经费所需经费由中央与地方按80:20比例分担。应由我省承担部分，其余市（州）和扩权县由省级财政全额承担。\n",
                        field="教育", title="某某省教育领域省以下财政事权和支出责任划分改革方案")
    assert not any("扩权县" in name for name in outcomes(rules))


def test_a_share_of_the_cost_before_paid_by_places_is_a_part_of_that_matter_one_case_per_place():
    """"…所需经费由中央与我省按80:20比例分担。应由我省承担部分，甲市自行负担，其余市（州）和扩权县由省级财政全额
    承担。" (compile.yaml share_part, pays_itself): the share is a matter of its own, reached through its whole, whose
    cases are the places each clause names; its payers are no levels of the plan beside 地方."""
    rules, _ = compiled("义务教育总体为中央与地方共同财政事权。\n"
                        "公用经费保障。生均公用经费按国家基准定额执行，所需经费由中央与我省按80:20比例分担。应由我省承担部分，"
                        "甲市自行负担，其余市（州）和扩权县由省级财政全额承担。\n"
                        "学生营养改善补助地方应承担的20%部分，由省级财政全额承担。\n",
                        field="教育", title="某某省教育领域中央与地方财政事权和支出责任划分改革方案")
    found = {m["name"]: m for m in rules["matters"]}
    share = found["生均公用经费（应由我省承担部分）"]
    assert share["share_of"] == "生均公用经费" and "scope" not in str(share["outcomes"])
    assert [(o["payer"], o["condition"], o["places"]) for o in share["outcomes"]] == [
        ("市", "甲市", ["甲市"]), ("省", "其余市（州）和扩权县", ["市（州）", "扩权县"])]
    assert "由中央与我省按80:20比例分担。应由我省承担部分" in share["outcomes"][0]["quote"]
    assert [(o["level"], o["payer"]) for o in found["学生营养改善补助（地方应承担的20%部分）"]["outcomes"]] == [("省", "省")]
    assert [lv["name"] for lv in rules["levels"]] == ["中央", "地方"]


def test_a_news_page_lead_in_and_headline_are_no_part_of_the_lists_it_reports():
    """A news report: its headline, then a line of page metadata, then "日前，…印发《…》，明确A、B免费开放，C等为市级财政
    事权…" — the headline is a paragraph of its own, the report's lead-in and verb (compile.yaml lead_in, lead_verbs,
    list_openers) are no items, two names before a shared work each get it ("美术馆、图书馆免费开放"), and "…规划为…
    财政事权" is 规划 + 为, not 划为 (verb_not_after)."""
    text = ("某某市出台方案 厘清文化旅游领域市与区财政事权\n发布时间：2023-05-06 来源：某某市财政局\n"
            "日前，市政府办公室印发《某某市文化旅游领域市与区财政事权和支出责任划分改革方案》，明确市级美术馆、图书馆免费开放，"
            "市级非物质文化遗产保护传承等为市级财政事权，由市级承担支出责任。\n"
            "近日，某某市财政局发布《某某市文化旅游领域市与区财政事权和支出责任划分改革方案》，明确将区级文物保护单位修缮、"
            "区级文化馆免费开放确认为区级财政事权，由区级承担支出责任。\n"
            "区级文化旅游发展规划为区级财政事权。\n")
    rules, _ = compile_document(parse(text, "news-page"))
    assert outcomes(rules) == {
        "美术馆免费开放": [("市", "市")], "图书馆免费开放": [("市", "市")], "非物质文化遗产保护传承": [("市", "市")],
        "文物保护单位修缮": [("县区", "县区")], "文化馆免费开放": [("县区", "县区")], "文化旅游发展规划": [("县区", "县区")]}


def test_cases_of_one_matter_each_with_its_own_payer_follow_its_name():
    """"X，属于省直属的，由省级承担支出责任，属于市县组建的，由市县承担支出责任" after a head rule of another matter:
    X has one case per "属于…的" clause, that clause its condition; the head's 事权 is not X's."""
    rules, _ = compiled("省级航空护林站建设确认为省级财政事权，由省级承担支出责任；\n"
                        "基层林业工作站建设，属于省直属的，由省级承担支出责任，属于市县组建的，由市县承担支出责任。\n",
                        field="林业", title="某某省林业领域省与市县财政事权和支出责任划分改革方案")
    (station,) = [m for m in rules["matters"] if m["name"] == "基层林业工作站建设"]
    assert [(o["level"], o["payer"], o["condition"], o["authority"]) for o in station["outcomes"]] == [
        ("省", "省", "属于省直属的", ""), ("市县", "市县", "属于市县组建的", "")]


def test_a_place_that_pays_its_share_itself_is_at_its_own_level():
    """"…，省直管县自行负担" is the county's (the last level its name says), "某某彝族自治州自行负担" the 州's (the level its
    name ends in); a share after a sentence that shares no cost, or not right after it, is no share of that matter."""
    rules, _ = compiled("义务教育总体为中央与地方共同财政事权。\n"
                        "生均公用经费所需经费由中央与我省按80:20比例分担。应由我省承担部分，省直管县自行负担，"
                        "某某彝族自治州自行负担，其余县由省级财政全额承担。\n"
                        "城市学校校舍维修改造由市县财政承担。应由地方承担部分，乙市自行负担，其余市由省级财政全额承担。\n",
                        field="教育", title="某某省教育领域中央与地方财政事权和支出责任划分改革方案")
    found = {m["name"]: m for m in rules["matters"]}
    share = found["生均公用经费（应由我省承担部分）"]
    assert [(o["payer"], o["condition"]) for o in share["outcomes"]] == [
        ("县", "省直管县"), ("州", "某某彝族自治州"), ("省", "其余县")]
    assert not any(n.startswith("城市学校校舍维修改造（") for n in found)


def test_items_listed_after_an_excepted_rest_are_matters_of_their_own():
    """An interpretation's answer ("答：…") whose sentence after a joint rule excepts the rest of its matter and lists
    more work ("除跨省外的其他水污染防治，以及土壤污染防治、地下水污染防治以及噪声、光、恶臭污染防治，确认为地方财政事权"):
    the rest is a case of the joint matter, the listed work are matters of their own (以及 after complete work joins
    two lists), and the joint matter holds none of their words."""
    rules, _ = compiled("问：水污染防治怎么划分？\n"
                        "答：重点流域中跨省的水污染防治，确认为中央与地方共同财政事权，由中央与地方共同承担支出责任。"
                        "除跨省外的其他水污染防治，以及土壤污染防治、地下水污染防治以及噪声、光、恶臭污染防治，确认为地方财政事权，"
                        "由地方承担支出责任。\n",
                        field="生态环境", title="某某生态环境领域中央与地方财政事权和支出责任划分改革方案")
    found = outcomes(rules)
    assert found["土壤污染防治"] == found["噪声污染防治"] == found["恶臭污染防治"] == [("地方", "地方")]
    (joint,) = [m for m in rules["matters"] if m["name"].endswith("跨省的水污染防治")]
    assert not joint["name"].startswith("答") and not any("噪声" in (o.get("clause") or "") for o in joint["outcomes"])


def test_a_news_sentence_that_runs_on_to_a_second_rule_is_two_rules():
    """"…确认为市与县共同财政事权，…按4:6比例分担，同时将县道、乡道的养护确认为县级财政事权，…" and "…由市级承担支出
    责任，而各县辖区内的渡口改造则确认为县级财政事权…" (compile.yaml second_rule_openers): the second rule is one of its
    own, without the report's 据…介绍/方案将/而/则, and 县道 is a name, not the county's 道."""
    text = ("某某市交通运输领域市与县财政事权和支出责任划分改革方案\n"
            "近日，市政府办公室印发《某某市交通运输领域市与县财政事权和支出责任划分改革方案》，明确将高速公路连接线建设确认为"
            "市与县共同财政事权，建设资金由市级与所在县按4:6比例分担，同时将县道、乡道的建设和养护确认为县级财政事权，由县级"
            "承担支出责任。\n"
            "据市财政局相关负责人介绍，在水路方面，方案将公用锚地的建设和维护确认为市级财政事权，由市级承担支出责任，而各县"
            "辖区内的渡口改造则确认为县级财政事权，由县级承担支出责任。\n")
    rules, _ = compile_document(parse(text, "news-runon"))
    assert outcomes(rules) == {
        "高速公路连接线建设": [(None, "市与县共同")], "县道的建设和养护": [("县", "县")], "乡道的建设和养护": [("县", "县")],
        "公用锚地的建设和维护": [("市", "市")], "各县辖区内的渡口改造": [("县", "县")]}


def test_a_news_lead_that_states_rules_is_a_paragraph_not_the_title():
    """A mirror page opening with a lead that names the plan in 《》 and states its rules ("…印发《…》,将A,B…等事项,
    确认为…;将C、D…确认为…。详情如下;"), then the plan's title line: the lead is compiled (its commas list items), the
    title is the plan's, 省内 is no level prefix."""
    text = ("某某省生态环境厅印发《某某省生态环境领域省级与市县财政事权和支出责任划分改革实施方案》,将放射性污染防治,"
            "省内重点流域水污染防治,跨市流域上下游横向生态补偿等事项,确认为省级与市县共同财政事权;将土壤污染防治、"
            "地下水污染防治等事项,确认为市县财政事权。详情如下;\n"
            "某某省生态环境领域省级与市县财政事权和支出责任划分改革实施方案\n"
            "为深入推进我省生态环境领域省级与市县财政事权和支出责任划分改革工作,结合我省实际,制定本方案。\n")
    doc = parse(text, "lead-page")
    rules, _ = compile_document(doc)
    assert doc.title == "某某省生态环境领域省级与市县财政事权和支出责任划分改革实施方案"
    assert set(outcomes(rules)) == {"放射性污染防治", "省内重点流域水污染防治", "跨市流域上下游横向生态补偿",
                                    "土壤污染防治", "地下水污染防治"}


def test_a_word_a_loaded_plan_writes_is_never_respelt(tmp_path):
    """"我们是扩权县…" with a second plan loaded whose words sound alike (全省, read quan-xian too): 扩权县 is written in
    the first plan as it stands, so it is the user's word, not a typo to read as another (engine._respelt). (This pair
    of plans of our own does not make the old code respell it; four real pages loaded together did: see the commit.)"""
    engine_for(tmp_path, "prov-edu", "某某省教育领域中央与地方财政事权和支出责任划分改革方案\n一、主要内容\n"
               "义务教育总体为中央与地方共同财政事权。\n公用经费保障。生均公用经费所需经费由中央与我省按80:20比例分担。"
               "应由我省承担部分，甲市自行负担，其余市（州）和扩权县由省级财政全额承担。\n")
    engine = engine_for(tmp_path, "prov-health", "某某省医疗卫生领域省与市县财政事权和支出责任划分改革方案\n一、主要内容\n"
                        "将全省性卫生健康规划编制确认为省级财政事权，由省级承担支出责任。\n")
    result, _ = engine.ask("我们是扩权县 生均公用经费地方那块谁出")
    assert not result.get("corrections") and {f["payer"] for f in result["findings"]} == {"省"}, result["answer"]
