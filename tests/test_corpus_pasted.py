"""The parser on plans as web pages paste them: "(一)标题。" headings.

Every text here is synthetic (our own wording, invented places and numbers); each copies the
layout and residue of a kind of published page, not its words.
"""
from __future__ import annotations

import pytest

from assistant.corpus import parse, verbatim_view


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
