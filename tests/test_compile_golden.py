"""Each shape of list and sentence real plans use, in a small plan of our own (tests/plans/shapes/),
compiled and compared with its reviewed compile report (tests/golden/shapes/). After a deliberate
change to the compiler, regenerate with `UPDATE_GOLDEN=1 pytest tests/test_compile_golden.py` and
review the diff of tests/golden/ like any other change."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.document.compile import compile_document, format_report, split_items
from assistant.document.parse import load_document
from assistant.document.rules import validate

ROOT = Path(__file__).resolve().parent.parent
SHAPES = sorted((ROOT / "tests" / "plans" / "shapes").glob("*.txt"))
GOLDEN = ROOT / "tests" / "golden" / "shapes"


def compiled(stem: str) -> tuple[dict, dict]:
    return compile_document(load_document(ROOT / "tests" / "plans" / "shapes" / f"{stem}.txt"))


@pytest.mark.parametrize("path", SHAPES, ids=lambda p: p.stem)
def test_compile_report_matches_its_golden_file(path):
    doc = load_document(path)
    rules, report = compile_document(doc)
    assert validate(rules, doc) == []                      # every quote verbatim, every anchor real
    got = format_report(rules, report)
    golden = GOLDEN / f"{path.stem}.report.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


def items_of(rules: dict, needle: str) -> list[tuple[str, str | None, str]]:
    """(name, level, payer) of every outcome quoting the sentence that contains needle."""
    return [(m["name"], o["level"], o["payer"]) for m in rules["matters"] for o in m["outcomes"]
            if needle in o["quote"]]


@pytest.mark.parametrize("stem, needle, expected", [
    # a shared tail after the last item ("…规划编制及其组织实施") belongs to every item
    ("lists", "全市性文物保护规划", [
        ("文物保护规划编制及其组织实施", "市", "市"), ("跨县区文物保护规划编制及其组织实施", "市", "市"),
        ("重点片区文物保护规划编制及其组织实施", "市", "市"), ("考古工作规划编制及其组织实施", "市", "市")]),
    # short items borrow the head before the first item's last word; 和 before an item with its own level
    ("lists", "县区文物保护规划、政策", [
        ("文物保护规划", "县区", "县区"), ("文物保护政策", "县区", "县区"), ("文物保护标准", "县区", "县区"),
        ("文物普查", "县区", "县区"), ("文物档案数字化", "县区", "县区")]),
    # short items borrow the tail after the last item's first word
    ("lists", "洪涝、雷电", [
        ("洪涝病害防治", "县区", "县区"), ("雷电病害防治", "县区", "县区"), ("白蚁病害防治", "县区", "县区"),
        ("地面沉降病害防治", "县区", "县区")]),
    # 以及 ends a list of like items; a 和 inside an item that is not parallel stays
    ("lists", "古建筑消防", [
        ("古建筑消防", None, "市与县区共同"), ("石窟寺消防", None, "市与县区共同"),
        ("馆藏文物消防", None, "市与县区共同"), ("其他地方性文物和遗址消防", None, "市与县区共同")]),
    # the list inside brackets after 主要包括
    ("lists", "主要包括", [("本体修缮补助", None, "市与县区共同"), ("安防消防设施补助", None, "市与县区共同")]),
    # a 的-phrase is the head of every listed duty
    ("lists", "修缮、保养", [
        ("辖区内县级文物保护单位的修缮", "县区", "县区"), ("辖区内县级文物保护单位的保养", "县区", "县区"),
        ("辖区内县级文物保护单位的巡查", "县区", "县区"), ("辖区内县级文物保护单位的看护", "县区", "县区")]),
    # 除…外的其他X: X, with the exclusion kept as the condition (checked below)
    ("lists", "除已明确", [("文物修复", "县区", "县区")]),
    # A、B等其他X: A, B and 其他X
    ("lists", "等其他遗产保护", [("革命文物保护", "县区", "县区"), ("工业遗产保护", "县区", "县区"),
                                 ("其他遗产保护", "县区", "县区")]),
    # 明确为 / 上划为 / X为…共同财政事权 without 将 or a comma
    ("sentences", "明确为", [("地震监测台网运行维护", "省", "省")]),
    ("sentences", "上划为", [("地震烈度速报设施检测", "省", "省")]),
    ("sentences", "省级地震应急救援队伍建设为", [("地震应急救援队伍建设", None, "省与市县共同")]),
    ("sentences", "市县地震应急避难场所建设", [("地震应急避难场所建设", "市县", "市县"), ("地震科普宣传", "市县", "市县")]),
    # a clause after ； that states its own rule
    ("sentences", "市县地震灾害风险普查", [("地震灾害风险普查", "市县", "市县")]),
    # three levels joint
    ("sentences", "国家地震台站改造", [("国家地震台站改造", None, "中央、省与市县共同"),
                                       ("跨省地震监测协作", None, "中央、省与市县共同")]),
    # payer sentences: no 由; clauses that place or say how before the payer; 分别承担
    ("payers", "气象观测站网建设", [("聚焦全市防灾减灾需要的气象观测站网建设", "市", "市")]),
    ("payers", "市级气象服务平台", [("市级气象服务平台", "市", "市")]),
    ("payers", "人工影响天气作业", [("人工影响天气作业", None, "市与县区共同")]),
    # news lines: 《方案》指出，… / 其中，在…方面，《方案》将…
    ("news", "《方案》指出", [("林业规划", "市", "市"), ("林业调查监测", "市", "市")]),
    ("news", "森林防火方面", [("森林防火指挥平台建设", "市", "市"), ("扑火队伍建设", "市", "市")]),
])
def test_each_list_item_is_its_own_matter(stem, needle, expected):
    rules, _ = compiled(stem)
    assert items_of(rules, needle) == expected


def test_the_exclusion_of_a_rest_of_kind_item_is_its_condition():
    rules, _ = compiled("lists")
    (o,) = [o for m in rules["matters"] if m["name"] == "文物修复" for o in m["outcomes"]]
    assert o["condition"] == "除已明确由市级负责的馆藏珍贵文物修复、市属博物馆展陈提升外"


def test_each_levels_part_of_a_joint_matter_is_paid_by_that_level():
    rules, _ = compiled("sentences")
    parts = {(m["name"], o["payer"]) for m in rules["matters"] if m.get("part_of") == "全省地震预警系统建设"
             for o in m["outcomes"]}
    assert parts == {("预警中心建设", "省"), ("预警信息发布平台建设", "省"), ("预警终端布设", "市县"),
                     ("预警信息接收设施运行维护", "市县")}


def test_sentences_that_strengthen_or_describe_compile_to_nothing():
    rules, report = compiled("sentences")
    quotes = [o["quote"] for m in rules["matters"] for o in m["outcomes"]]
    assert not any("适当加强" in q or "原则上" in q for q in quotes)
    (fault,) = items_of(rules, "地震活动断层探测")          # the joint rule before it, alone
    assert fault == ("地震活动断层探测", None, "省与市县共同")
    assert not any("适当加强" in u["sentence"] or "原则上" in u["sentence"] for u in report["uncompiled"])


def test_a_rule_like_sentence_that_does_not_compile_is_reported_with_its_reason():
    rules, report = compiled("sentences")
    (u,) = report["uncompiled"]
    assert "国家级地震观测站" in u["sentence"] and "给予支持" in u["reason"]
    assert not items_of(rules, "国家级地震观测站")


@pytest.mark.parametrize("stem, title, place", [
    ("news", "某某市林业领域市与县财政事权和支出责任划分改革方案", None),          # 《》 in a news line
    # a headline "某某省出台…方案" is no title; the 《》 name in the text is (an unclosed 《 before it is not)
    ("clauses", "某某省卫生健康领域省与市县财政事权和支出责任划分改革方案", None),
    # a reading's page: the 《》 name in its 信息名称 and heading lines
    ("columns", "某某市林业领域市与区财政事权和支出责任划分改革方案", None),
    ("notice", "某某自治区水利领域自治区以下财政事权和支出责任划分改革实施方案", None),  # 关于印发…的通知
    ("preamble", "南平市林业草原领域市与县财政事权和支出责任划分改革方案", "南平市"),    # 现就…领域… + place
])
def test_the_title_is_read_from_the_page_never_the_document_id(stem, title, place):
    rules, _ = compiled(stem)
    assert rules["title"] == title
    if place:
        assert load_document(ROOT / "tests" / "plans" / "shapes" / f"{stem}.txt").meta["place"]["value"] == place


def test_a_catch_all_only_from_a_sentence_that_says_so():
    assert compiled("lists")[0]["catch_all"]["quote"].startswith("文物保护领域其他未列事项")
    assert compiled("news")[0]["catch_all"] is None           # none in the text: none borrowed
    assert compiled("columns")[0]["catch_all"] is None        # "…、产业发展、其他事项四大类" lists a kind


def test_a_page_table_row_laid_out_with_spaces_gives_each_key_its_own_value():
    """"文  号:     关 键 词:    林业;…": the 文号 is empty, not the keywords; the issuer ends before 生成日期."""
    doc = load_document(ROOT / "tests" / "plans" / "shapes" / "columns.txt")
    assert "doc_number" not in doc.meta and doc.doc_number == "columns"
    assert doc.meta["issuer"]["value"] == "某某市人民政府"


def outcomes_of(rules: dict, needle: str) -> list[dict]:
    return [dict(o, name=m["name"], part_of=m.get("part_of")) for m in rules["matters"] for o in m["outcomes"]
            if needle in o["quote"]]


def test_a_field_divided_into_counted_kinds():
    """"将…领域分为A、B、C等三大类，均确认为…共同财政事权": the kinds are the matters."""
    rules, _ = compiled("clauses")
    assert sorted({n for n, _, _ in items_of(rules, "分为公共卫生")}) == ["公共卫生", "医疗保障", "能力建设"]


def test_the_parts_of_a_joint_rule_after_qizhong():
    """"…总体为省与市县共同财政事权，并按具体事项细化，其中：涉及A、B、C等经常性事项，…明确省与市、县财政
    分类负担比例…；涉及阶段性任务和专项性工作的事项，例如X，所需经费则由市县财政统筹安排…": each listed
    matter (and the example) is a part of the joint matter, of its 事权, paid as its clause says."""
    rules, _ = compiled("clauses")
    assert items_of(rules, "基本公共卫生服务总体为") == [("基本公共卫生服务", None, "省与市县共同")]
    regular = [o for o in outcomes_of(rules, "涉及健康档案管理") if o["quote"].startswith("涉及")]
    assert [(o["name"], o["payer"]) for o in regular] == [
        ("健康档案管理", "省与市县共同"), ("预防接种", "省与市县共同"), ("健康教育", "省与市县共同")]
    assert {(o["part_of"], o["authority"], o["shares"]) for o in regular} == {
        ("基本公共卫生服务", "省与市县共同财政事权", "明确省与市、县财政分类负担比例")}
    assert items_of(rules, "涉及阶段性任务") == [("阶段性任务", "市县", "市县"), ("专项性工作", "市县", "市县"),
                                                 ("疫情防控专项演练补助", "市县", "市县")]


@pytest.mark.parametrize("needle, name, shares", [
    # "针对X，《方案》指出所需经费由…": the topic names the matter, not the reporter or the money
    ("针对计划生育", "计划生育扶助保障", {"省": 0.6, "市县": 0.4}),
    # "针对X，…标准按照…执行，所需经费由…": the clause that says how it is reckoned names nothing
    ("针对乡村医生", "乡村医生补助", {"省": 0.7, "市县": 0.3}),
    # "变化的主要内容是X，省与市县负担比例由5:5调整为6:4": the split it is now
    ("变化的主要内容", "家庭医生签约服务", {"省": 0.6, "市县": 0.4}),
    # "按5:5、4:6比例分担": a split per kind of place, so the plan's words, never the first pair alone
    ("5:5、4:6", "基层医疗卫生机构能力建设", "由省与市县按5：5、4：6比例分担"),
])
def test_payer_clauses_of_a_news_reading(needle, name, shares):
    rules, _ = compiled("clauses")
    (o,) = [o for o in outcomes_of(rules, needle) if not o["part_of"]]
    assert (o["name"], o["shares"], o["authority"]) == (name, shares, "")
    assert o["level"] is None and o["payer"] == "省与市县共同"


def test_a_split_for_one_kind_of_place_is_that_places_part():
    """"…由省与市县按6:4比例分担，山区县（…）由省级财政与市县财政按8:2比例分担，其余地区由…按6:4比例分担":
    each kind of place has its own part of the matter, with its condition and its own numbers."""
    rules, _ = compiled("clauses")
    parts = [o for o in outcomes_of(rules, "针对计划生育") if o["part_of"] == "计划生育扶助保障"]
    assert [(o["name"], o["condition"], o["payer"], o["shares"]) for o in parts] == [
        ("山区县（含革命老区县）计划生育扶助保障", "山区县（含革命老区县）", "省与市县共同", {"省": 0.8, "市县": 0.2}),
        ("其余地区计划生育扶助保障", "其余地区", "省与市县共同", {"省": 0.6, "市县": 0.4})]


def test_one_level_that_pays_mainly_keeps_the_words():
    rules, _ = compiled("clauses")
    (o,) = outcomes_of(rules, "医学重点学科")
    assert (o["name"], o["payer"], o["shares"]) == ("医学重点学科建设", "省", "由省级财政承担主要支出责任")


def test_principles_and_descriptions_compile_to_nothing():
    """"属于省级财政事权的，由省级承担相应支出责任；…" says how a kind of 事权 is paid and names no matter:
    reported, never a matter named after a heading; "补助方式由定额法改为因素法" and "适当加强…" describe."""
    rules, report = compiled("clauses")
    assert not outcomes_of(rules, "属于") and not outcomes_of(rules, "补助方式") and not outcomes_of(rules, "适当加强")
    assert [u["reason"] for u in report["uncompiled"]] == ["只写了按事权归属划分的原则，未列明具体事项"] * 2
    assert all(u["sentence"].startswith("属于") for u in report["uncompiled"])


def test_the_matters_a_scope_sentence_and_the_sentence_after_it_list():
    """"纳入省与市县共同财政事权范围的…包括A、B" and then "具体包括5个事项：C、D；E；F、G"."""
    rules, _ = compiled("clauses")
    assert items_of(rules, "纳入") == [("城乡居民医疗保险补助", None, "省与市县共同"), ("医疗救助", None, "省与市县共同")]
    listed = outcomes_of(rules, "具体包括")
    assert [o["name"] for o in listed] == ["医疗救助", "城乡居民基本医疗保险补助", "大病保险补助", "疾病应急救助",
                                           "重特大疾病医疗救助"]
    assert {o["authority"] for o in listed} == {"省与市县共同财政事权"}


def test_a_table_whose_columns_are_levels():
    """One cell per line ("领域" / "市级财政事权与支出责任" / "区级财政事权与支出责任" / row / cells), and a
    pipe table with the same header: each cell's sentence is the column's level's, quoted as written;
    区级 and "市与区" name the county tier of a city made of districts."""
    rules, _ = compiled("columns")
    assert [lv["name"] for lv in rules["levels"]] == ["市", "县区"]
    assert items_of(rules, "编制全市性林业发展规划") == [
        ("林业发展规划", "市", "市"), ("林地保护利用规划", "市", "市"), ("森林资源年度监测", "市", "市")]
    assert items_of(rules, "区级组织的古树名木日常养护") == [
        ("区级组织的古树名木日常养护", "县区", "县区"), ("区级自主开展的护林巡查工作", "县区", "县区")]
    assert {o["authority"] for o in outcomes_of(rules, "区级组织")} == {"区级财政事权"}
    assert items_of(rules, "全市森林防火指挥系统") == [("森林防火指挥系统建设", "市", "市")]
    assert items_of(rules, "区级扑火队伍") == [("扑火队伍装备购置", "县区", "县区")]
    (o,) = outcomes_of(rules, "林业有害生物防治")
    assert (o["payer"], o["shares"]) == ("市与县区共同", {"市": 0.5, "县区": 0.5})
    for m in rules["matters"]:      # no header or row title is a matter
        assert not re.search(r"财政事权|^领域$|^规划管理$|^资源保护$", m["name"]), m["name"]


def test_ingest_and_compile_print_the_report(tmp_path, capsys):
    plan = ROOT / "tests" / "plans" / "shapes" / "sentences.txt"
    assert main(["--data", str(tmp_path), "ingest", "--report", str(plan)]) == 0
    out = capsys.readouterr().out
    golden = (GOLDEN / "sentences.report.txt").read_text(encoding="utf-8")
    assert out.startswith("已加入《") and out.endswith(golden)
    assert main(["--data", str(tmp_path), "compile", "--report"]) == 0
    assert capsys.readouterr().out == golden + "\n"
    assert main(["--data", str(tmp_path), "compile", "--check"]) == 0     # --report wrote nothing


@pytest.mark.parametrize("segment, rule_levels, names", [
    # modifiers ending in 性/化 before a noun are one matter
    ("基础性、公益性、战略性地质调查", ["省"], ["基础性、公益性、战略性地质调查"]),
    # examples before 等X are one matter; 高等 is no 等
    ("长江、黄河等重点流域水污染防治", ["中央"], ["长江、黄河等重点流域水污染防治"]),
    ("学前教育、普通高中教育、高等教育等其他教育", ["省"], ["学前教育", "普通高中教育", "高等教育", "其他教育"]),
    # short names before one long piece no name ends like: the tail is everyone's, one matter as written
    ("国家自然灾害、安全生产及火灾监测预警体系建设", ["中央"], ["国家自然灾害、安全生产及火灾监测预警体系建设"]),
    # a last item longer than every one before it, and a whole name after 和: four items
    ("村邮站运营、寄递服务、农村寄递物流站点建设和快递包装回收治理", [],
     ["村邮站运营", "寄递服务", "农村寄递物流站点建设", "快递包装回收治理"]),
    # work after the last 的 is every item's; a 的 after a verb is a relative clause, not shared
    ("技术市场、成果交易平台的建设和运行", ["市"], ["技术市场的建设和运行", "成果交易平台的建设和运行"]),
    ("应急体系规划编制、县级预案修订和县区组织的应急演练", ["县区"],
     ["应急体系规划编制", "预案修订", "县区组织的应急演练"]),
    # a level word that is no level of the rule stays in the name
    ("乡镇运输服务站建设、综合客运枢纽建设", ["县（市、区）"], ["乡镇运输服务站建设", "综合客运枢纽建设"]),
    # two names alike (…公路) before the work said after the last: each name's own item, the work every one's
    ("国家高速公路、省级高速公路建设中按规定需由地方承担的项目资本金", ["市"],
     ["国家高速公路建设中按规定需由地方承担的项目资本金", "省级高速公路建设中按规定需由地方承担的项目资本金"]),
    ("市级美术馆、图书馆免费开放", ["市"], ["美术馆免费开放", "图书馆免费开放"]),
    # a level's name with 、 in it is not split ("区、县（市）")
    ("各区、县（市）自主组织实施的技术攻关项目", ["县（市、区）"], ["各区、县（市）自主组织实施的技术攻关项目"]),
    # 涉及/及其 are no conjunctions
    ("涉及县域生态环境规划编制和方案制定", ["县"], ["涉及县域生态环境规划编制和方案制定"]),
    # a short complete work (测绘) before a longer item is an item of its own
    ("全省性基础测绘、重点区域遥感影像获取的组织实施", ["省"], ["基础测绘", "重点区域遥感影像获取的组织实施"]),
    # kind words after 等 / 的 are no part of the items; two names built alike are two
    ("日常运转、校舍维护、学生生活等经常性事项", ["省"], ["日常运转", "校舍维护", "学生生活"]),
    ("阶段性任务和专项性工作的事项", ["省"], ["阶段性任务", "专项性工作"]),
    ("卫生健康领域分为公共卫生、医疗保障、能力建设等三大类", ["省"], ["公共卫生", "医疗保障", "能力建设"]),
    # places named in full before 等 and work: each place with the work, and the kind they are examples of; short
    # examples stay one list (above), and so does a list that only frames a 的-clause
    ("某某综合性科学中心、某某科技城、高新技术产业开发区等区域创新体系建设", ["省"],
     ["某某综合性科学中心建设", "某某科技城建设", "高新技术产业开发区建设", "区域创新体系建设"]),
    # (the work words the kind ends in, all of them: 建设发展)
    ("市级重点实验室、市级技术创新中心、市级新型研发机构等科技创新基地建设发展", ["市", "县（市、区）"],
     ["重点实验室建设发展", "技术创新中心建设发展", "新型研发机构建设发展", "科技创新基地建设发展"]),
    ("在生命科学、材料科学、海洋科学等领域开展的前瞻性基础研究", ["省"], ["在生命科学、材料科学、海洋科学等领域开展的前瞻性基础研究"]),
])
def test_split_items(segment, rule_levels, names):
    assert [i.name for i in split_items(segment, rule_levels)] == names


def test_a_principle_sentence_names_no_matter():
    rules, report = compiled("sentences")
    assert not items_of(rules, "谁的财政事权") and not any("所称" in u["sentence"] for u in report["uncompiled"])


def test_one_level_pays_mainly_and_another_helps():
    """"由市级负责跨县区灌区组织协调,支出责任以县区财政为主,市级财政给予补助;县区组织实施的…的支出责任由
    县区财政承担": two rules, each quoting its own clause; no name holds "；" or a payer's clause."""
    rules, report = compiled("mainly")
    assert items_of(rules, "跨县区灌区组织协调") == [("跨县区灌区", None, "市与县区共同")]
    (o,) = next(m for m in rules["matters"] if m["name"] == "跨县区灌区")["outcomes"]
    assert "支出责任以县区财政为主，市级财政给予补助" in o["shares"] and "；" not in o["quote"].replace(";", "；")[:-1]
    assert items_of(rules, "灌区移民安置") == [("县区组织实施的灌区移民安置", "县区", "县区")]
    assert items_of(rules, "跨县区的堤防项目") == [("跨县区的堤防项目", None, "市与县区共同")]
    assert items_of(rules, "县区负责具体事项组织实施的堤防项目") == [("负责具体事项组织实施的堤防项目", "县区", "县区")]
    # the work listed after "对X，除…以外的" is done to X
    assert [n for n, _, _ in items_of(rules, "对市级作为实施主体")] == [
        "市级作为实施主体的省级堤防建设", "市级作为实施主体的省级堤防维护", "市级作为实施主体的省级堤防管理"]
    for m in rules["matters"]:
        assert "；" not in m["name"] and not re.match(r"[^，]{0,6}财政(给予|承担)", m["name"]), m["name"]
    assert report["uncompiled"] == []


def test_a_page_serial_inside_a_word_does_not_cut_the_matter():
    """"…辖区内省" / "2、级堤防建设…" (a page's own numbering): the matter is 省级堤防, not 级堤防."""
    rules, _ = compiled("mainly")
    names = [m["name"] for m in rules["matters"]]
    assert "辖区内省级堤防建设" in names and not any(n.startswith("级") for n in names)


def test_a_news_readings_lead_ins_and_summaries():
    """A news reading of a plan: "例如，在…中，将…" / "如将…" lists start at 将; a page's bullet and the
    colon before the verb are no part of a name; a subject that only sums up a kind of matter ("一些
    事项则…", "由基层管理更加方便有效…的事项") is reported, never compiled into a matter."""
    rules, report = compiled("summaries")
    names = [m["name"] for m in rules["matters"]]
    assert items_of(rules, "在林业规划编制中") == [("林业规划编制", "省", "省"), ("林业标准制定", "省", "省")]
    assert items_of(rules, "如将") == [("跨市的国有林场基础设施建设", "省", "省")]
    assert items_of(rules, "森林生态效益补偿") == [("森林生态效益补偿", None, "省与市县共同")]
    # "…由各级财政区分不同情况承担相应的支出责任": every level pays, as the plan words it
    assert items_of(rules, "总体为") == [("林业改革发展", None, "各级财政")]
    # "其中：涉及A、B等经常性事项…": each a part of the joint rule just before, of its 事权
    assert items_of(rules, "一般执行") == [("林场运转", None, "省与市县共同"), ("护林员管护", None, "省与市县共同")]
    assert {(m["part_of"], m["outcomes"][0]["authority"]) for m in rules["matters"] if "一般执行" in m["outcomes"][0]["quote"]} \
        == {("林业改革发展", "中央、省、市与县（市、区）共同财政事权")}
    assert not any(re.search(r"例如|^如|^在|一些事项|方便有效|◆|：$", n) for n in names), names
    assert [u["reason"] for u in report["uncompiled"]] == ["只概括了一类事项，未列明具体事项"] * 2


def test_a_counted_list_of_a_levels_matters():
    """"明确省级财政事权3项，包括A、B、C": as many matters as counted, each as written ("省属…" is no
    "属…", "全省性或跨市的…" no "或跨市的…"); a joint one is the levels' together."""
    rules, report = compiled("summaries")
    assert items_of(rules, "明确省级财政事权3项") == [
        ("全省性或跨市的林业有害生物防控", "省", "省"), ("省属国有林场改革和发展建设", "省", "省"), ("省级林业管理", "省", "省")]
    assert items_of(rules, "共同财政事权2项") == [("森林防火", None, "省与市县共同"), ("古树名木保护", None, "省与市县共同")]
    # a goal of the reform ("…事权、支出责任和财力相适应的制度") is no rule, compiled or reported
    assert not any("相适应" in u["sentence"] for u in report["uncompiled"])
    # "1" / "、市县林业站建设…": the page broke the item's number off its line
    assert items_of(rules, "市县林业站建设") == [("林业站建设", "市县", "市县")]
