"""The parser on plans as web pages paste them: breadcrumbs, page tables, a 文号 beside the date,
whole bodies run into one line, "(一)标题。" headings.

Every text here is synthetic (our own wording, invented places and numbers); each copies the
layout and residue of a kind of published page, not its words.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant.document.compile import compile_document
from assistant.document.parse import heading_title, load_document, parse, verbatim_view

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "qinzhou-ip-fiscal-plan-2025.txt"

NOTICE = "示例市人民政府办公室关于印发示例市水利领域市与县区财政事权和支出责任划分改革方案的通知"
TITLE = "示例市水利领域市与县区财政事权和支出责任划分改革方案"
ADDRESSEES = "各县、区人民政府,市政府各部门:"
BODY = ("为推进水利领域改革,结合我市实际,制定本方案。\n一、水利规划\n"
        "将市级水利规划编制,确认为市级财政事权,由市级承担支出责任。\n"
        "将县区水利规划编制,确认为县区财政事权,由县区承担支出责任。\n")


def _doc(text: str):
    doc = parse(text, "sample")
    view = verbatim_view(text)
    assert all(b.text in view for b in doc.blocks), "every block is cut from the text as pasted"
    return doc


def _value(doc, key):
    return (doc.meta.get(key) or {}).get("value")


# ---------------------------------------------------------------- 文号

DOC_NUMBER_PAGES = {
    "table row, spaced key, half-width brackets": (
        "索 引 号: | 00000000000000000X/2024-000001 | 生成日期: | 2024-05-20 |\n"
        "文 号: | 示政办发[2024]12号 | 关键字: | 水利,县区,支出 |\n"
        "所属机构: | 市政府办公室 | 发布机构: | 示例市人民政府 |\n"
        f"{NOTICE} | |\n信息来源:示例市人民政府办公室\n发布时间:2024-05-20 10:30\n浏览次数:\n|\n|\n"
        f"{ADDRESSEES}\n《{TITLE}》已经市政府同意,现印发给你们,请认真贯彻落实。\n示例市人民政府办公室\n2024年5月18日\n"
        f"{TITLE}\n{BODY}",
        "示政办发[2024]12号"),
    "table row, keys without colons": (
        "索引号 | 00000000000000000X/2024-000002 | 文号 | 示政发〔2023〕7号 |\n"
        f"{TITLE}\n{BODY}",
        "示政发〔2023〕7号"),
    "number and date on one line under the notice title": (
        f"{NOTICE}\n示政办发〔2020〕3号 2020年1月15日\n{ADDRESSEES}\n"
        f"《{TITLE}》已经市政府同意,现印发给你们,请认真贯彻落实。\n{TITLE}\n{BODY}",
        "示政办发〔2020〕3号"),
    "issuer, date and number on one line": (
        f"{NOTICE}\n{ADDRESSEES}\n《{TITLE}》已经市政府同意,现印发给你们,请认真贯彻落实。\n"
        f"示例市人民政府办公室 2020年3月5日 示政办发〔2020〕14号\n{TITLE}\n{BODY}",
        "示政办发〔2020〕14号"),
    "number first, in lenticular brackets": (
        f"示政辦發【2022】9號\n{NOTICE}\n{ADDRESSEES}\n《{TITLE}》已经市政府同意,现印发给你们。\n"
        f"示例市人民政府办公室\n2022年1月24日\n{TITLE}\n{BODY}",
        "示政辦發【2022】9號"),
    "a page table pasted one cell per line": (
        f"标题\n:{NOTICE}索引号\n:000000000/2025-000001主题分类\n:城乡建设发文机关\n:示例市人民政府办公室成文日期\n"
        f":2025-04-01发文字号\n:示办发〔2025〕2号发布日期\n:2025-04-03有效性\n:有效\n{TITLE}\n{BODY}",
        "示办发〔2025〕2号"),
    "no number anywhere": (f"当前位置:\n{TITLE}\n\n发布时间:2025-01-10 09:00 字号:[ ] 护眼模式:\n\n{BODY}", None),
}


@pytest.mark.parametrize("text,number", DOC_NUMBER_PAGES.values(), ids=DOC_NUMBER_PAGES.keys())
def test_doc_number_where_pages_put_it(text, number):
    doc = _doc(text)
    assert _value(doc, "doc_number") == number
    assert _value(doc, "title") == TITLE
    if number is None:
        assert "doc_number" not in doc.meta     # missing stays missing: never the document id


def test_doc_number_on_a_line_with_the_date_is_quoted_from_its_own_block():
    doc = _doc(DOC_NUMBER_PAGES["number and date on one line under the notice title"][0])
    assert doc.meta["doc_number"]["anchor"] == "doc-number" and doc.block("doc-number").text == "示政办发〔2020〕3号"
    assert _value(doc, "date_issued") == "2020-01-15"
    assert _value(doc, "addressees") == ADDRESSEES.rstrip(":")


# ---------------------------------------------------------------- breadcrumbs and page lines

PAGES = {
    "breadcrumb alone above the title": (
        f"当前位置:\n{TITLE}\n\n\n发布时间:2025-09-01 17:29 字号:[ ] 护眼模式:\n\n\n{BODY}", TITLE, None),
    "breadcrumb with spaces, source line, font switch": (
        f"当前位置 :首页 > 信息公开 > 市政府办文件\n{NOTICE}\n示政办发〔2021〕8号\n2021年03月02日来源:市政府办公室\n"
        f"[字体: ] 打印\n\n{ADDRESSEES}\n\n  经市政府同意,现将《{TITLE}》印发给你们,请认真贯彻执行。\n\n"
        f"  示例市人民政府办公室\n\n  2021年2月26日\n\n  (此件公开发布)\n\n{TITLE}\n\n{BODY}",
        TITLE, "示例市人民政府办公室"),
    "arrow breadcrumb": (
        f"首页 -> 信息公开 -> 规范性文件\n{NOTICE}\n示政办发〔2022〕10号\n{ADDRESSEES}\n"
        f"经市政府同意,现将《{TITLE}》印发给你们。\n示例市人民政府办公室\n2022年6月1日\n{TITLE}\n{BODY}",
        TITLE, "示例市人民政府办公室"),
    "addressees first, title over two lines": (
        "各设区市人民政府,省直各单位、各派出机构:\n"
        "《样板省林业领域省级与市县财政事权和支出责任划分改革实施方案》已经省政府同意,现印发给你们,请认真贯彻执行。\n"
        "样板省人民政府办公厅\n2022年3月4日\n样板省林业领域省级与市县财政事权\n和支出责任划分改革实施方案\n"
        "根据上级有关精神,结合我省实际,制定本实施方案。\n一、林业资源管理\n"
        "将省级森林资源调查,确认为省级财政事权,由省级承担支出责任。\n",
        "样板省林业领域省级与市县财政事权和支出责任划分改革实施方案", "样板省人民政府办公厅"),
    "page header repeats the notice title": (
        f"标题\n:{NOTICE}索引号\n:000000000/2025-000001主题分类\n:城乡建设发文机关\n:示例市人民政府办公室成文日期\n"
        f":2025-04-01发文字号\n:示办发〔2025〕2号有效性\n:有效\n{NOTICE}\n示例市人民政府办公室\n"
        f"关于印发示例市水利领域市与县区财政事权和支出责任划分改革方案的通知\n示办发〔2025〕2号\n{ADDRESSEES}\n"
        f"《{TITLE}》已经市政府同意,现印发给你们。\n示例市人民政府办公室\n2025年4月1日\n{TITLE}\n{BODY}",
        TITLE, "示例市人民政府办公室"),
    "plan title in title marks over two lines": (
        f"{NOTICE}\n{ADDRESSEES}\n《{TITLE}》已经市政府同意,现印发给你们。\n示例市人民政府办公室\n2021年12月28日\n"
        "《示例市水利领域市与县区财政事权和支出\n责任划分改革方案》\n" + BODY,
        TITLE, "示例市人民政府办公室"),
}


@pytest.mark.parametrize("text,title,issuer", PAGES.values(), ids=PAGES.keys())
def test_page_navigation_is_never_title_or_issuer(text, title, issuer):
    doc = _doc(text)
    assert _value(doc, "title") == title
    assert _value(doc, "issuer") == issuer
    for b in doc.blocks:
        assert not any(noise in b.text for noise in ("当前位置", "首页", "字体", "护眼模式", "发布时间", "标题:"))
    assert doc.block("title").text.replace("\n", "") and not doc.block("title").text.endswith(":")
    if _value(doc, "notice_title"):
        assert _value(doc, "notice_title") == NOTICE
    if _value(doc, "addressees"):
        assert _value(doc, "addressees").startswith("各")


def test_addressee_line_is_never_the_title():
    doc = _doc(PAGES["addressees first, title over two lines"][0])
    assert doc.block("addressees").text.startswith("各设区市人民政府")
    assert _value(doc, "place") == "样板省" and _value(doc, "field") == "林业"
    assert [b.short for b in doc.paragraphs()][:4] == ["主送机关", "通知正文第1段", "落款", "成文日期"]


# ---------------------------------------------------------------- headings run into the text

RUN_TOGETHER = {
    "flattened page, spaces between paragraphs": (
        f"{TITLE} 为推进改革,结合我市实际,制定本方案。 一、水利规划 将市级水利规划编制,确认为市级财政事权,由市级承担支出责任。"
        " 将县区水利规划编制,确认为县区财政事权,由县区承担支出责任。 二、水利工程 将县区小型水库维护,确认为县区财政事权,"
        "由县区承担支出责任。",
        [("heading", None, "一、水利规划"),
         ("paragraph", "第一部分第1段", "将市级水利规划编制,确认为市级财政事权,由市级承担支出责任。"),
         ("paragraph", "第一部分第2段", "将县区水利规划编制,确认为县区财政事权,由县区承担支出责任。"),
         ("heading", None, "二、水利工程"),
         ("paragraph", "第二部分第1段", "将县区小型水库维护,确认为县区财政事权,由县区承担支出责任。")]),
    "no spaces, run-in sub-heading after a colon title": (
        f"{TITLE}\n为推进改革，结合我市实际，制定本方案。一、公路（一）国道：将国道养护，确认为市级财政事权，由市级承担支出责任。"
        "（二）农村公路。将农村公路养护，确认为县区财政事权，由县区承担支出责任。",
        [("heading", None, "一、公路"), ("heading", None, "（一）国道"),
         ("paragraph", "一（一）第1段", "将国道养护，确认为市级财政事权，由市级承担支出责任。"),
         ("heading", None, "（二）农村公路"),
         ("paragraph", "一（二）第1段", "将农村公路养护，确认为县区财政事权，由县区承担支出责任。")]),
    "a part heading and its first sub-heading on one line": (
        f"{TITLE}\n一、公路(一)国道:将国道养护,确认为市级财政事权,由市级承担支出责任。(二)农村公路:将农村公路养护,"
        "确认为县区财政事权,由县区承担支出责任。\n",
        [("heading", None, "一、公路"), ("heading", None, "(一)国道"),
         ("paragraph", "一（一）第1段", "将国道养护,确认为市级财政事权,由市级承担支出责任。"),
         ("heading", None, "(二)农村公路"),
         ("paragraph", "一（二）第1段", "将农村公路养护,确认为县区财政事权,由县区承担支出责任。")]),
    "half-width sub-heading with its body on the same line": (
        f"{TITLE}\n一、主要内容\n(一)水文监测。将市级水文站网运行,确认为市级财政事权,由市级承担支出责任。\n",
        [("heading", None, "一、主要内容"), ("heading", None, "(一)水文监测"),
         ("paragraph", "一（一）第1段", "将市级水文站网运行,确认为市级财政事权,由市级承担支出责任。")]),
}


@pytest.mark.parametrize("text,expected", RUN_TOGETHER.values(), ids=RUN_TOGETHER.keys())
def test_inline_headings_become_their_own_blocks(text, expected):
    doc = _doc(text)
    body = [(b.kind, b.short if b.kind == "paragraph" else None, b.text) for b in doc.blocks
            if b.kind in ("heading", "paragraph") and not (b.short or "").startswith("序言")]
    assert body == expected
    assert _value(doc, "title") == TITLE


def test_rule_after_an_inline_heading_compiles():
    doc = _doc(RUN_TOGETHER["flattened page, spaces between paragraphs"][0])
    rules, report = compile_document(doc)
    assert report["uncompiled"] == []
    payers = {(o["payer"], o["anchor"]) for m in rules["matters"] for o in m["outcomes"]}
    assert ("市", "p-1-1") in payers and ("县区", "p-1-2") in payers and ("县区", "p-2-1") in payers


NOT_HEADINGS = {
    "counting road classes": "将一、二级公路养护,确认为市级财政事权,由市级承担支出责任。一、二级航道由县区养护。",
    "a ratio": "由市与县区按1.5:1比例分担支出责任。1.5倍以上部分由县区承担。",
    "a quoted article": "依照《示例条例》第一条规定执行。第三条规定的事项由县区承担。",
    "a date after a full stop": "本方案自印发之日起施行。2024年3月1日前已安排的项目按原规定执行。",
    "a list inside a sentence": "主要包括：1.河道清淤；2.堤防维修；3.泵站运行。",
    "a later number with nothing before it": "按原规定执行。三、其他事项由县区负责。",
}


@pytest.mark.parametrize("sentence", NOT_HEADINGS.values(), ids=NOT_HEADINGS.keys())
def test_numbers_inside_sentences_are_not_split(sentence):
    doc = _doc(f"{TITLE}\n一、水利规划\n{sentence}\n")
    assert [(b.short, b.text) for b in doc.paragraphs() if b.kind == "paragraph"] == [("第一部分第1段", sentence)]


# ---------------------------------------------------------------- "(一)标题。" on its own line

@pytest.mark.parametrize("heading,title", [
    ("(一)自然资源确权登记。", "(一)自然资源确权登记"),
    ("（一）自然资源确权登记。", "（一）自然资源确权登记"),
    ("(一)自然资源确权登记", "(一)自然资源确权登记"),
])
def test_parenthesised_heading_with_a_full_stop(heading, title):
    doc = _doc(f"{TITLE}\n一、自然资源产权管理\n{heading}\n"
               "将省级确权登记,确认为市级财政事权,由市级承担支出责任。\n将县区确权登记,确认为县区财政事权,由县区承担支出责任。\n")
    assert [b.text for b in doc.blocks if b.kind == "heading"] == ["一、自然资源产权管理", title]
    assert [(b.short, b.text[:8]) for b in doc.paragraphs() if b.kind == "paragraph"] == \
        [("一（一）第1段", "将省级确权登记,"), ("一（一）第2段", "将县区确权登记,")]


def test_item_heading_with_a_full_stop():
    doc = _doc(f"{TITLE}\n一、预防与准备\n1.应急管理制度建设。\n将市级预案编制,确认为市级财政事权,由市级承担支出责任。\n")
    assert [b.text for b in doc.blocks if b.kind == "heading"] == ["一、预防与准备", "1.应急管理制度建设"]
    assert [b.short for b in doc.paragraphs() if b.kind == "paragraph"] == ["一1.第1段"]


def test_a_short_sentence_after_a_number_stays_a_paragraph():
    doc = _doc(f"{TITLE}\n第一条 水利规划。将市级水利规划编制,确认为市级财政事权,由市级承担支出责任。\n"
               "第二条 本方案由市财政局负责解释。\n第三条 本方案自2025年1月1日起施行。\n")
    assert [b.text for b in doc.blocks if b.kind == "heading"] == ["第一条 水利规划", "第二条", "第三条"]
    assert [b.short for b in doc.paragraphs() if b.kind == "paragraph"] == ["第一条第1段", "第二条第1段", "第三条第1段"]
    assert _value(doc, "date_effective") == "2025-01-01" and _value(doc, "interpreter") == "市财政局"


def test_a_line_counting_classes_is_no_heading():
    doc = _doc(f"{TITLE}\n一、水利工程\n将县区水库维护,确认为县区财政事权,由县区承担支出责任。\n一、二级堤防由市级维护。\n")
    assert [b.text for b in doc.blocks if b.kind == "heading"] == ["一、水利工程"]
    assert [b.short for b in doc.paragraphs() if b.kind == "paragraph"] == ["第一部分第1段", "第一部分第2段"]


# ---------------------------------------------------------------- the seed, flattened

def test_seed_run_into_one_line_parses_like_the_seed():
    """A page that lost every line break: same paragraphs, labels and metadata as the clean text."""
    clean = load_document(SEED)
    source = SEED.read_text(encoding="utf-8")
    flat = _doc(" ".join(line.strip() for line in source.splitlines() if line.strip()))
    assert [(b.short, b.text.replace(" ", "")) for b in flat.blocks] == \
        [(b.short, b.text.replace(" ", "")) for b in clean.blocks]
    assert {k: v["value"] for k, v in flat.meta.items() if isinstance(v, dict)} == \
        {k: v["value"] for k, v in clean.meta.items() if isinstance(v, dict)}


# ---------------------------------------------------------------- residue inside a line

def test_a_page_serial_that_broke_a_word_is_dropped_and_real_items_stay():
    """A page that put its own "2、" at the start of a line that goes on with the last line's word
    ("…辖区内省" / "2、级水库…"): one line, one word, and quotes are still cut from the view."""
    text = (f"{TITLE}\n一、水利工程\n"
            "（一）省级水库：除省级负责以外的辖区内省\n2、级水库的维护职责的财政支出责任由市与县区共同承担。\n"
            "（二）小型水库。主要事项如下：\n1、县区水库维护由县区承担支出责任。\n2、县区水库除险由县区承担支出责任。\n"
            "（三）其他水库。县区负责的其他水库事项主要包括\n1、县区山塘整治由县区承担支出责任。\n")
    doc = _doc(text)
    texts = [b.text for b in doc.paragraphs()]
    assert "除省级负责以外的辖区内省级水库的维护职责的财政支出责任由市与县区共同承担。" in texts
    assert "省2、级" not in verbatim_view(text)
    # real items keep their numbers: after a complete line, and after a line whose end joins no word
    assert [b.text for b in doc.blocks if b.kind == "heading" and b.text[0].isdigit()] == ["1、", "2、", "1、"]
    assert "县区水库除险由县区承担支出责任。" in texts


def test_pinyin_glosses_are_page_residue():
    """"領(lǐng)域", "權（quán）": the gloss is neither read nor quoted, in the parse and the view alike."""
    text = ("示例市水利領(lǐng)域市與縣區財政事權(quán)和支出責(zé)任劃分改革方案\n一、水利規劃\n"
            "將市級水利規劃編制,確認為市級財政事權（quán）,由市級承擔支出責任。\n")
    doc = _doc(text)
    assert _value(doc, "title") == "示例市水利領域市與縣區財政事權和支出責任劃分改革方案"
    assert "(" not in verbatim_view(text) and "（quán）" not in verbatim_view(text)
    rules, _ = compile_document(doc)
    (matter,) = rules["matters"]
    assert matter["name"] == "水利规划编制" and matter["outcomes"][0]["payer"] == "市"
    assert matter["outcomes"][0]["quote"] in verbatim_view(text)


@pytest.mark.parametrize("line", [
    "某某省政府办公厅近日印发方案,推进水利领域省与市县财政事权和支出责任划分改革。这是该省出台的首个分领域财政事权和支出责任划分改革方案。",
    "这是该省印发的首个分领域财政事权和支出责任划分改革方案。",
])
def test_words_around_the_genres_name_are_no_title(line):
    doc = _doc(f"某某省出台方案厘定水利领域权责\n\n{line}\n首先,明确省级财政事权3项。\n")
    assert "首个" not in (_value(doc, "title") or "") and not (_value(doc, "title") or "").startswith("的")


def test_a_heading_number_on_a_line_of_its_own_numbers_the_short_title_after_it():
    """"一" / "水利规划" / "将市级水利规划编制…": the page put the number on its own line; the title is a heading
    (never "一水利规划将市级…" as one paragraph), and the rule under it compiles with its own name."""
    text = TITLE + "\n一\n水利规划\n将市级水利规划编制,确认为市级财政事权,由市级承担支出责任。\n"
    doc = _doc(text)
    headings = [b for b in doc.blocks if b.kind == "heading"]
    assert [heading_title(b.folded) for b in headings] == ["水利规划"]
    rules, _ = compile_document(doc)
    assert [m["name"] for m in rules["matters"]] == ["水利规划编制"]


def test_a_news_line_says_from_when_with_cong():
    # "该方案从2019年1月1日起实施" (a news report) says when it takes effect as "自…起施行" does
    doc = _doc(f"{TITLE}\n近日，省政府办公厅印发了本方案，该方案从2026年3月1日起实施。\n"
               "将市级水利规划编制,确认为市级财政事权,由市级承担支出责任。\n")
    assert _value(doc, "date_effective") == "2026-03-01"


def test_a_page_row_of_several_pairs_gives_when_the_page_was_put_up():
    # "来源 :… 访问次数 : 发布时间:…" on one line: every pair is read; the time is the page's, not a 成文日期
    doc = _doc(f"{TITLE}\n来源 :某某政务网 访问次数 : 发布时间:2026-02-03 09:15 打印\n{BODY}")
    assert _value(doc, "date_published") == "2026-02-03" and _value(doc, "date_issued") is None
    assert not any("访问次数" in b.text for b in doc.blocks)


def test_upper_documents_in_ascii_brackets_with_a_bracket_the_page_dropped():
    # "(国办发〔202014号)": a page's half-width brackets, and the 〕 it lost, still name the upper document
    doc = _doc(f"{TITLE}\n根据《某某省人民政府办公厅关于印发水利领域改革方案的通知》(某政办发〔20215号)精神,结合我市实际,制定本方案。\n"
               "一、水利规划\n将市级水利规划编制,确认为市级财政事权,由市级承担支出责任。\n")
    (upper,) = doc.meta["upper_documents"]
    assert upper["doc_number"] == "某政办发〔20215号" and upper["quote"] in doc.blocks[1].text
