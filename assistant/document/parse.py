"""Parse a pasted plan of the 财政事权和支出责任划分 genre into an anchored tree.

The parser works line by line on a length-preserving folded copy of each line (simplified
characters, full-width punctuation), but every block keeps the original text, so quotes cut
from blocks are verbatim. What pasting breaks is mended: titles and paragraphs split across
lines or page breaks are joined, page numbers and web-page table residue are dropped (the
residue's fields are kept as metadata hints).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from assistant.language.normalize import fold_document, strip_spaces_in_cjk, to_simplified

CN_DIGITS = "零〇一二三四五六七八九"
_NUM = "[一二三四五六七八九十百零〇]"

# Heading kinds, outermost first: a new heading closes every open heading of its rank or deeper.
HEADING_RANK = {"attachment": 0, "chapter": 1, "part": 2, "sub": 3, "article": 4, "item_dot": 5, "item_paren": 6}
_HEADING_PATTERNS = [
    ("chapter", re.compile(rf"^第({_NUM}{{1,3}})章\s*(.*)$")),
    ("article", re.compile(rf"^第({_NUM}{{1,4}})条\s*(.*)$")),
    ("part", re.compile(rf"^({_NUM}{{1,3}})\s*、\s*(.*)$")),
    ("sub", re.compile(rf"^（({_NUM}{{1,3}})）\s*(.*)$")),
    ("item_paren", re.compile(r"^（(\d{1,2})）\s*(.*)$")),
    ("item_dot", re.compile(r"^(\d{1,2})\s*[\.．、](?!\d)\s*(.*)$")),
]
_ATTACHMENT = re.compile(r"^附件\s*(\d*)\s*[：:]?\s*$")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[（(【]\s*\d{4}\s*[〕\]）)】]\s*\d{1,4}\s*号")
# "一、二级公路" and "一、二类" count things; they are no heading "一、" titled "二级…".
_COUNTING = re.compile(rf"^{_NUM}(?:级|类|等|档|批|期|星|产业)")
_DATE = re.compile(r"^[（(]?\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*[）)]?$")
_CN_DATE = re.compile(rf"^[（(]?([{CN_DIGITS}]{{4}})年([{CN_DIGITS}十]{{1,3}})月([{CN_DIGITS}十]{{1,3}})日[）)]?$")
# (and a line of digits only, "202166": a date whose 年月日 the page lost, never part of a title)
_PAGE_NUMBER = re.compile(r"^[-—–－\s]*\d{1,3}[-—–－\s]*$|^第\s*\d+\s*页(\s*[/，,]?\s*共\s*\d+\s*页)?$|^\d+\s*/\s*\d+$"
                          r"|^\d{4,8}$")
_RESIDUE_KEYS = ("索引号", "发布机构", "发文机关", "成文日期", "发布日期", "发文日期", "主题分类", "文号", "生效日期",
                 "有效性", "标题", "主题词", "信息来源", "公开方式", "生成日期", "所属机构", "关键字", "关键词",
                 "发布时间", "更新时间", "失效日期", "组配分类", "体裁分类", "服务对象", "来源", "访问次数", "浏览次数")
_NOISE = re.compile(r"^(打印本页|关闭窗口|[【\[]?\s*字体[：:].*|分享到[：:]?.*|扫一扫.*|来源[：:].*|浏览次数.*|【打印】.*|【关闭】.*"
                    r"|字号[：:+＋].*|.*(视力保护色|护眼模式)[：:]?\s*|\d{4}\s*[-年./]\s*\d{1,2}\s*[-月./]\s*\d{1,2}\s*日?\s*"
                    r"(\d{1,2}[：:]\d{2}([：:]\d{2})?)?\s*(来源|浏览|点击)[：:].*)$")
_KEY_ALIASES = {"发文字号": "文号", "文件编号": "文号"}   # page-table keys read as another key
# Web-page navigation: "当前位置：首页 > 政务公开 > 政府文件", "首页 -> 政务公开 -> 政策文件".
_BREADCRUMB = re.compile(r"^(当前位置|您现在的位置|您的位置|现在位置|所在位置)\s*[：:]|^(网站)?首页\s*(>|->|＞|»|›|/|→)")
_TERMINAL = tuple("。！？；：…”’」』")
_TITLE_ENDINGS = ("方案", "办法", "意见", "通知", "规定", "细则", "决定", "清单", "规划", "函", "（试行）", "（暂行）")
_ISSUER_ENDINGS = ("办公室", "办公厅", "人民政府", "委员会", "财政局", "财政厅", "管委会", "局", "厅")
_TABLE_ROW = re.compile(r"\t|\||\s{2,}")


def cn_to_int(text: str) -> int:
    """Chinese numerals up to the hundreds (一, 十二, 二十, 一百零五) and Arabic digits."""
    if text.isdigit():
        return int(text)
    values = {c: i for i, c in enumerate("零一二三四五六七八九")}
    values["〇"] = 0
    total, current = 0, 0
    for ch in text:
        if ch in values:
            current = values[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def parse_date(text: str) -> str | None:
    """'2025年7月31日' or '二〇二五年七月三十一日' → '2025-07-31'."""
    folded = fold_document(text.strip())
    m = _DATE.match(folded)
    if m:
        y, mo, d = m.groups()
        return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
    m = _CN_DATE.match(folded)
    if m:
        y = "".join(str(cn_to_int(c)) for c in m.group(1))
        return f"{int(y):04d}-{cn_to_int(m.group(2)):02d}-{cn_to_int(m.group(3)):02d}"
    m = re.match(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)", folded)   # a page's "2020-11-04 11:04"
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return None


@dataclass
class Block:
    anchor: str                 # id in the source viewer
    kind: str                   # notice_title|doc_number|addressee|notice_paragraph|signature|date|title|paragraph|heading
    text: str                   # original text, lines of one paragraph joined
    path: list[str] = field(default_factory=list)     # enclosing headings as written, outermost first
    short: str | None = None    # "二（四）第2段", "序言第1段", "发文字号" …
    paragraph: int | None = None
    depth: int = 0

    @property
    def folded(self) -> str:
        return fold_document(self.text)


@dataclass
class Document:
    doc_id: str
    source: str
    blocks: list[Block]
    meta: dict                  # every value with the anchor and quote it comes from

    @property
    def doc_number(self) -> str:
        """What labels name the plan by: its 文号, or its doc id when the text states none. The doc id
        is no 文号: a fact about the plan reads meta["doc_number"], which is absent then."""
        return (self.meta.get("doc_number") or {}).get("value") or self.doc_id

    @property
    def title(self) -> str:
        return (self.meta.get("title") or {}).get("value") or self.doc_id

    def label(self, block: Block) -> str:
        return f"{self.doc_number} {block.short}" if block.short else self.doc_number

    def block(self, anchor: str) -> Block | None:
        return next((b for b in self.blocks if b.anchor == anchor), None)

    def paragraphs(self) -> list[Block]:
        return [b for b in self.blocks if b.kind != "heading"]

    def tree(self) -> dict:
        """The JSON shape the source viewer reads."""
        def value(key: str) -> str | None:
            return (self.meta.get(key) or {}).get("value")
        return {
            "doc_id": self.doc_id, "title": self.title, "doc_number": self.doc_number,
            "issuer": value("issuer"), "date_issued": value("date_issued"), "date_effective": value("date_effective"),
            "blocks": [{"anchor": b.anchor, "kind": b.kind, "depth": b.depth, "text": b.text,
                        "label": self.label(b) if b.short and b.kind != "heading" else None, "path": b.path,
                        "paragraph": b.paragraph}
                       for b in self.blocks],
        }


# ---------------------------------------------------------------- lines

@dataclass
class _Line:
    text: str        # original, stripped
    folded: str
    gap: str = ""    # the whitespace between this piece and the previous piece of the same source line
    sealed: bool = False   # source text between this and the previous kept line was dropped: never join them

    @property
    def kind(self) -> str:
        return classify(self.folded)


def heading_match(folded: str) -> tuple[str, str, str] | None:
    """(kind, number, rest) when the line starts with a heading number."""
    for kind, pattern in _HEADING_PATTERNS:
        m = pattern.match(folded)
        if m:
            if kind == "part" and _COUNTING.match(m.group(2)):
                return None
            return kind, m.group(1), m.group(2)
    return None


def heading_title(text: str) -> str:
    """A heading without its number ("一、义务教育" → "义务教育", "（一）科技研发" → "科技研发")."""
    return _HEADING_NUMBER.sub("", text)


_HEADING_NUMBER = re.compile(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]?")


def _compact(text: str) -> str:
    """Spaces a web layout put between CJK characters removed ("文 号" → "文号")."""
    return re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", text)


def _residue_key(cell: str) -> str | None:
    """The page-table key a cell or line starts with ("文 号：…", "索引号"), if any."""
    m = re.match(r"^[:：]?\s*([\u4e00-\u9fff][\u4e00-\u9fff\s]{0,8}?)\s*(?:[：:]|$)", cell)
    key = _compact(m.group(1)) if m else None
    return key if key in _RESIDUE_KEYS or key in _KEY_ALIASES else None


@lru_cache(maxsize=8192)
def classify(folded: str) -> str:
    s = folded.strip()
    if not s:
        return "blank"
    if _PAGE_NUMBER.match(s) or _NOISE.match(s) or _BREADCRUMB.match(s):
        return "noise"
    compact = _compact(s)
    # a page-table row, unless a page run together carries the plan's sentences on the same line
    if "。" not in _TABLE_SPAN.sub("", s):
        if s.startswith("|") or (s.count("|") >= 2 and any(k in compact for k in _RESIDUE_KEYS)):
            return "residue"
        if sum(1 for k in _RESIDUE_KEYS if re.search(k + r"\s*[：:]", compact)) >= 2:
            return "residue"
    if len(s) <= 80 and (_residue_key(s) or (s[0] in "：:" and re.search(r"[：:]\S", s[:2]))):
        # "信息来源：市政府办公室"; a page table pasted as "标题" / "：…通知索引号" / "：009…主题分类" lines
        return "residue"
    if parse_date(s):
        return "date"
    if DOC_NUMBER.fullmatch(s.replace(" ", "")):
        return "doc_number"
    if _ATTACHMENT.match(s):
        return "attachment"
    if heading_match(s):
        return "heading"
    return "text"


def _complete(folded: str) -> bool:
    """Does this line end a paragraph by itself?"""
    s = folded.rstrip()
    if s.endswith(_TERMINAL):
        return True
    compact = s.replace(" ", "")
    if len(compact) <= 60 and "。" not in compact and compact.endswith(_TITLE_ENDINGS):
        return True
    if len(compact) <= 30 and compact.endswith(_ISSUER_ENDINGS) and "，" not in compact:
        return True
    if s.endswith("）") and s.startswith("（"):
        return True
    return False


_TABLE_SPAN = re.compile(r"[|｜](?:[^|｜。\n]*[|｜])+")


def _cut_tables(text: str) -> tuple[list[tuple[bool, str]], bool, dict[str, str]]:
    """Page-table cells on a kept line ("白银市…的通知 | |", "| 索引号: | … | 为贯彻落实……。") cut off:
    ([(cut before it, text)], cut at the end, the cells' key/value hints)."""
    parts: list[tuple[bool, str]] = []
    hints: dict[str, str] = {}
    pos, cut = 0, False
    for m in _TABLE_SPAN.finditer(text):
        cells = re.sub(r"[|｜\s]", "", m.group())
        if cells and not any(k in _compact(fold_document(m.group())) for k in (*_RESIDUE_KEYS, *_KEY_ALIASES)):
            continue   # a table with text of its own (an attachment's list) stays
        hints.update({k: v for k, v in _residue_hints(m.group()).items() if k not in hints})
        if text[pos:m.start()].strip():
            parts.append((cut, text[pos:m.start()].strip()))
        pos, cut = m.end(), True
    if text[pos:].strip():
        parts.append((cut, text[pos:].strip()))
        cut = False
    return parts, cut, hints


def _hint_key(key: str) -> str:
    return _KEY_ALIASES.get(key, key)


def _until_next_key(value: str) -> str:
    """A key/value cell's value without the next key/value pair a page put after it on the same row."""
    ends = [m.start() for key in (*_RESIDUE_KEYS, *_KEY_ALIASES)
            for m in re.finditer(r"(?:^|(?<=\s))" + r"\s*".join(map(re.escape, key)) + r"\s*[：:]", value)]
    return value[:min(ends)].strip() if ends else value.strip()


def _residue_hints(line: str) -> dict[str, str]:
    """Key/value cells of a page-table row: "| 文 号: | 市政办发[2024]59号 |", "索引号 | … | 文号 | …"."""
    cells = [c.strip() for c in re.split(r"[|｜\t]", line) if c.strip()]
    hints: dict[str, str] = {}
    i = 0
    while i < len(cells):
        cell = fold_document(cells[i])
        key = _residue_key(cell)
        if key:
            colon = re.search(r"[：:]", cell)
            value = cells[i][colon.end():].strip() if colon else ""
            if not value and i + 1 < len(cells) and not _residue_key(fold_document(cells[i + 1])):
                value = cells[i + 1]
                i += 1
            # "文  号:     关 键 词:    知识产权;…" / "发布机构:  南京市人民政府 生成日期: …": a row laid out
            # with spaces only; the value ends where the next key begins (an empty 文号 stays empty)
            whole, value = value, _until_next_key(value)
            rest = whole.strip()[len(value):].strip() if whole.strip().startswith(value) else ""
            if rest:   # the pairs after it on the row ("来源 :信用甘肃 访问次数 : 发布时间:2020-11-04 11:04")
                cells.insert(i + 1, rest)
            if value:
                hints.setdefault(_hint_key(key), value)
        i += 1
    return hints


def _colon_row_hint(text: str, pending: str | None) -> tuple[dict[str, str], str | None]:
    """A page table pasted one cell per line, each value line carrying the next key:
    "标题" / "：…的通知索引号" / "：009…主题分类" … → ({previous key: value}, next key)."""
    folded = fold_document(text)
    if not folded.startswith(("：", ":")):
        key = _residue_key(folded)
        return {}, (key if key and _compact(folded).rstrip("：:") == key else pending)
    body = text[1:].strip()
    compact_tail = _compact(fold_document(body))
    following = max((k for k in (*_RESIDUE_KEYS, *_KEY_ALIASES) if compact_tail.endswith(k)), key=len, default=None)
    value = body
    if following:
        # cut the key off the end of the original text (it may carry layout spaces)
        n, cut = len(following), len(body)
        while n and cut:
            cut -= 1
            if not body[cut].isspace():
                n -= 1
        value = body[:cut].strip()
    hints = {_hint_key(pending): value} if pending and value else {}
    return hints, following


# ---------------------------------------------------------------- run-together lines

_MARKER = re.compile(rf"第{_NUM}{{1,4}}[条章]|{_NUM}{{1,3}}\s*、|（{_NUM}{{1,3}}）|（\d{{1,2}}）|\d{{1,2}}\s*[\.．](?!\d)")
_TERMINAL_GAP = re.compile(r"(?<=[。；：！？])\s+(?=\S)")
_DATE_START = re.compile(r"\d{4}\s*年")


def _meta_piece(folded: str) -> bool:
    """A piece of a "庆阳市人民政府办公室 2020年3月5日 庆政办发〔2020〕14号" line."""
    return bool(parse_date(folded) or DOC_NUMBER.fullmatch(folded)
                or (len(folded) <= 30 and re.fullmatch(r"[\u4e00-\u9fff（）]+", folded) and folded.endswith(_ISSUER_ENDINGS))
                or (folded.startswith("（") and folded.endswith("）") and "此件" in folded))


def _gap_splits(folded: str) -> list[int]:
    """Where a line flattened from a web page had its line breaks: every gap between words, except
    inside a date, between Latin letters or digits, and right after a bare heading number ("一、 主要内容")."""
    cuts = []
    for m in re.finditer(r"\s+", folded):
        a, b = m.start(), m.end()
        if a == 0 or b == len(folded):
            continue
        before, after = folded[a - 1], folded[b]
        piece = folded[cuts[-1] if cuts else 0:a].strip()
        if _MARKER.fullmatch(piece):
            continue
        if (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum()):
            if not (_MARKER.match(folded, b) or _DATE_START.match(folded, b) or DOC_NUMBER.match(folded, b)):
                continue
        if (before.isdigit() and after in "年月日号") or (before in "年月" and after.isdigit()):
            continue
        cuts.append(b)
    return cuts


def _inline_heading_splits(folded: str, last: dict[str, int]) -> list[int]:
    """Heading numbers run into the text after a sentence end: "…制定本方案。一、公路（一）国道：…".

    A split needs a title that can be told from the text after it (ended by "。", "：", a space or a
    deeper heading number), and the number must start or continue the count of its kind, so that
    "按1.5:1", "一、二级" and a quoted "第一条" stay inside their sentence.
    """
    cuts: list[int] = []
    for m in _MARKER.finditer(folded):
        p = m.start()
        if p > 0 and folded[p - 1] not in "。；":
            continue
        found = heading_match(folded[p:])
        if not found:
            continue
        kind, number, rest = found
        chain = re.match(rf"([^，。；：（）\s]{{1,20}}?)(?=（{_NUM}{{1,3}}）|（\d{{1,2}}）)", rest)
        if p > 0:
            if folded[p - 1] == "；" and kind in ("item_dot", "item_paren"):
                continue   # "；2.…" lists inside a paragraph
            n = cn_to_int(number)
            if (n != 1 and n != last.get(kind, 0) + 1) or not (chain or _split_heading(rest)[0]):
                continue
            last[kind] = n
            cuts.append(p)
        if chain:   # "一、公路（一）国道…": the sub-heading starts where the short title ends
            q = p + len(folded[p:]) - len(rest) + chain.end()
            inner = heading_match(folded[q:])
            if inner and cn_to_int(inner[1]) == 1 and HEADING_RANK[inner[0]] > HEADING_RANK[kind]:
                last[inner[0]] = 1
                cuts.append(q)
    return cuts


def _pieces(text: str, last: dict[str, int], at_top: bool = False) -> list[tuple[str, str]]:
    """A source line → (gap, piece) pairs: the line itself, or the lines a web page ran together.
    `at_top`: nothing of the page kept yet, where a title may run into its preamble."""
    folded = fold_document(text)
    cuts: list[int] = []
    words = [m for m in re.finditer(r"\S+", folded)]
    if len(words) >= 2 and all(_meta_piece(w.group()) for w in words) \
            and any(parse_date(w.group()) or DOC_NUMBER.fullmatch(w.group()) for w in words):
        cuts = [w.start() for w in words[1:]]
    else:
        gaps = list(_TERMINAL_GAP.finditer(folded))
        if len(gaps) >= 2 or any(_MARKER.match(folded, g.end()) for g in gaps):
            cuts = _gap_splits(folded)
        segments = [0, *cuts, len(folded)]
        for a, b in zip(segments, segments[1:]):
            head = heading_match(folded[a:b].strip())
            if head:
                last[head[0]] = cn_to_int(head[1])
            cuts.extend(a + c for c in _inline_heading_splits(folded[a:b], last))
        glued = _title_glued(folded) if at_top else None
        cuts = sorted(set(cuts + ([glued] if glued else [])))
    out: list[tuple[str, str]] = []
    bounds = [0, *cuts, len(text)]
    trailing = ""
    for a, b in zip(bounds, bounds[1:]):
        chunk = text[a:b]
        piece = chunk.strip()
        if not piece:
            trailing += chunk
            continue
        lead = chunk[: len(chunk) - len(chunk.lstrip())]
        out.append((trailing + lead if out else "", piece))
        trailing = chunk[len(chunk.rstrip()):]
    return out


def _mend(raw_lines: list[str]) -> tuple[list[_Line], dict[str, str]]:
    """Drop noise and residue, split lines a web page ran together, then join lines that a page
    or line break split (a joined paragraph is still a substring of `verbatim_view`)."""
    hints: dict[str, str] = {}
    kept: list[_Line] = []
    last: dict[str, int] = {}
    pending_key: str | None = None
    dirty = False      # text was dropped since the last kept piece, inside a line the verbatim view keeps
    for raw in raw_lines:
        text = raw.strip()
        folded = fold_document(text)
        kind = classify(folded)
        if kind in ("blank", "noise"):
            continue
        if kind == "residue":
            row, pending_key = _colon_row_hint(text, pending_key)
            for key, value in {**_residue_hints(text), **row}.items():
                hints.setdefault(key, value)
            # "某某市出台方案 厘清…财政事权" / "发布时间：…来源：…" / "日前，…": a page's line of metadata after a
            # short line with no sentence in it ends a headline; the text after it starts its own paragraph
            if kept and len(kept[-1].folded) <= 40 and not re.search(r"[，。；]", kept[-1].folded):
                dirty = True
            continue
        pending_key = None
        # what is cut off stays in the verbatim view, so text on either side of a cut is never joined
        parts, cut_at_end, row = _cut_tables(text)
        for key, value in row.items():
            hints.setdefault(key, value)
        for cut_before, part in parts:
            dirty = dirty or cut_before
            for gap, piece in _pieces(part, last, at_top=not kept):
                piece_folded = fold_document(piece)
                piece_kind = classify(piece_folded)
                if piece_kind in ("noise", "residue"):
                    if piece_kind == "residue":
                        for key, value in _residue_hints(piece).items():
                            hints.setdefault(key, value)
                    dirty = True
                    continue
                kept.append(_Line(piece, piece_folded, gap=gap, sealed=dirty))
                dirty = False
        dirty = dirty or cut_at_end

    _seal_column_tables(kept)
    merged: list[_Line] = []
    in_table = False
    for line in kept:
        kind = line.kind
        if kind == "attachment":
            in_table = True
        prev = merged[-1] if merged else None
        joinable = prev is not None and not line.sealed
        if (joinable and kind == "text" and re.fullmatch(r"[一二三四五六七八九十]{1,3}", prev.folded.strip())
                and len(line.folded) <= 20 and not re.search(r"[，。；：、,.;:！？!?]", line.folded)):
            # "一" / "义务教育" / "义务教育总体为…": a heading whose number the page put on a line of its own
            # (its text as pasted, "一义务教育"; read as "一、义务教育"), never joined to the sentence after it
            merged[-1] = _Line(prev.text + line.gap + line.text, prev.folded + "、" + line.folded, prev.gap, prev.sealed)
            continue
        if (joinable and kind == "text" and prev.kind in ("text", "heading")
                and not _complete(prev.folded) and not (in_table and _TABLE_ROW.search(line.text))
                and not (prev.folded.count("|") >= 2 and line.folded.count("|") >= 2)   # rows of a pipe table
                and not _titled_line(prev.folded, line.folded)
                and not (prev.kind == "heading" and _is_pure_heading(prev.folded))):
            merged[-1] = _Line(prev.text + line.gap + line.text, prev.folded + fold_document(line.gap) + line.folded,
                               prev.gap, prev.sealed)
        elif (joinable and kind == "text" and prev.kind == "text" and line.folded.startswith("关于")
              and _is_issuer_name(prev.folded)):
            # "广元市人民政府办公室" / "关于印发…的通知": a notice title broken after its issuer
            merged[-1] = _Line(prev.text + line.gap + line.text, prev.folded + fold_document(line.gap) + line.folded,
                               prev.gap, prev.sealed)
        else:
            merged.append(line)
    return merged, hints


_COLUMN_HEADER = re.compile(r"(.{1,12}?)(?:级)?(?:财政)?事权(?:[与和及、](?:财政)?支出责任)?")


def column_header(folded: str) -> bool:
    """A table's column head that names a level's 事权 ("市级财政事权与支出责任")."""
    from assistant.document.compile import levels_in

    m = _COLUMN_HEADER.fullmatch(_compact(folded).strip())
    return bool(m and levels_in(m.group(0)))


def _seal_column_tables(lines: list[_Line]) -> None:
    """A table pasted one cell per line ("领域" / "市级财政事权与支出责任" / "区级财政事权与支出责任" /
    "宏观管理" / "制定全市性…。" / "制定区级…。" …): every cell stays a paragraph of its own, never
    joined to the next, up to the next heading."""
    i = 0
    while i < len(lines) - 1:
        if not (column_header(lines[i].folded) and column_header(lines[i + 1].folded)):
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].kind not in ("heading", "attachment"):
            lines[j].sealed = True
            j += 1
        if j < len(lines):
            lines[j].sealed = True
        i = j


def _titled_line(folded: str, following: str) -> bool:
    """A plan title in title marks on a line of its own ("《黄山市…实施方案》"), unless the next
    line goes on with the notice's sentence ("已经市政府同意，现印发给你们…")."""
    compact = _compact(folded).strip()
    return compact.startswith("《") and compact.endswith("》") and _is_plan_title(compact) \
        and not following.startswith(("已", "经", "现", "印发", "的", "，", "。", "、", "和", "及"))


def _is_issuer_name(folded: str) -> bool:
    return len(folded) <= 30 and folded.endswith(_ISSUER_ENDINGS) and not re.search(r"[，。；：、]", folded)


def _is_pure_heading(folded: str) -> bool:
    m = heading_match(folded)
    return bool(m) and _split_heading(m[2])[1] == "" and len(m[2]) <= 30


# A short line after a heading number is a title, unless it reads as a sentence.
_SENTENCE_WORDS = re.compile(r"本(实施)?(方案|办法|意见|细则|规定)|自.{1,20}起|由|负责|施行|应当|必须|确认为|承担")


def _heading_spans(rest: str) -> tuple[int, int]:
    """A heading line's rest → (end of its title, start of its inline paragraph); the title is
    rest[:end] (empty when end is 0) and there is no paragraph when start is len(rest)."""
    n = len(rest)
    if not rest.strip():
        return 0, n
    stop = rest.find("。")
    gap = re.search(r"\s+", rest)
    if gap and 0 < gap.start() <= 30 and (stop < 0 or gap.start() < stop) \
            and not re.search(r"[，。；：]", rest[:gap.start()]):
        after = rest[gap.end():]
        if re.search(r"[，。]", after) or len(after) > 30:                   # "标题 正文……" (a flattened page)
            return gap.start(), gap.end()
    if 0 < stop <= 30 and "，" not in rest[:stop] and stop < n - 1:     # "标题。正文……"
        return stop, stop + 1 + (len(rest[stop + 1:]) - len(rest[stop + 1:].lstrip()))
    if 0 < stop == n - 1 and stop <= 30 and not re.search(r"[，；：]", rest[:stop]) \
            and not _SENTENCE_WORDS.search(rest[:stop]):                     # "自然资源确权登记。"
        return stop, n
    colon = rest.find("：")
    if 0 < colon <= 25 and colon < n - 1 and not re.search(r"[，。；]", rest[:colon]) \
            and not _SENTENCE_WORDS.search(rest[:colon]):                    # "国道：市级财政承担……"
        return colon, colon + 1 + (len(rest[colon + 1:]) - len(rest[colon + 1:].lstrip()))
    if "。" not in rest and "；" not in rest and n <= 30:
        return n, n
    return 0, 0


def _split_heading(rest: str) -> tuple[str, str]:
    """A heading line's rest → (title, inline paragraph text)."""
    rest = rest.strip()
    end, start = _heading_spans(rest)
    return rest[:end], rest[start:].strip()


# ---------------------------------------------------------------- tree

def _number_label(kind: str, number: str) -> str:
    return {"part": number, "sub": f"（{number}）", "item_dot": f"{number}.", "item_paren": f"（{number}）",
            "article": f"第{number}条", "chapter": f"第{number}章", "attachment": f"附件{number}"}[kind]


def _anchor_key(kind: str, number: str) -> str:
    n = cn_to_int(number) if number else 1
    return {"part": f"{n}", "sub": f"{n}", "item_dot": f"d{n}", "item_paren": f"k{n}", "article": f"t{n}",
            "chapter": f"c{n}", "attachment": f"att{n}"}[kind]


def _short_prefix(stack: list[tuple[str, str, str]]) -> str:
    """Heading numbers on the path → '二（四）', '第二部分', '第五条', '附件' …"""
    if not stack:
        return "序言"
    if len(stack) == 1 and stack[0][0] == "part":
        return f"第{stack[0][1]}部分"
    return "".join(_number_label(kind, number) for kind, number, _ in stack)


_PLAN_TITLE_ENDINGS = ("方案", "办法", "意见", "细则", "规定", "规划", "清单", "（试行）", "（暂行）", "（征求意见稿）")


@lru_cache(maxsize=1)
def _preamble_opener() -> re.Pattern:
    from assistant.document.compile import compile_vocabulary

    return re.compile(compile_vocabulary()["preamble_openers"])


def _title_glued(folded: str) -> int | None:
    """"交通运输领域…改革实施方案根据陕西省…，制定本实施方案。一、…": a page that ran the plan's title into its
    preamble; the end of the title (compile.yaml preamble_openers start the preamble), or None. Only a title of
    the genre ("各县区要按照本方案根据…" is a sentence)."""
    for m in re.finditer("|".join(_PLAN_TITLE_ENDINGS), folded[:80]):
        title = folded[:m.end()]
        if _preamble_opener().match(folded, m.end()) and _GENRE.search(title) and _is_plan_title(title):
            return m.end()
    return None


def _is_notice_title(folded: str) -> bool:
    return "关于" in folded and (folded.endswith("通知") or "印发" in folded) and "。" not in folded


def _is_addressee(folded: str) -> bool:
    """"各设区市人民政府，省人民政府各工作部门、各直属机构：" — who a notice is sent to."""
    return folded.endswith("：") and len(folded) <= 150 and "。" not in folded and \
        (folded.startswith("各") or bool(re.search(r"人民政府|各部门|各单位|管委会|直属机构|有关部门|有关单位", folded)))


def _is_plan_title(folded: str) -> bool:
    """The plan's own title line ("…改革实施方案", possibly in 《》), as opposed to its notice."""
    compact = _compact(folded).strip()
    if compact.startswith("《") and compact.endswith("》"):
        compact = compact[1:-1]
    return 6 <= len(compact) <= 80 and compact.endswith(_PLAN_TITLE_ENDINGS) and "关于印发" not in compact \
        and not re.search(r"[。，；：《》]", compact)


def _front_matter_end(lines: list[_Line]) -> int:
    """Index of the plan's title line, or 0 when the text starts with it."""
    head = lines[:12]
    has_notice = any(_is_notice_title(l.folded) for l in head[:3]) or any(_is_addressee(l.folded) for l in head[:4]) \
        or any(l.kind == "doc_number" for l in head[:2])
    if not has_notice:
        return 0
    for i, line in enumerate(lines):
        if line.kind in ("heading", "attachment"):
            break
        if i > 0 and line.kind == "text" and _is_plan_title(line.folded):
            return i
    for i, line in enumerate(lines):
        if line.kind in ("heading", "attachment"):
            break
        if line.kind == "date" and i + 1 < len(lines):
            j = i + 1
            while j < len(lines) and lines[j].folded.startswith("（") and lines[j].folded.endswith("）"):
                j += 1  # （此件公开发布）
            return j
    return 0


def _is_signature(line: _Line, body: list[_Line]) -> bool:
    """An issuer's name on its own line right before the date that closes the plan."""
    i = next((k for k, l in enumerate(body) if l is line), -1)
    return 0 <= i < len(body) - 1 and body[i + 1].kind == "date" and len(line.folded) <= 30 \
        and line.folded.endswith(_ISSUER_ENDINGS) and "，" not in line.folded


def parse(text: str, doc_id: str) -> Document:
    """Parse a plan's text (as pasted) into a Document with anchored blocks and metadata."""
    lines, hints = _mend(page_lines(text))
    blocks: list[Block] = []
    start = _front_matter_end(lines)

    # Front matter: notice title, 文号, addressees, notice body, signature, date.
    notice_count = 0
    notice_title = None
    for i, line in enumerate(lines[:start]):
        kind = line.kind
        if notice_title is None and kind == "text" and not _is_addressee(line.folded) \
                and (i == 0 or _is_notice_title(line.folded)):
            notice_title = _compact(line.folded)
            blocks.append(Block("notice-title", "notice_title", line.text, short="通知标题"))
        elif notice_title is not None and _compact(line.folded) == notice_title:
            continue   # the page's header repeats the notice title above the document
        elif kind == "doc_number" and not any(b.kind == "doc_number" for b in blocks):
            blocks.append(Block("doc-number", "doc_number", line.text, short="发文字号"))
        elif kind == "date" and not any(b.kind == "date" for b in blocks):
            blocks.append(Block("notice-date", "date", line.text, short="成文日期"))
        elif line.folded.endswith("：") and len(line.folded) <= 120 and (notice_count == 0 or _is_addressee(line.folded)) \
                and not any(b.kind == "addressee" for b in blocks):
            blocks.append(Block("addressees", "addressee", line.text, short="主送机关"))
        elif _complete(line.folded) and not line.folded.endswith(_TERMINAL) and len(line.folded) <= 30 \
                and line.folded.endswith(_ISSUER_ENDINGS) and not any(b.kind == "signature" for b in blocks):
            blocks.append(Block("signature", "signature", line.text, short="落款"))
        else:
            notice_count += 1
            blocks.append(Block(f"notice-{notice_count}", "notice_paragraph", line.text,
                                short=f"通知正文第{notice_count}段"))

    # The plan's title: first line after the front matter that is not a heading.
    body = lines[start:]
    if body and body[0].kind == "text" and (_complete(body[0].folded) or _is_plan_title(body[0].folded)) \
            and not body[0].folded.endswith("。") and not _lead_with_rules(body[0].folded):
        blocks.append(Block("title", "title", body[0].text, short="方案标题"))
        body = body[1:]
        # "（会政办发〔2024〕31号）" or "（2024年12月20日…）" under a title with no notice around it
        while body and ((body[0].folded.startswith("（") and body[0].folded.endswith("）") and len(body[0].folded) <= 60)
                        or body[0].kind in ("doc_number", "date")):
            inner = body[0].folded
            if DOC_NUMBER.search(inner) and not any(b.kind == "doc_number" for b in blocks):
                blocks.append(Block("doc-number", "doc_number", body[0].text, short="发文字号"))
            elif parse_date(inner) and not any(b.kind == "date" for b in blocks):
                blocks.append(Block("notice-date", "date", body[0].text, short="成文日期"))
            else:
                break
            body = body[1:]

    stack: list[tuple[str, str, str]] = []     # (kind, number, heading text as written)
    para_count = 0
    for line in body:
        kind = line.kind
        if kind == "attachment":
            number = _ATTACHMENT.match(line.folded).group(1)
            stack = [("attachment", number, line.text)]
            para_count = 0
            blocks.append(Block(f"h-att{number or 1}", "heading", line.text, path=[], depth=1))
            continue
        if stack and stack[0][0] == "attachment" and len(stack) == 1 and kind == "text" and para_count == 0 \
                and not _TABLE_ROW.search(line.text) and not line.folded.endswith(_TERMINAL) and len(line.folded) <= 60:
            # the attachment's own title ("…划分清单") heads it; its rows are the paragraphs
            keys = _anchor_key(*stack[0][:2])
            blocks.append(Block(f"h-{keys}-title", "heading", line.text, path=[stack[0][2]], depth=2))
            stack[0] = (stack[0][0], stack[0][1], stack[0][2])
            continue
        match = heading_match(line.folded) if kind == "heading" else None
        if match and stack and stack[0][0] == "attachment" and _TABLE_ROW.search(line.text):
            match = None  # a table row that starts with its serial number
        if match:
            hkind, number, rest = match
            base = len(line.folded) - len(rest)
            end, start = _heading_spans(rest)
            while stack and HEADING_RANK[stack[-1][0]] >= HEADING_RANK[hkind]:
                stack.pop()
            # the heading as written up to the end of its title; what follows is its first paragraph
            heading_text = line.text[: base + end]
            inline = line.text[base + start:].strip() if start < len(rest) else ""
            stack.append((hkind, number, heading_text.strip()))
            para_count = 0
            keys = "-".join(_anchor_key(k, n) for k, n, _ in stack)
            # (its short label is its number, "二（一）1.（1）": cited where a heading is itself a rule)
            blocks.append(Block(f"h-{keys}", "heading", heading_text.strip(),
                                path=[h for _, _, h in stack[:-1]], depth=len(stack), short=_short_prefix(stack)))
            if inline:
                para_count += 1
                blocks.append(Block(f"p-{keys}-{para_count}", "paragraph", inline,
                                    path=[h for _, _, h in stack], short=f"{_short_prefix(stack)}第{para_count}段",
                                    paragraph=para_count, depth=len(stack) + 1))
            continue
        if kind == "date" and not any(b.kind == "date" for b in blocks):
            blocks.append(Block("sign-date", "date", line.text, short="成文日期"))
            continue
        if _is_signature(line, body) and not any(b.kind == "signature" for b in blocks):
            blocks.append(Block("signature", "signature", line.text, short="落款"))
            continue
        # "2024年12月10日　　绍政办发〔2024〕46号" split from its date: the 文号, not a paragraph.
        if DOC_NUMBER.fullmatch(fold_document(line.text).replace(" ", "").strip()) \
                and any(b.kind == "date" for b in blocks) and not any(b.kind == "doc_number" for b in blocks):
            blocks.append(Block("doc-number", "doc_number", line.text, short="发文字号"))
            continue
        para_count += 1
        keys = "-".join(_anchor_key(k, n) for k, n, _ in stack)
        anchor = f"p-{keys}-{para_count}" if stack else f"pre-{para_count}"
        blocks.append(Block(anchor, "paragraph", line.text, path=[h for _, _, h in stack],
                            short=f"{_short_prefix(stack)}第{para_count}段", paragraph=para_count,
                            depth=len(stack) + 1))

    doc = Document(doc_id=doc_id, source=text, blocks=blocks, meta={})
    doc.meta = extract_meta(doc, hints)
    return doc


# ---------------------------------------------------------------- metadata

_UPPER_DOC = re.compile(r"《([^》]+)》\s*[（(]([^）)]*?[〔\[]\s*\d{4}\s*[〕\]]?\s*\d+\s*号)[）)]")   # (a page may drop the 〕: 国办发〔202014号)
# "自2025年1月1日起施行", "从印发之日起实施", "于12月1日起施行" (a news page): when the plan takes effect
EFFECTIVE = re.compile(r"(?:自|从|于)([^，。；]*?)起(?:正式)?(施行|执行|实施)")
_FIELD = re.compile(r"([\u4e00-\u9fff]{2,8}?)领域")
_PLACE = re.compile(r"^(.{2,12}?(?:壮族自治区|自治区|自治州|省|市|盟|旗|县|区))")
_SCOPE = re.compile(r"(省|自治区|市|县|盟)以下")


def _fact(value, block: Block | None, quote: str | None = None) -> dict:
    return {"value": value, "anchor": block.anchor if block else None,
            "quote": quote if quote is not None else (block.text if block else None)}


def _sentence_with(block: Block, needle_pattern: re.Pattern | str) -> str | None:
    folded = block.folded
    m = re.search(needle_pattern, folded) if isinstance(needle_pattern, str) else needle_pattern.search(folded)
    if not m:
        return None
    start = max(folded.rfind("。", 0, m.start()), folded.rfind("；", 0, m.start())) + 1
    end = folded.find("。", m.end())
    end = len(folded) if end < 0 else end + 1
    return block.text[start:end].strip()


def extract_meta(doc: Document, hints: dict[str, str]) -> dict:
    by_kind: dict[str, Block] = {}
    for b in doc.blocks:
        by_kind.setdefault(b.kind, b)
    meta: dict = {}
    notice = by_kind.get("notice_title")
    title_block = by_kind.get("title")
    if title_block:
        title = strip_spaces_in_cjk(title_block.text)
        # "??2022年5月27日上海市…方案": a page that ran the date (and stray marks) into the title line
        title = re.sub(r"^[^\u4e00-\u9fff《\d]*(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)?\s*(?=[\u4e00-\u9fff《])", "", title)
        if title.startswith("《") and title.endswith("》"):
            title = title[1:-1]
        meta["title"] = _fact(title, title_block)
    elif notice and "《" in notice.text:
        meta["title"] = _fact(re.search(r"《(.+)》", notice.text).group(1), notice)
    elif notice:
        # "…办公厅关于印发广西交通运输领域…实施方案的通知": the plan is what the notice issues.
        m = _ISSUES.search(strip_spaces_in_cjk(notice.text))
        meta["title"] = _fact(m.group(1) if m else strip_spaces_in_cjk(notice.text), notice)
    found = (meta.get("title") or {}).get("value") or ""
    if not _names_a_plan(found):
        # A news page, a reading of the plan or a page without its title line: the plan named in
        # 《》 in a news line ("省政府办公厅近日印发《…方案》"), else "制定了…方案" in the text.
        named = _title_in_text(doc) or (None if found else _title_from_preamble(doc, hints))
        if named:
            meta["title"] = named
    if notice:
        meta["notice_title"] = _fact(strip_spaces_in_cjk(notice.text), notice)

    number_block = by_kind.get("doc_number")
    if number_block:
        found = DOC_NUMBER.search(fold_document(number_block.text))
        value = number_block.text[found.start():found.end()] if found else number_block.text
        meta["doc_number"] = _fact(value.replace(" ", ""), number_block)
    elif hints.get("文号"):
        meta["doc_number"] = {"value": hints["文号"], "anchor": None, "quote": None}
    else:
        # "2024年12月10日　　绍政办发〔2024〕46号": a 文号 on the signature or date line at the end.
        for b in doc.blocks:
            folded = fold_document(b.text)
            found = DOC_NUMBER.search(folded) if b.kind in ("date", "signature") else \
                DOC_NUMBER.fullmatch(folded.strip()) if b.kind == "paragraph" else None
            if found:
                meta["doc_number"] = _fact(b.text[found.start():found.end()].replace(" ", ""), b, b.text)
                break

    issuer = None
    if notice:
        m = re.match(r"^(.+?)关于", fold_document(notice.text))
        if m:
            issuer = _fact(notice.text[: m.end(1)], notice, notice.text)
        elif _is_issuer_name(fold_document(notice.text).strip()):
            # "淄博市人民政府办公室" alone above the notice's title (a page's 版头): the issuer
            issuer = _fact(notice.text.strip(), notice)
    if issuer is None and by_kind.get("signature"):
        issuer = _fact(by_kind["signature"].text, by_kind["signature"])
    if issuer is None and (hints.get("发布机构") or hints.get("发文机关")):
        issuer = {"value": hints.get("发布机构") or hints.get("发文机关"), "anchor": None, "quote": None}
    if issuer:
        meta["issuer"] = issuer

    date_block = by_kind.get("date")
    if date_block:
        meta["date_issued"] = _fact(parse_date(date_block.text), date_block)
    else:
        for key in ("成文日期", "发文日期", "发布日期"):
            if hints.get(key):
                value = parse_date(hints[key]) or hints[key]
                meta["date_issued"] = {"value": value, "anchor": None, "quote": None}
                break
        else:
            # "发布时间:2020-11-04 11:04": when the page put the text up, not when the plan was signed
            when = parse_date(hints.get("发布时间") or "")
            if when:
                shown = re.match(r"[\d\-./:： ]+", hints["发布时间"]).group(0).strip()
                meta["date_published"] = {"value": when, "anchor": None, "quote": shown}

    addressee = by_kind.get("addressee")
    if addressee:
        meta["addressees"] = _fact(addressee.text.rstrip("：:"), addressee)

    paragraphs = [b for b in doc.blocks if b.kind in ("paragraph", "notice_paragraph")]
    for b in paragraphs:
        sentence = _sentence_with(b, EFFECTIVE)
        if sentence and b.kind == "paragraph":
            when = EFFECTIVE.search(fold_document(sentence)).group(1)
            value = parse_date(when) or ((meta.get("date_issued") or {}).get("value") if "印发" in when else when)
            meta["date_effective"] = _fact(value, b, sentence)
            meta["effective_rule"] = _fact(fold_document(sentence).strip("。"), b, sentence)
            break
    for b in paragraphs:
        sentence = _sentence_with(b, r"解释")
        if sentence and b.kind == "paragraph":
            m = re.search(r"解释[^，。]*?由(.+?)(负责|承担)", fold_document(sentence)) or \
                re.search(r"由(.+?)负责解释", fold_document(sentence))
            meta["interpreter"] = _fact(m.group(1) if m else None, b, sentence)
            break

    upper = []
    for b in doc.blocks:
        if b.kind != "paragraph" or not b.short or not b.short.startswith("序言"):
            continue
        for m in _UPPER_DOC.finditer(b.text):
            upper.append({"title": m.group(1), "doc_number": m.group(2).replace(" ", ""),
                          "anchor": b.anchor, "quote": m.group(0)})
    meta["upper_documents"] = upper

    title = (meta.get("title") or {}).get("value") or ""
    if title:
        # Place and field are read, not quoted: from the simplified title, so a page in traditional
        # characters (張掖市科技領域…) still names its place and field in the words users type.
        place, rest = _leading_place(to_simplified(title))
        meta["place"] = _fact(place, title_block or notice, None)
        issuer_text = (meta.get("issuer") or {}).get("value") or ""
        if place is None and issuer_text:
            # "生态环境领域市级与县级…方案" names no place: the issuing government's is the plan's.
            place, _ = _leading_place(to_simplified(issuer_text))
            if place:
                meta["place"] = {"value": place, **{k: v for k, v in meta["issuer"].items() if k != "value"}}
        m = _FIELD.search(rest)
        meta["field"] = _fact(m.group(1) if m else None, title_block or notice, None)
        m = _SCOPE.search(to_simplified(title))
        meta["scope"] = _fact(m.group(0) if m else None, title_block or notice, None)
        for key in ("field", "place", "scope"):
            meta[key]["quote"] = meta[key]["quote"] if meta[key]["value"] else None
    if not (meta.get("field") or {}).get("value"):
        # A page without its title: "现就生态环境领域市县财政事权…制定如下方案" in the preamble says it.
        for b in doc.blocks:
            if b.kind == "paragraph" and b.short and b.short.startswith("序言"):
                outside = re.sub(r"《[^》]*》", lambda m: "　" * len(m.group(0)), b.text)
                m = re.search(r"([\u4e00-\u9fff]{2,6})领域(?:市|县|省|财政|中央)", outside)
                field = re.sub(r"^(现就|现对|就|对|在|关于|推进|做好|我市|我省|我县|全市|全省)", "", m.group(1)) if m else ""
                if len(field) >= 2:
                    meta["field"] = {"value": field, "anchor": b.anchor, "quote": b.text}
                    break
    if not (meta.get("field") or {}).get("value"):
        # A page cut out of a plan, with neither title nor preamble ("(四)环境污染防治。将跨国界水体污染防治…"):
        # the field whose words the text uses far more than any other's (vocabulary.yaml domain), unquoted.
        field = _field_of_words("".join(b.folded for b in doc.blocks))
        if field:
            meta["field"] = {"value": field, "anchor": None, "quote": None}
    return meta


def _field_of_words(folded: str) -> str | None:
    """The field whose domain words (vocabulary.yaml `domain`) the text says at least eight times and more than
    twice as often as any other field's, or None."""
    from assistant.language.lexicon import load_lexicon

    domains = load_lexicon().domain
    counts = sorted(((sum(folded.count(w) for w in words if len(w) >= 2), name) for name, words in domains.items()),
                    reverse=True)
    if not counts or counts[0][0] < 8 or (len(counts) > 1 and counts[0][0] <= 2 * counts[1][0]):
        return None
    return counts[0][1]


def _reform_verbs() -> str:
    from assistant.document.compile import compile_vocabulary

    return compile_vocabulary()["reform_verbs"]


def _not_a_title() -> list[str]:
    from assistant.document.compile import compile_vocabulary

    return compile_vocabulary().get("not_a_title") or []


_ISSUES = re.compile(r"关于印发《?([^《》]{6,80}?(?:方案|办法|意见|细则|规定))》?的?通知")
_GENRE = re.compile(r"财政事权|支出责任|财政事務權|財政事權")
_UPPER_CUE = re.compile(r"(根据|依据|贯彻|落实|按照|参照|根據|依據|貫徹)[^。]{0,20}$")


def _names_a_plan(title: str) -> bool:
    """A title that names a plan of the genre ("…领域…财政事权和支出责任划分改革方案"), not words of a
    sentence around the genre's name ("出台的首个分领域财政事权…方案": compile.yaml's not_a_title)."""
    folded = fold_document(title)
    if any(re.search(p, folded) for p in _not_a_title()):
        return False
    return bool(_GENRE.search(folded)) and folded.rstrip("）)").endswith(_PLAN_TITLE_ENDINGS + ("方案（试行", "方案（暂行"))


def _title_in_text(doc: Document) -> dict | None:
    """The plan's title as a news line or a reading names it: the first 《…》 of the genre that is not an
    upper document (after 根据/贯彻落实…) nor a notice (关于印发…); else "制定了X方案" / "印发X方案"."""
    blocks = [b for b in doc.blocks if b.kind != "heading"][:12]
    for b in blocks:
        folded = fold_document(b.text)
        for m in re.finditer(r"《([^《》]{6,80})》", folded):
            name = re.sub(r"\.(docx?|pdf|wps)$", "", m.group(1))
            if _names_a_plan(name) and "关于" not in name and not _UPPER_CUE.search(folded[:m.start()]):
                return _fact(strip_spaces_in_cjk(b.text[m.start() + 1:m.start() + 1 + len(name)]), b, b.text)
    for b in blocks:
        folded = fold_document(b.text)
        for m in re.finditer(r"(?:制定了?|印发了?|出台了?)([^，。《》“”]{6,80}?(?:方案|办法|意见))", folded):
            inside = folded[:m.start()].count("《") > folded[:m.start()].count("》")
            if _names_a_plan(m.group(1)) and not inside and not _UPPER_CUE.search(folded[:m.start()]):
                return _fact(strip_spaces_in_cjk(b.text[m.start(1):m.end(1)]), b, b.text)
    return None


def _title_from_preamble(doc: Document, hints: dict[str, str]) -> dict | None:
    """A page without any title: "现就生态环境领域市县财政事权和支出责任划分改革制定如下方案" with the
    place the issuer names, or the first place the text names ("推动吕梁经济高质量发展" → 吕梁市)."""
    from assistant.language.gazetteer import load_gazetteer

    blocks = [b for b in doc.blocks if b.kind in ("paragraph", "notice_paragraph")][:6]
    for b in blocks:
        folded = fold_document(b.text)
        m = re.search(r"现就(?:我[省市县州区])?([^，。《》]{2,10}领域[^，。《》]{2,40}?)(?:，)?制定(?:如下|本)?(?:实施)?方案", folded) \
            or re.search(rf"(?:{_reform_verbs()})(?:了)?([^，。《》“”]{{2,10}}领域[^，。《》“”]{{2,30}}?财政事权和支出责任划分改革)"
                         r"(?!方案|实施方案)", folded)   # a news report: "…近日印发方案，推进医疗卫生领域省与市县…划分改革"
        if not m:
            continue
        gaz = load_gazetteer()
        place = None
        # The issuer's place; else the most local place the text names outside 《》 (an upper
        # document's province is not the plan's place).
        for texts in ([hints.get("发布机构") or hints.get("发文机关") or ""], [x.text for x in blocks]):
            depth = lambda code: 2 if code.endswith("0000") else (1 if code.endswith("00") else 0)  # noqa: E731
            found = [codes[0] for text in texts
                     for _, _, codes in gaz.scan(re.sub(r"《[^》]*》", lambda k: "　" * len(k.group(0)),
                                                          fold_document(text)))]
            if found:
                place = gaz.names.get(min(found, key=depth))
                break
        if not place:
            return None
        title = f"{place}{m.group(1)}方案"
        return {"value": title, "anchor": b.anchor, "quote": b.text[m.start():m.end()]}
    return None


def _leading_place(title: str) -> tuple[str | None, str]:
    """The place a title starts with ("湖南省郴州市生态环境领域…" → 郴州市) and the rest. Known
    divisions first; else a name with a place suffix, as long as it is no field or level word."""
    from assistant.language.gazetteer import load_gazetteer

    gaz = load_gazetteer()
    place, pos = None, 0
    while True:
        found = next(((s, e) for s, e, codes in gaz.scan(title[pos:pos + 20]) if s == 0), None)
        if not found:
            break
        name = title[pos:pos + found[1]]
        if name not in gaz.names.values():   # a short name with what follows it ("广西壮族自治区", "黔东南州")
            m = _PLACE.match(title[pos:])
            if m and m.group(1).startswith(name) and len(m.group(1)) <= len(name) + 5:
                name = m.group(1)
            elif title[pos + len(name):pos + len(name) + 1] in tuple("州市县区盟旗省"):
                name = title[pos:pos + len(name) + 1]
        place, pos = name, pos + len(name)
    if place is None:
        m = _PLACE.match(title)
        if m and not re.search(r"领域|财政|事权|级|以下|关于|印发", m.group(1)):
            place, pos = m.group(1), m.end(1)
    return place, title[pos:]


def _lead_with_rules(folded: str) -> bool:
    """"广东省生态环境厅印发《…方案》,将放射性污染防治,…确认为省级与市县共同财政事权;将…确认为市县财政事权。详情如下;":
    a news page's lead that states rules is a paragraph (its 《》 still names the plan), not the title line."""
    from assistant.document.compile import looks_like_rule   # (the compiler's words; loaded only for a first line)

    return len(folded) > 80 and looks_like_rule(folded)


def load_document(path: Path, doc_id: str | None = None) -> Document:
    return parse(path.read_text(encoding="utf-8"), doc_id or path.stem)


# "領(lǐng)域", "權（quán）": a pinyin gloss a page put after a character; page residue, not text.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_GLOSS = re.compile(rf"(?<=[\u3400-\u9fff])[(（](?=[a-zü]*[{_TONED}])[a-zü{_TONED}]{{1,6}}[)）]")
# "…的辖区内省" / "2、级高速公路建设…": a page's own serial at the start of a line that goes on with a word
_PAGE_SERIAL = re.compile(r"^\s*\d{1,3}\s*、(?=[\u4e00-\u9fff])")


def _spans_word(left: str, right: str) -> bool:
    """Does a dictionary word run across the join ("…辖区内省" + "级高速公路" → 省级)?"""
    from assistant.document.compile import _segmenter   # only for a candidate break: jieba is slow to load

    a, b = left[-4:], right[:4]
    at = 0
    for word in _segmenter().lcut(a + b, HMM=False):
        if at < len(a) < at + len(word):
            return True
        at += len(word)
    return False


def page_lines(text: str) -> list[str]:
    """The source's lines without page residue inside them: pinyin glosses, and a page's serial
    that broke a word across a line break ("…辖区内省" / "2、级高速公路…" → one line, one word).
    A serial is dropped only when the line before ends mid-sentence on a character and the join
    reads as one word, so a real numbered item ("…如下：" / "2、…") stays. A number alone on a line
    before a line starting with "、" is that item's number ("1" / "、纳入…" → "1、纳入…")."""
    out: list[str] = []
    for line in text.splitlines():
        line = _GLOSS.sub("", line)
        m = _PAGE_SERIAL.match(line)
        prev = out[-1].rstrip() if out else ""
        if line.lstrip().startswith("、") and re.fullmatch(r"\s*\d{1,3}\s*", prev):
            out[-1] = prev.strip() + line.lstrip()     # "1" / "、纳入…": an item's number the page broke off
            continue
        if m and len(prev) >= 20 and re.search(r"[\u4e00-\u9fff]$", prev) and not _complete(fold_document(prev)) \
                and _spans_word(prev, line[m.end():]):
            out[-1] = prev + line[m.end():]
            continue
        out.append(line)
    return out


def verbatim_view(text: str) -> str:
    """The source as one line: line breaks, page numbers and page residue removed (also inside a
    line: see page_lines).

    A quote is verbatim when it is a substring of this view: a paragraph that a page break
    split counts as one, as the parser mends it; nothing else of the source is changed.
    """
    kept = [line.strip() for line in page_lines(text)
            if classify(fold_document(line.strip())) not in ("blank", "noise", "residue")]
    return "".join(kept)
