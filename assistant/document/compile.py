"""Text → rules: a deterministic extractor for "将……，确认为……财政事权，由……承担支出责任" sentences.

Each rule group is one head sentence ("将X，确认为Y财政事权，由Z承担支出责任。") plus the sentences
after it in the same paragraph that refine it by level ("由市著作权管理部门办理的登记，由市承担支出责任；…").
The head's enumeration X is split into single matters; every outcome keeps the verbatim quote and
the paragraph anchor it rests on, so a reviewer can check the YAML against the plan at a glance.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import lru_cache

import yaml

from assistant.config import yaml_load as _yaml_load

from assistant.config import PACKAGE_DATA
from assistant.document.parse import Block, Document, cn_to_int, column_header, heading_title
from assistant.language.gazetteer import load_gazetteer
from assistant.language.normalize import fold_document

# ---------------------------------------------------------------- level vocabulary


@lru_cache(maxsize=1)
def level_vocabulary() -> dict:
    return _yaml_load((PACKAGE_DATA / "levels.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _level_covers() -> dict[str, set[str]]:
    """Level → the levels it takes in (县（市、区） → 县, 市)."""
    return {lv["name"]: set(lv.get("covers") or []) for lv in level_vocabulary()["levels"]}


def levels_covered(name: str, plan_levels: list[str]) -> set[str]:
    """The plan's levels a wider level takes in (地方 in a 省/市县 plan: 省 and 市县)."""
    covers = _level_covers().get(name) or set()
    return {lv for lv in plan_levels if lv in covers or (_level_covers().get(lv) and _level_covers()[lv] <= covers)}


@lru_cache(maxsize=1)
def names_every_level(payer: str) -> bool:
    """Is the payer every level of the plan, as the plan words it ("各级财政", compile.yaml every_level)?"""
    return bool(re.fullmatch(r"各级(财政|政府)?", payer))


def _level_names() -> list[tuple[str, str]]:
    """(written form, canonical level), longest written form first."""
    pairs = [(n, lv["name"]) for lv in level_vocabulary()["levels"] for n in lv["names"]]
    return sorted(pairs, key=lambda p: -len(p[0]))


@lru_cache(maxsize=1)
def _level_regex() -> re.Pattern:
    blocked = "|".join(re.escape(w) for w in level_vocabulary()["not_a_level"])
    names = "|".join(re.escape(n) for n, _ in _level_names())
    return re.compile(rf"(?!(?:{blocked}))({names})")


@lru_cache(maxsize=1)
def _joined_regex() -> re.Pattern | None:
    """"市与区": a bare name (levels.yaml `joined`) right after another level and 与/和/、."""
    pairs = [(w, lv["name"]) for lv in level_vocabulary()["levels"] for w in lv.get("joined") or []]
    if not pairs:
        return None
    return re.compile("(" + "|".join(re.escape(w) for w, _ in pairs) + r")(?![域块别分])")


def find_levels(text: str) -> list[tuple[int, int, str]]:
    """Level mentions in folded text: (start, end, canonical level), in order."""
    canon = dict(_level_names())
    found = []
    for c in level_vocabulary().get("contractions") or []:
        for m in re.finditer(re.escape(c["form"]), text):
            found += [(m.start(), m.end(), lv) for lv in c["levels"]]
    taken = {i for s, e, _ in found for i in range(s, e)}
    for m in _level_regex().finditer(text):
        if m.start() not in taken:
            found.append((m.start(), m.end(), canon[m.group(1)]))
    found.sort(key=lambda f: f[0])
    joined = _joined_regex()
    if joined:
        owner = {w: lv["name"] for lv in level_vocabulary()["levels"] for w in lv.get("joined") or []}
        for m in joined.finditer(text):
            if any(s <= m.start() < e for s, e, _ in found):
                continue
            if any(e + 1 == m.start() and text[e] in "与和、" for _, e, _ in found):
                found.append((m.start(), m.end(), owner[m.group(1)]))
        found.sort()
    return found


def levels_in(text: str) -> list[str]:
    out: list[str] = []
    for _, _, level in find_levels(text):
        if level not in out:
            out.append(level)
    return out


# ---------------------------------------------------------------- sentences

@lru_cache(maxsize=1)
def compile_vocabulary() -> dict:
    """Phrase lists the compiler reads sentences with (assistant/data/compile.yaml)."""
    return _yaml_load((PACKAGE_DATA / "compile.yaml").read_text(encoding="utf-8"))


def _verbs() -> str:
    """"…，确认为市级财政事权" and the other verbs of compile.yaml; the shorter forms plans also use:
    "…等事项，为州级财政事权", "义务教育总体为市县共同财政事权" (为 after a comma or a 总体/均-type
    word), and "省级应急救援队伍建设为省与市县共同财政事权" (为 right before a level name)."""
    not_after = compile_vocabulary().get("verb_not_after") or {}
    verbs = "|".join((f"(?<![{not_after[v]}])" if v in not_after else "") + re.escape(v)
                     for v in sorted(compile_vocabulary()["authority_verbs"], key=len, reverse=True))
    levels = "|".join(re.escape(n) for n in sorted({n for lv in level_vocabulary()["levels"] for n in lv["names"]},
                                                   key=len, reverse=True))
    before_level = "|".join(re.escape(v) for v in compile_vocabulary().get("level_verbs") or [])
    return (rf"({verbs}|(?:{before_level})(?=(?:{levels})[^，。；《》]{{0,14}}?事权(?!范围))"
            rf"|(?:(?<=[，\s])|^)(?:总体|均|统一|全部)?为(?=(?:{levels}|共同|分级)[^，。；《》]{{0,14}}?事权)"
            # ("…,是中央、省、县三级共同的财政事权": 是 after a comma before the levels, as 为)
            # (and "…,是省财政的事权": the level's 财政 before 的)
            rf"|(?:(?<=[，\s])|^)是(?=(?:{levels})[^，。；《》]{{0,14}}?的?(?:财政)?事权)"
            # "义务教育总体为中央、省级、市级和区县（开发区）共同财政事权": a long list of levels
            rf"|(?<=[\u4e00-\u9fff])总体为(?=(?:{levels})[^，。；《》]{{0,30}}?共同财政事权)"
            rf"|(?<=[\u4e00-\u9fff])(?:总体|均)为(?=[^，。；《》]{{1,14}}?事权)"
            # ("…等工作为省、市、县（区）共同财政事权": 工作 before 为 is no 作为)
            rf"|(?<=[\u4e00-\u9fff])(?<![成认视称])(?<![^工]作)为(?=(?:{levels})[^，。；《》]{{0,14}}?事权))")


_VERBS = _verbs()
_RULE_VERB = re.compile(_VERBS)
# ("分别确定为省财政事权或市、县（区）财政事权": one phrase of both levels)
_AUTHORITY = re.compile(_VERBS + r"([^，。；《》]{0,30}?(?:(?:财政)?事权或[^，。；《》]{1,12}?)?)(财政事权|事权)")
_TOPIC_LABEL = re.compile(compile_vocabulary()["topic_label"])
_NOT_LABEL = re.compile(compile_vocabulary()["topic_not_label"])
_RUN_IN = re.compile(compile_vocabulary()["run_in_heading"])
_RUN_IN_NOT = re.compile(compile_vocabulary()["run_in_not"])
_NOT_A_RULE = re.compile("|".join(re.escape(w) for w in compile_vocabulary()["not_a_rule"]))
_LEAD_IN = [re.compile(p) for p in compile_vocabulary()["lead_in"]]
# "…缴费补助等，由市、县（区）承担，并…": a level's name right before a bare 承担 (here and where a
# clause after ；is read as a rule of its own)
_BARE_CHENGDAN = r"(?<=[省市县区级州旗）央方政])承担(?=[，。；]|$)"
_PAYER = re.compile(r"由([^，。；]{1,30}?)(?:按[^，。；]{0,12}?)?(?:分别|共同|各自)?(?:按[^，。；]{0,12}?)?"
                    # (安排 after the payer's name, its 财政 or 统筹: "由省、市、县（区）结合实际自主安排" arranges
                    # projects, it says nothing of who pays)
                    r"(?:承担[^，。；]{0,8}?支出责任|分担|(?:统筹)?(?:负担|保障)(?=[，。；]|$)"
                    r"|(?:统筹|(?<=[省市县区级州旗）央方政]))安排(?=[，。；]|$)|(?<=分别|共同|各自|财政)承担(?=[，。；]|$)"
                    r"|" + _BARE_CHENGDAN + ")")
# Of a share of a cost ("…地方应承担的20%部分，由省级财政全额承担", compile.yaml share_part), its whole: a payer form read
# only there (elsewhere "…全额承担" is no payer of a matter on its own)
# Levels whose name is one character (levels.yaml): what a place's name ends in ("凉山彝族自治州")
_ONE_CHAR_LEVELS = sorted({lv["name"] for lv in level_vocabulary()["levels"] if len(lv["name"]) == 1})
_WHOLE_PAYER = "(?<=分别|共同|各自|财政)承担"
assert _WHOLE_PAYER in _PAYER.pattern, "_PAYER_OF_SHARE widens one alternative of _PAYER"
_PAYER_OF_SHARE = re.compile(_PAYER.pattern.replace(_WHOLE_PAYER, "(?:(?<=分别|共同|各自|财政)|(?<=财政全额))承担"))


def _places_of(group: str) -> list[str]:
    """The places a case of a shared cost names ("其余市（州）和扩权县" → 市（州）, 扩权县; compile.yaml rest_words)."""
    rest = re.sub(rf"^(?:{compile_vocabulary()['rest_words']})", "", group)
    return [p for p in _split_top_list(rest.replace("和", "、")) if p]


def _payer_in(folded: str) -> re.Match | None:
    """The sentence's 由-payer; "…由省级财政全额承担" only where the clause before it ends in a share of a cost
    ("…地方应承担的20%部分，由省级财政全额承担", _PAYER_OF_SHARE)."""
    share = any(re.search(compile_vocabulary()["share_part"], c) for c in folded.split("，")[:-1])
    return (_PAYER_OF_SHARE if share else _PAYER).search(folded)


# "…的基础研究，中央财政承担主要支出责任": the payer without 由, after what it pays for.
# ("道路养护项目由市级财政承担支出责任" has its 由: that is _PAYER's, the payer is no part of what it pays for)
_PAYER_BARE = re.compile(r"(?:^|(?<=[，；：]))(?P<who>[^，。；：由]{1,10}?)(?:级)?财政(?:承担|负担)(?:主要|全部|相应|部分|兜底)?的?"
                         r"(?:财政)?支出责任(?=[，。；]|$)")
# "明确中央与省、市县财政分类负担比例", "由中央与地方财政分档分担" (no 由 in the first), "中央和地方负担比例由5:5调整为6:4":
# the levels share a cost, by a ratio or by classes the plan does not spell out here.
_PAYER_SPLIT = re.compile(r"(?:^|(?<=[，；：]))(?:明确|确定)?(?P<who>[^，。；：]{2,20}?)(?:两级|三级)?(?:财政)?的?"
                          r"(?:(?:分类|分档|按比例)?(?:负担|分担|承担)比例(?:由[^，。；]{1,12}?(?:调整|改|提高|降低|变)为|为)"
                          r"(?P<ratio>\d+\s*[:：比]\s*\d+(?:\s*[:：比]\s*\d+)?)"
                          r"|(?:分类|分档)?(?:负担|分担)比例(?=[，。；]|$)|(?:分类|分档)(?:负担|分担)(?=[，。；]|$))")
_SHARE_RATIO = re.compile(r"按(?:照)?\s*(\d+)\s*[:：比]\s*(\d+)(?:\s*[:：比]\s*(\d+))?")
_SHARE_WORDS = re.compile(r"(承担[^，。；]{1,30}?支出责任|以奖代补|(?:分档|分类)(?:负担|分担)|转移支付[^，。；]{0,12}|给予[^，。；]{0,10}?(补助|支持|奖励)"
                          r"|不予(配套|补助)|各承担)")


_RESIDUAL = r"除本方案(已)?(明确|列明)|本方案未(明确|列明)的|未明确(划分)?的事项"
# "县直医疗卫生机构在乡镇设立的分院、分站等分支机构，按照其隶属关系执行本方案"
_BY_OWNER = re.compile(r"^(?P<subject>(?P<owner>[省市州县区])(?:直|属)[^。；]{4,60}?)，按照?其?隶属关系(?:执行|承担|确定)")
# "…，属于自治区直属的，由自治区承担支出责任，属于市县组建的，由市县承担…": a case of the matter and its payer
_OWN_CASE = re.compile(r"(?:^|[，；])(?P<cond>属于[^，。；]{2,20}?的)，由(?P<who>[^，。；]{1,12}?)(?:财政)?(?:承担|负担)")
# "…的物资，产生的运输、装卸费用": a cost named after the things it arises from
_ARISING = re.compile(r"^(?:所)?(?:产生|发生)的")
# "其中属于省级机构的，确认为…": a rule for the part of the matters the sentence before names
_OWNED_PART = re.compile(r"^\s*(?:其中[：:，]?)?(?P<part>(?:属于|隶属于?)[^，。；]{2,16}?的)，")


def _naming(folded: str) -> tuple[str, str]:
    """A sentence that names matters and says how they are run, without assigning them: (the matters,
    the work) — "《方案》明确，A、B…，以及C，按照国家规定实行免费开放" → ("A、B…，以及C", "实行免费开放");
    ("", "") when it names none or already assigns them."""
    if not folded or _AUTHORITY.search(folded):
        return "", ""
    clauses = [c for c in _drop_lead_in(folded.rstrip("。；")).split("，") if c]
    at = next((i for i, c in enumerate(clauses) if re.match(r"(按照|根据|依据|实行|均|并)", c)), len(clauses))
    named = "，".join(clauses[:at])
    work = re.sub(r"^(按照|根据|依据)[^，]*?(规定|要求|标准)", "", "，".join(clauses[at:]))
    return (named, work) if 4 <= len(named) <= 120 else ("", "")


# "市级或县(市)区自行组织实施免费开放的，所需经费按照组织实施主体分别承担支出责任": each level
# named pays for the work it organizes
_BY_ORGANIZER = re.compile(r"^(?P<who>[^，。；]{1,16}?)(?P<what>(?:自行)?(?:组织实施|组织|举办|开展|实施)[^，。；]{2,40}?)的?，"
                           r"(?:所需|相关)?(?:经费|资金|费用)?(?:按照?|由)(?:" + "|".join(map(re.escape, compile_vocabulary()["organizer_pays"]))
                           + r")(?:分别|各自)?(?:承担|负担)")
# "对…目标导向类基础研究，省和市县…自主设立科技计划，省级和市县财政分别承担相应支出责任": each level
# named pays for its own (the work's own subject, after 对, is the matter)
_EACH_OWN = re.compile(r"^对(?P<what>[^，。；]{4,80}?)，(?:[^。；]*?，)?(?P<who>[^，。；]{2,16}?)(?:级)?(?:财政)?"
                       r"分别承担(?:相应|各自)?的?(?:财政)?支出责任")
# "市级财政承担…的财政支出责任" / "…的财政支出责任由市与县区共同承担"
_PAYER_FIRST = re.compile(r"(?:^|[，；：])(?P<who1>[^，。；]{1,8}?)(?:级)?财政承担(?P<what1>[^，。；]{4,60}?)的(?:财政)?支出责任"
                          r"|(?:^|[，；])(?P<what2>[^。；]{4,80}?)的(?:财政)?支出责任由(?P<who2>[^，。；]{1,12}?)(?:共同)?承担"
                          # "由省级承担省邮政安全管理机构基本和项目支出责任": one cost, then 支出责任 (a list of
                          # duties, "由市县承担A、B等具体执行事项的支出责任", is a level's duties: _DUTIES)
                          # (its kinds of spending are no part of its name: "…机构基本和项目支出责任" → …机构)
                          r"|(?:^|[，；：])由(?P<who3>[^，。；]{1,8}?)承担(?P<what3>(?!相应|全部|主要|部分)[^，。；、]{4,40}?)"
                          r"(?<!事项)(?<!职责)(?:基本(?:支出)?[和及、]?(?:项目)?|项目)?的?(?:财政)?支出责任")
# "市辖区承担邮政普遍服务、特殊服务等职责及相应支出责任", "（1）承担高速公路政策决定、监督评价和协调职责"
# (under a heading "（一）市级财政事权"): a level's duties, listed, and their 支出责任 (said or not).
_DUTIES = re.compile(r"^\s*(?:[（(]?[\d一二三四五六七八九十]{1,2}[)）.．、]\s*)?(?:[^，。；：]{0,6}?[，：])?"
                     r"(?:由)?(?P<who>[^，。；：]{0,20}?)(?P<joint>共同)?承担(?P<what>(?!相应|具体事项)[^。；]{4,200}?)"
                     r"(?:等)?(?:相关|有关)?(?:具体)?(?:执行实施|执行)?(?:职责|事项)(?:(?:，[^。；]{0,40}?)?，?[^。；，]{0,8}?支出责任)?"
                     r"[。；]?\s*$")
# "在A、B方面，由省级和市县级政府共同承担相关职责，负责…的执行实施，承担相应支出责任": the area is the list.
_AREA_DUTIES = re.compile(r"^(?:由)?(?P<who>[^，。；：]{1,20}?)(?P<joint>共同)?承担(?:相关|有关)(?:职责|事项)"
                          r"(?:(?:，[^。；]{0,40}?)?，?[^。；，]{0,8}?支出责任)?[。；]?\s*$")
_AREA = re.compile(r"^\s*在(?P<area>[^，。；]{4,80}?)方面$")


def _duty_clauses(folded: str) -> list[tuple[str, str | None]]:
    """A sentence's clauses between "；", each without the words that only report or place it
    ("《改革方案》明确，", "此外，"), with the area a clause is about ("在A、B方面，") or None."""
    out = []
    for clause in re.split(r"[；;]", folded):
        area = None
        while True:
            first, sep, rest = clause.strip().partition("，")
            if not sep:
                break
            if _AREA.match(first):
                area, clause = _AREA.match(first).group("area"), rest
            elif any(p.search(first) for p in _LEAD_IN) or _REPORTER.match(first + "，"):
                clause = rest
            else:
                break
        out.append((clause, area))
    return out


def _has_duties(folded: str) -> bool:
    return any(_DUTIES.search(c) or (a and _AREA_DUTIES.search(c)) for c, a in _duty_clauses(folded))


# The heading above such duties: "（一）市级财政事权", "二、中央与地方共同财政事权".
_AUTHORITY_HEADING = re.compile(r"^\s*(?:[（(]?[\d一二三四五六七八九十]{1,2}[)）.．、]\s*)?"
                                r"(?P<auth>[^，。；：\d]{1,16}?(?:共同)?财政事权)[。.]?\s*(?:$|\d{1,2}[.．、])")
# "首先，明确省级财政事权5项，包括A、B、C": a news reading counts a level's matters, then lists them
_COUNTED = re.compile(r"(?:明确|确定|划分|列出)(?:为)?(?P<auth>[^，。；：]{1,24}?(?:财政)?事权)(?:共)?[\d一二三四五六七八九十]+项"
                      r"[，：]?(?:主要|具体)?(?:包括|涵盖|为|即)[：]?(?P<items>[^。；]+)")
# "由市级负责跨县区项目组织协调，支出责任以县区财政为主，市级财政给予补助": one level pays mainly,
# another helps (the helping words: compile.yaml aid_words).
_MAIN_PAYER = re.compile(r"支出责任以(?P<main>[^，。；]{1,16}?)(?:财政)?为主(?:[，、](?P<aid>[^，。；]{1,10}?)(?:级)?财政"
                         r"(?:通过[^，。；]{0,10}?)?(?P<how>" + "|".join(map(re.escape, compile_vocabulary()["aid_words"])) + r"))?")
# "由市级负责跨县区项目组织协调": who coordinates and what (the matter, when no clause before names it)
_COORDINATES = re.compile(r"^由(?P<who>[^，。；]{1,8}?)负责(?P<what>[^，。；]*?)(?:的)?(?:组织协调|统筹协调|协调|组织实施)$")
# "开发区参照县（市、区）执行", "高新区、经开区比照县级管理": an area placed at a level.
_ZONE = re.compile(r"(?:^|[，。；：])([^，。；：]{2,40}?)(?:参照|比照)([^，。；]{1,12}?)(?:执行|管理|落实)")
# "市县（县级含国家级开发区，下同）", "县级（含高新区）": the areas a level takes in, in brackets.
_ZONE_IN = re.compile(r"([^，。；（）]{0,6}?)[（(]([^，。；（）()]{0,6}?)(?:含|包括|包含)([^，。；（）()]{2,30}?)[，,]?(?:下同)?[）)]")


@dataclass
class Sentence:
    start: int      # offsets in the block's text
    end: int
    folded: str


def sentences(block: Block) -> list[Sentence]:
    folded = block.folded
    out, start = [], 0
    # A sentence ends at 。, and also at ；/; when the next clause is a rule of its own ("…；将…",
    # "…；县级应急队伍建设为县级财政事权…").
    second = re.compile(rf"^(?:{compile_vocabulary()['second_rule_openers']})")
    for m in re.finditer(r"。|；|，", folded):
        if m.group(0) == "，":
            # "…确认为市与县共同财政事权，…按4:6比例分担，同时将县道…确认为县级财政事权，由…承担" / "…，而各县…则
            # 确认为县级财政事权…": a news sentence that goes on to a second rule (compile.yaml second_rule_openers)
            nxt = re.split(r"[；。]", folded[m.end():], maxsplit=1)[0]
            said, then = _AUTHORITY.search(folded[start:m.start()]), _AUTHORITY.search(nxt)
            if not (second.match(nxt) and said and levels_in(said.group(0)) and then and levels_in(then.group(0))):
                continue
        elif m.group(0) == "；":
            nxt = re.split(r"[；。]", folded[m.end():], maxsplit=1)[0]
            auth = _AUTHORITY.search(nxt)
            if not (nxt.lstrip().startswith("将") or (auth and levels_in(auth.group(0)))
                    or re.search(r"^[^。；]{4,}?，(?:所需)?(?:经费|资金)?(?:则|也|均|仍)?由[^。；]*(?:承担[^。；]{0,8}支出责任|分担|安排"
                                 r"|" + _BARE_CHENGDAN + ")", nxt)
                    # "…；县区组织实施的项目征地拆迁的支出责任由县区财政承担", "…；县区负责…的项目由县区
                    # 财政承担支出责任", "…；跨县区的项目，由市级负责组织协调，支出责任以县区财政为主…"
                    or (re.search(r"^[^，。；]{4,}?(?:的(?:财政)?支出责任)?由[^，。；]{1,12}?(?:财政)?(?:承担|负担)"
                                  r"(?:[^，。；]{0,8}支出责任)?$", nxt) and levels_in(nxt))
                    or (_MAIN_PAYER.search(nxt) and levels_in(_MAIN_PAYER.search(nxt).group("main")))
                    # "…按8∶2分担；我省提标部分，省级与市县财政按5∶5分担": another part and its own split
                    or _split_payer(nxt) is not None):
                continue
        out.append(Sentence(start, m.end(), folded[start:m.end()]))
        start = m.end()
    if start < len(folded) and folded[start:].strip():
        out.append(Sentence(start, len(folded), folded[start:]))
    return out


def not_a_rule(folded: str) -> bool:
    """"适当加强中央在…方面的事权", "财政支持政策原则上参照…执行": strengthens or describes, assigns nothing
    (unless the sentence also puts a list at a level with 确认为/明确为…)."""
    if not _NOT_A_RULE.search(folded):
        return False
    verb = _AUTHORITY.search(folded)
    return not (verb and verb.group(1) in compile_vocabulary()["authority_verbs"])


def looks_like_rule(folded: str) -> bool:
    """A sentence that assigns a 事权 ("确认为…事权", "为市级财政事权") or says which level bears a
    支出责任 ("市级财政承担…的支出责任") — reported when it cannot be compiled."""
    if re.search(r"未列事项|其他未列|未列明", folded) or not_a_rule(folded):   # the catch-all clause
        return False
    if _AUTHORITY.search(folded) and levels_in(_AUTHORITY.search(folded).group(0)):
        return True
    return bool(re.search(r"承担[^，。；]{0,30}?支出责任|支出责任由", folded)) and bool(levels_in(folded)) \
        and not re.search(r"要|应当|须|切实|确保|加大|落实|履行|各级|谁|可通过|原则", folded)


_OBLIGATION = re.compile(r"要|应当|须|切实|确保|加大|履行|各级|谁|可通过")


def rule_like(folded: str) -> bool:
    """Wider than looks_like_rule: any sentence that names a level and says who holds a 事权 or who
    pays ("由中央和地方共同负责", "由省财政统筹给予支持"). Such a sentence that did not compile is
    reported with a reason, never dropped silently."""
    if looks_like_rule(folded):
        return True
    if re.search(r"未列事项|其他未列|未列明", folded) or not_a_rule(folded) or _OBLIGATION.search(folded):
        return False
    # a plan's own name ("《…领域中央与地方财政事权和支出责任划分改革方案》", "…财政事权和支出责任划分改革是…")
    # names the genre, not a rule
    folded = re.sub(r"《[^》]*》", "", folded)
    folded = re.sub(r"[^，。；]{0,20}财政事权和支出责任(划分)?", "", folded)
    words = compile_vocabulary()["rule_words"]
    return bool(levels_in(folded)) and any(w in folded for w in words)


def why_not_compiled(folded: str) -> str:
    """The reason ingest gives for a rule-like sentence it could not compile."""
    auth = _AUTHORITY.search(folded)
    if re.search(r"给予[^，。；]{0,10}(支持|补助|奖励)", folded) and not re.search(r"承担|分担|负担", folded):
        return "只写了给予支持或补助，未写明由哪一级承担支出责任"
    if auth and levels_in(auth.group(0)):
        return "未找到事项列举"
    if re.search(r"事权", folded) and not auth:
        return "未找到“确认为/明确为/为……事权”句式"
    return "未找到“由……承担支出责任”句式或其事项"


_NEW_POINT = re.compile(compile_vocabulary()["new_point"])


def is_condition(folded: str) -> bool:
    """A sentence after a head that refines it by level ("由市…办理的登记，由市承担支出责任"); not one
    that opens a point of its own ("二是其他基本公共文化服务事项，…")."""
    return not folded.lstrip().startswith("将") and ("支出责任" in folded or "事权" in folded) \
        and not not_a_rule(folded) and not _NEW_POINT.match(folded.lstrip())


# ---------------------------------------------------------------- enumerations → matters

_BRACKETS = {"（": "）", "《": "》", "“": "”", "〈": "〉", "(": ")"}
_MODALS = "|".join(re.escape(v) for v in sorted(compile_vocabulary()["modals"], key=len, reverse=True))
_NOT_MODAL = re.compile("|".join(re.escape(w) for w in sorted(compile_vocabulary()["not_modal"], key=len, reverse=True)))


def _before_modal(subject: str) -> str:
    """A subject up to its first modal that says "should" ("…基础研究要聚焦…" → …基础研究), at least four characters
    before it and a clause after it; the subject as it is without one."""
    taken = [range(m.start(), m.end()) for m in _NOT_MODAL.finditer(subject)]
    for m in re.finditer(_MODALS, subject):
        if m.start() >= 4 and "，" not in subject[:m.start()] and not any(m.start() in r for r in taken) \
                and re.match(r"[\u4e00-\u9fff]{2,}", subject[m.end():]):
            return subject[:m.start()]
    return subject
_LEADING_VERBS = re.compile("^(?:" + "|".join(re.escape(v) for v in compile_vocabulary()["modals"]) + ")?("
                            + "|".join(re.escape(v) for v in compile_vocabulary()["leading_verbs"]) + ")了?(?=.{4,})")
_CONJ = re.compile(r"以及|和|及")
_NOT_CONJ = re.compile("|".join(re.escape(w) for w in sorted(compile_vocabulary()["not_a_conjunction"], key=len,
                                                                reverse=True)))
_BY_RULE = re.compile(compile_vocabulary()["by_rule"])
_NOT_ETC = re.compile("|".join(re.escape(w) for w in compile_vocabulary()["not_etc"]))
_SHORT = 3          # a list piece this short is a word that borrows the rest of its name from a neighbour
_QUALIFIER = re.compile(r"^(除[^，]{2,60}?(?:以外|之外|外)的(?:其他|其余)?|(?:根据|按照|依据|围绕)[^，]{2,60}的(?=[^的]{4,}$)|未(?:列入|纳入)[^的]*?事权的|[^，、的]{2,20}?(?:部门|机构|单位)办理的|[^，、的]{1,10}?承担的)")
_SHARED_TAIL_SPLIT = 2


def _split_top(text: str, sep: str) -> list[str]:
    """Split on sep outside brackets."""
    parts, depth, buf = [], [], ""
    for ch in text:
        if ch in _BRACKETS:
            depth.append(_BRACKETS[ch])
        elif depth and ch == depth[-1]:
            depth.pop()
        if ch == sep and not depth:
            parts.append(buf)
            buf = ""
        else:
            buf += ch
    parts.append(buf)
    return [p for p in (x.strip() for x in parts) if p]


def _level_prefix_at(text: str) -> tuple[int, list[str]]:
    """Length of a level prefix at the start of text ('全市性', '市建设的', '市、县区层面', '县区'), and its levels."""
    m = re.match(r"^全(省|市|区|县|盟|旗)性?(?=.{4,})", text)
    if m:
        return m.end(), levels_in(m.group(1))
    found = find_levels(text)
    if not found or found[0][0] != 0:
        return 0, []
    if re.match(r"(部门|单位|机构|职能部门|属|直属)", text[found[0][1]:]):
        return 0, []    # "中央部门监测预警系统建设", "省属企业安全生产工作": the level's bodies are part of the name
    end, levels = 0, []
    for start, stop, level in found:
        if start != end:
            break
        levels.append(level)
        end = stop
        # "市、县区" / "市与县区": a connector counts only when another level follows it
        if text[end:end + 1] in ("、", "与", "和") and any(s2 == end + 1 for s2, _, _ in found):
            end += 1
            continue
        break
    # ("市财政结合…自主设立的科技计划": the level's treasury is the level; not 市财政局, a department)
    # ("省、市、县三级应急管理信息系统": the count of the levels just listed is theirs too; not a grade after one
    # level, "省级三级公立医院")
    count = re.match(r"([两三四])级(?!财政)", text[end:])
    if count and len(levels) >= 2 and "两三四".index(count.group(1)) + 2 == len(levels):
        return end + count.end(), levels
    after = re.match(r"建设的|层面|本级财政(?![局厅部])|本级|级财政(?![局厅部])|财政(?![局厅部])|级|各级", text[end:])
    if after:
        end += after.end()
    return end, levels


def _strip_level_prefix(segment: str) -> tuple[str, list[str], str]:
    """'开展全市性知识产权统计调查' → ('知识产权统计调查', ['市'], '开展全市性')."""
    levels: list[str] = []
    prefix, rest = "", segment
    while True:
        verb = _LEADING_VERBS.match(rest)
        after_verb = rest[verb.end():] if verb else rest
        n, found = _level_prefix_at(after_verb)
        # "自治区负责外的邮政安全管理": the level says what the item leaves out, so it stays in the name
        if n and re.match(r"(?:负责|承担|管理)?(?:以外|之外|外)的", after_verb[n:]):
            break
        if n:
            prefix += rest[: len(rest) - len(after_verb) + n]
            rest = after_verb[n:]
            levels.extend(found)
            continue
        m = re.match(r"^(各地|各级|本地)(?=.{4,})", after_verb)
        if m:
            prefix += rest[: len(rest) - len(after_verb) + m.end()]
            rest = after_verb[m.end():]
            continue
        break
    # "在市、县区的" inside: a level mention that does not name the matter
    rest = re.sub(r"在(?:[^，。、的]{1,6}?(?:、|与|和))*[^，。、的]{1,6}?的(?=.{2,})",
                  lambda m: "" if levels_in(m.group(0)) else m.group(0), rest)
    return rest.strip("，、 "), levels, prefix


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


_MODIFIER_END = ("化", "性", "型", "式", "级")


@lru_cache(maxsize=1)
def _segmenter():
    """jieba with its own dictionary only (deterministic): where a list's shared head or tail begins."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    return tk


def _words(text: str) -> list[str]:
    return _segmenter().lcut(text, HMM=False)


def _conjunctions(piece: str) -> list[re.Match]:
    """和/及/以及 that join two things (not 涉及, 及其, 和谐 …), outside brackets."""
    blocked = [(m.start(), m.end()) for m in _NOT_CONJ.finditer(piece)] \
        + [(m.start(), m.end()) for m in _BY_RULE.finditer(piece)]
    depth, inside = 0, set()
    for i, ch in enumerate(piece):
        if ch in _BRACKETS:
            depth += 1
        elif ch in _BRACKETS.values():
            depth = max(0, depth - 1)
        elif depth:
            inside.add(i)
    return [m for m in _CONJ.finditer(piece)
            if m.start() not in inside and not any(a <= m.start() < b for a, b in blocked)]


def _distribute(pieces: list[str]) -> list[str] | None:
    """A 、-list whose short pieces borrow a shared head or tail, where the grammar says so:
    "知识产权战略、规划、政策" → 知识产权战略/知识产权规划/知识产权政策 (the head before the first
    piece's last word); "噪声、光、恶臭、电磁辐射污染防治" → 噪声污染防治/…/电磁辐射污染防治 (the tail
    after the last piece's first word). None when neither reading fits."""
    first, last = pieces[0], pieces[-1]
    if len(first) > _SHORT and all(len(p) <= _SHORT for p in pieces[1:]):
        words = _words(first)
        if len(words) >= 2 and len(words[-1]) <= _SHORT:
            head = first[: len(first) - len(words[-1])]
            return [first] + [head + p for p in pieces[1:]]
    if len(last) > _SHORT and all(len(p) <= _SHORT for p in pieces[:-1]):
        # "博物馆、纪念馆、公共图书馆免费开放": names of one kind (…馆) before the last, which ends the same
        # way and then says the work: the work is everyone's (never "博物馆图书馆免费开放")
        ends = {p[-1] for p in pieces[:-1]}
        words = _words(last)
        if len(ends) == 1 and len(pieces) >= 3:
            # (where the last piece's first word that ends so ends: "公共|图书馆|免费开放", "山区|区域…")
            done = 0
            for w in words:
                done += len(w)
                if len(w) >= 2 and w.endswith(tuple(ends)):
                    if len(last) - done >= 2 and done > len(words[0]):
                        return [p + last[done:] for p in pieces[:-1]] + [last]
                    break
        if len(words) >= 2 and len(words[0]) <= 4 and len(words[1]) >= 2:   # not "南盘江、牛栏|江曲靖段…"
            tail = last[len(words[0]):]
            return [p + tail for p in pieces[:-1]] + [last]
    return None


def _shared_tail(pieces: list[str]) -> list[str]:
    """"全市性A规划、跨区域B规划和市级C规划编制及其实施方案制定": the words after the last piece's
    counterpart of the others' common ending ("规划") belong to every piece."""
    # (two pieces only before work: "美术馆、图书馆免费开放")
    if len(pieces) < 2:
        return pieces
    # (a piece's bracketed note is no part of its ending: "文化馆（站）" ends in 馆)
    bare = [re.sub(r"[（(][^（）()]*[）)]$", "", p) for p in pieces[:-1]]
    ending = bare[0]
    for p in bare[1:]:
        ending = ending[len(ending) - _common_suffix(ending, p):] if _common_suffix(ending, p) else ""
    last = pieces[-1]
    for k in range(len(ending), 0, -1):
        at = last.rfind(ending[-k:])
        if at > 0 and len(last) - (at + k) >= 2 and not last.endswith(ending[-k:]):
            tail = last[at + k:]
            # (one shared character, "公共图书馆、文化馆（站）、美术馆免费开放", only before work)
            if tail[0] in "和及与、等的" or ((k == 1 or len(pieces) == 2) and not tail.startswith(_ACTIONS)):
                return pieces
            return [p + tail for p in pieces[:-1]] + [last]
    # "博物馆、…、文化馆（站）、全国爱国主义教育示范基地免费开放": names before a last one that ends in work
    # (and no other says any): the work is every name's
    work = max((a for a in _ACTIONS if last.endswith(a) and len(last) - len(a) >= 2), key=len, default="")
    if len(work) >= 4 and not any(p.endswith(_ACTIONS) for p in pieces[:-1]):
        return [p + work for p in pieces[:-1]] + [last]
    return pieces


def _split_top_list(segment: str) -> list[str]:
    """Split on 、 outside brackets, but not inside a level's name ("各区、县（市）围绕…")."""
    protected = {i for start, end, _ in find_levels(segment) for i in range(start, end)} \
        | {i for m in _BY_RULE.finditer(segment) for i in range(m.start(), m.end())}
    parts, start = [], 0
    depth = 0
    for i, ch in enumerate(segment):
        if ch in _BRACKETS:
            depth += 1
        elif ch in _BRACKETS.values():
            depth = max(0, depth - 1)
        elif ch == "、" and not depth and i not in protected:
            parts.append(segment[start:i])
            start = i + 1
    parts.append(segment[start:])
    return [p for p in (x.strip() for x in parts) if p]


_ACTIONS = tuple(compile_vocabulary()["actions"])
_COST_NOUNS = tuple(compile_vocabulary()["cost_nouns"])
_RELATIVE = re.compile(r"(组织|负责|设立|承担|办理|开展|实施|审批)$")    # "县区组织的…": a relative clause


def _action_tail(pieces: list[str]) -> str:
    """"…的建设和运行维护" at the end of the last piece, when no other piece has a 的 of its own and
    the words after 的 are only work ("建设和运行维护", "研究制定"): every piece's tail, else ""."""
    last = pieces[-1]
    if "的" not in last or any("的" in p for p in pieces[:-1]):
        return ""
    tail = last[last.rfind("的"):]
    work = tail[1:]
    if not (2 <= len(work) <= 10 and work.endswith(_ACTIONS)):
        return ""
    words = [w for w in re.split(r"和|及|与|、", work) if w]
    # "县（市）组织的应急演练": a 的 after a verb makes a relative clause, not work done to the list
    if _RELATIVE.search(last[:last.rfind("的")]):
        return ""
    return tail if all(w.startswith(_ACTIONS) for w in words) else ""


def _named_examples(pieces: list[str]) -> list[str] | None:
    """"A、B、C等X建设" where A, B, C are things named in full (four characters or more each, three or
    more of them) and X ends with work: A建设, B建设, C建设. Short examples ("长江、黄河等重点流域水污染
    防治") name no matter of their own and stay one list."""
    m = re.fullmatch(r"(.+?)等([^、等]{2,12})", _NOT_ETC.sub("　　", pieces[-1]))
    # not "在A、B等领域开展的前瞻性基础研究": a 的-clause after 等 says where or how, the list is its frame
    if not m or len(pieces) < 3 or "　" in m.group(0) or "的" in m.group(2) or pieces[0].startswith(("在", "对", "于")):
        return None
    firsts = pieces[:-1] + [pieces[-1][:len(m.group(1))]]
    if any(len(p) < 4 or re.search(r"等|的$", p) or p.endswith(_MODIFIER_END) for p in firsts):
        return None
    # the work words it ends in, all of them every item's ("…等培育布局", "…等科技创新基地建设发展")
    work = re.search("(?:" + "|".join(map(re.escape, sorted(_ACTIONS, key=len, reverse=True))) + ")+$", m.group(2))
    work = work.group(0) if work else None
    # (the kind they are examples of is named too, "科技创新基地建设发展", unless it is only the work)
    kind = [m.group(2)] if work and len(m.group(2)) - len(work) >= 2 else []
    return [p + work for p in firsts] + kind if work else None


def _split_list(segment: str, listing: bool = False) -> list[str]:
    """Split one comma-segment on 、 and 和/及/以及 where they list matters, not modifiers
    (listing: the segment is known to be a list, as after 主要包括, so any 和 between names splits)."""
    pieces = _split_top_list(segment)
    # "A、B、地下水污染防治以及噪声、光、恶臭、电磁辐射污染防治": 以及 inside a middle piece, after complete work, joins
    # two lists, each read on its own (the second's shared tail is its own items'; not "珠江、淮河等重点流域以及重点海域、
    # …水污染防治", whose places before 以及 take the work after it)
    middle = next((i for i, p in enumerate(pieces[1:-1], 1) if "以及" in p), None)
    if middle is not None:
        left, _, right = pieces[middle].partition("以及")
        if len(left) >= 2 and len(right) >= 1 and left.endswith(_ACTIONS):
            return _split_list("、".join(pieces[:middle] + [left]), listing) + \
                _split_list("、".join([right] + pieces[middle + 1:]), listing)
    if len(pieces) > 1:
        modifiers = any(p.endswith(_MODIFIER_END) for p in pieces[:-1])
        # "X的A、B和C": the 的-phrase spans the list (unless a 和 after it ends it: "科技馆的运行维护和…")
        # (or "X所属A、B和C": 所属 ends the phrase as 的 does)
        qual_end = max(pieces[0].rfind("的") + 1, pieces[0].rfind("所属") + 2 if "所属" in pieces[0] else 0)
        qualified = qual_end > 0 and all(len(p) <= 6 for p in pieces[1:]) and "的" not in "".join(pieces[1:])
        # "学前教育、…、高等教育等其他教育": the listed ones are items, and so is the rest of their kind
        others = re.fullmatch(r"(.{2,}?)等(其他|其它|其余)([^和及、]{2,8})", pieces[-1])
        if others:
            pieces = pieces[:-1] + [others.group(1), others.group(2) + others.group(3)]
        examples = any(re.search(r"等.{2,}", _NOT_ETC.sub("　　", p)) for p in pieces)
        named = _named_examples(pieces)
        if named:
            # "综合性国家科学中心、…、成果转移转化示范区等区域创新体系建设": places named in full, each
            # with the work done to it (the list as written stays the written form)
            return named
        # "A、B和C": the last piece's own 和/及 joins the list's last item when what stands before it is
        # an item like the others ("…地下水污染防治以及其他…") or the two sides are alike.
        last_conj = _conjunctions(pieces[-1])
        joined = False
        if last_conj and not (modifiers or qualified or examples):
            m = last_conj[0]
            left, right = pieces[-1][:m.start()], pieces[-1][m.end():]
            # (or both sides are whole names of four characters or more, the left longer than every item before
            # it, neither work done to the other: "邮政普遍服务、特殊服务、快递服务末端基础设施和邮政业环境污染
            # 治理"; not "国家自然灾害、安全生产及火灾监测预警体系建设", whose short items share one tail)
            # (not a 的-phrase, "…、工矿商贸企业的安全生产监督管理和行政执法": what it has is every piece's)
            own_names = len(left) >= 4 and len(right) >= 4 and len(left) > max(len(p) for p in pieces[:-1]) \
                and not right.startswith(_ACTIONS) and not right.startswith(("其他", "其它", "相关", "有关")) \
                and "的" not in left
            if len(left) >= 2 and len(right) >= 2 and (any(_common_suffix(left, p) >= 2 for p in pieces[:-1])
                                                       or len(_split_and(pieces[-1])) == 2
                                                       or (len(left) <= _SHORT and len(right) <= _SHORT)
                                                       or own_names):
                pieces = pieces[:-1] + [left, right]
                joined = True
        others_max = max(len(p) for p in pieces[:-1])
        # "国家自然灾害、安全生产及火灾监测预警体系建设", "国家高速公路、省级高速公路建设中…的项目资本金":
        # short names before one long piece that no piece ends like: the words after the last name are
        # everyone's and cannot be told apart, so one matter, as written.
        alike = any(_common_suffix(p, pieces[-1]) >= 2 for p in pieces[:-1]) \
            or any(p.endswith(_ACTIONS) for p in pieces[:-1])      # "预警终端布设、…": complete work
        if last_conj and not joined:
            conj_left = pieces[-1][:last_conj[0].start()]
            open_tail = not alike and others_max <= 6 and len(conj_left) <= 6 and len(pieces[-1]) >= 1.5 * others_max
        else:
            open_tail = not alike and others_max <= 6 and len(pieces[-1]) >= 2 * others_max and len(pieces) == 2
            # ("美术馆、图书馆免费开放": the last piece ends in a name like the first and then says work: that
            # work is both names', _shared_tail)
            open_tail = open_tail and _shared_tail(pieces) == pieces
        # "引进培育的顶尖人才、领军人才和创新团队的项目资助": "的项目资助" after a short last name is everyone's
        pre = pieces[-1].split("的")[0] if "的" in pieces[-1] else ""
        shared_de = bool(pre) and len(pre) <= 6 and any(len(p) <= 6 for p in pieces[1:-1]) \
            and not _RELATIVE.search(pre)
        first_de = qual_end - 1
        tail = _action_tail(pieces)
        if tail and not (modifiers or examples):
            # "全州监测预警平台、州级信息系统的建设和运行维护": the work after the last 的 is everyone's
            pieces = [p + tail for p in pieces[:-1]] + [pieces[-1]]
        elif qualified and not (modifiers or examples) and not _conjunctions(pieces[0][first_de:]):
            # "辖区内普通国道的建设、养护、管理、运营": the 的-phrase is every piece's head (from after a
            # 和 before it: "应急物资储备库建设和州级救灾物资的采购、储备、轮换")
            conj = [m for m in _conjunctions(pieces[0][:first_de])]
            # (not after a 和 that joins two verbs of one object: "省级调拨和前置雅安市的…")
            verb = conj and len(_strip_level_prefix(pieces[0][:conj[-1].start()])[0]) <= 2
            head = pieces[0][conj[-1].end() if conj and not verb else 0: first_de + 1]
            pieces = [pieces[0]] + [head + p for p in pieces[1:]]
            # "…的物资运输、装卸费用": the last item's cost noun is every item's
            noun = next((n for n in _COST_NOUNS if pieces[-1].endswith(n) and len(pieces[-1]) > len(n)), None)
            if noun and not any(p.endswith(_COST_NOUNS) for p in pieces[:-1]):
                pieces = [p + noun for p in pieces[:-1]] + [pieces[-1]]
        elif modifiers or qualified or examples or open_tail or shared_de:
            pieces = [segment]
        else:
            short = any(len(p) <= _SHORT for p in pieces)
            shared = (short and _distribute(pieces)) or _shared_tail(pieces)
            if shared != pieces and qual_end > 0 and "的" not in "".join(pieces[1:]):
                # "纳入…范围的A、B、C免费开放": the 的-phrase before the first name qualifies every one
                shared = [shared[0]] + [pieces[0][:qual_end] + p for p in shared[1:]]
            pieces = [segment] if short and shared == pieces else shared
    out: list[str] = []
    for piece in pieces:
        out.extend(_split_and(piece, listing))
    return out


_PARALLEL = re.compile(r"^[\u4e00-\u9fff]{1,4}(性|化|型|类)[\u4e00-\u9fff]{2,6}$")


def _split_and(piece: str, listing: bool = False) -> list[str]:
    if piece.startswith(("与", "同", "对", "和")):
        return [piece]
    found = _conjunctions(piece)
    if not found:
        return [piece]
    m = found[0]
    left, right = piece[:m.start()], piece[m.end():]
    if len(left) < 2 or len(right) < 2 or "开展" in right:
        return [piece]
    # Distribute a qualifier ending in 的 over both sides: "纠纷的行政裁决和行政调解".
    head = left[: left.rfind("的") + 1] if "的" in left and "的" not in right else ""
    left_core = left[len(head):]
    # "县区文物普查和市级文物档案数字化": the right side has its own level prefix, so it is an item
    # "中期（终期）评估以及规划体系和管理制度完善": 以及 joins two items, never words of one name
    # "阶段性任务和专项性工作": two names built alike (a …性 modifier and a noun each)
    alike = [_PARALLEL.match(x) for x in (left_core, right)]
    if all(alike) and alike[0].group(1) == alike[1].group(1):
        return [left, head + right]
    if m.group(0) == "以及" and len(left_core) >= 4 and len(right) >= 4 and (shared := _work_after_places(left, right)):
        return [head + x if i else x for i, x in enumerate(shared)]
    if _common_suffix(left_core, right) >= _SHARED_TAIL_SPLIT or _common_prefix(left_core, right) >= 2 \
            or (m.group(0) == "以及" and len(left_core) >= 4 and len(right) >= 4) \
            or (listing and len(left_core) >= _SHORT and len(right) >= _SHORT) \
            or (len(left_core) > _SHORT and _level_prefix_at(right)[0] and len(right) - _level_prefix_at(right)[0] >= 4
                and ("的" not in right or left_core.endswith(_ACTIONS))):
        return [left, head + right]
    return [piece]


def _work_after_places(left: str, right: str) -> list[str] | None:
    """"长江、黄河等重点流域以及重点海域、影响较大的重点区域水污染防治": places that end alike (…域) on both
    sides of 以及, the work after the last one (水污染防治) done in each: the left side, and each piece of the
    right, get it. None when the grammar says otherwise (the left is work already, the tail is no work)."""
    end = left[-1]
    parts = _split_top_list(right)
    last = parts[-1]
    at = last.rfind(end)
    tail = last[at + 1:] if at > 0 else ""
    if left.endswith(_ACTIONS) or not 2 <= len(tail) <= 8 or not tail.endswith(_ACTIONS) or "的" in tail \
            or not all(p.endswith(end) for p in parts[:-1]):
        return None
    return [left + tail] + [p + tail for p in parts[:-1]] + [last]


@dataclass
class Item:
    name: str            # the matter as a single name ("知识产权保护中心建设")
    written: str         # the enumeration segment as written (folded), for matching and review
    levels: list[str]    # levels its prefix names
    qualifier: str       # "地方著作权管理部门办理的", "未列入中央、自治区财政事权的" …


def _bracket_list(core: str) -> str | None:
    """"困难群众救助方面（主要包括最低生活保障补助和临时救助）": the list inside the brackets."""
    words = "|".join(re.escape(w) for w in compile_vocabulary()["includes"])
    m = re.search(rf"[（(](?:{words})[：:]?([^（）()]{{4,}})[）)]", core)
    return m.group(1) if m else None


def _whose_work(core: str, levels: list[str]) -> bool:
    """After a level prefix, a relative clause saying whose work it is ("市县承担的…检测", "市级作为
    实施主体的省级高速公路"): the level is part of the name. ("省级负责审批的…" stays 负责审批的…
    with the level as its scope, so both levels' versions are one matter.)"""
    return bool(re.match(r"[^的，]{0,4}(承担|负责|办理|设立|组织|开展|实施)的", core)
                or (levels and re.match(r"作为[^，、]{0,20}的", core)))


_KINDS = "|".join(re.escape(w) for w in sorted(compile_vocabulary()["kind_words"], key=len, reverse=True))
# "…等事项", "…等为经常类事项", "…等三大类": what kind the listed matters are, and how many
_COUNT = r"[\d一二三四五六七八九十]+(?:个|项)?(?:大类|类|方面|项|事项|大项)"
_KIND_TAIL = re.compile(rf"等(?:为|属于)?(?:{_KINDS}|{_COUNT})?$")
_DIVIDED = re.compile(rf"^[^，、]{{0,20}}?(?:{'|'.join(map(re.escape, compile_vocabulary()['divides']))})"
                      rf"(?P<kinds>[^，]+、[^，]+?)(?:等)?{_COUNT}$")


def split_items(text: str, rule_levels: list[str] | None = None) -> list[Item]:
    """An enumeration → one Item per matter. A later item's own prefix naming one of the rule's
    levels ("…，县区文物普查和县级文物档案数字化") is its scope; a level word that is no level of the
    rule stays in the name ("省级高速公路" in a city's plan, "乡镇运输服务站")."""
    items: list[Item] = []
    segments = [seg for part in _split_top(text, "；") for seg in _split_top(part, "，")]
    # "市级调拨县（区）的市级物资、省级物资以及…的物资，产生的运输、装卸及储存保管费用": the cost the
    # things before it give rise to is the one matter (the things only say whose cost it is)
    arising = next((i for i, seg in enumerate(segments) if i and _ARISING.match(seg)), None)
    if arising is not None:
        name = "".join(segments[:arising + 1])
        return [Item(name=name, written=text, levels=[], qualifier="")]
    # "具体包括：A、B；C；D": clauses of one list after ；are its items too
    for segment in segments:
        if not segment:
            continue
        divided = _DIVIDED.match(segment)
        if divided:       # "教育领域分为义务教育、学生资助、其他教育等三大类": the kinds
            segment = divided.group("kinds")
        core, levels, prefix = _strip_level_prefix(segment)
        covers = _level_covers()
        if rule_levels and levels and not all(lv in rule_levels or any(lv in covers.get(r, ()) for r in rule_levels)
                                              for lv in levels):
            core, levels, prefix = segment, [], ""     # "乡镇运输服务站" in a city's plan: no level of the rule
        if _whose_work(core, levels):
            # "市县承担的…检测", "县区负责具体事项组织实施的项目": whose work it was, a qualifier
            core, levels, prefix = segment, [], ""
        qualifier = ""
        m = _QUALIFIER.match(core)
        if m and len(core) - m.end() >= 2:
            qualifier = m.group(0)
            core = core[m.end():]
        core = _KIND_TAIL.sub("", core)
        # "阶段性任务和专项性工作的事项": the kind after 的 too (not "…机构承担的事项": whose work it is)
        kindless = re.sub(rf"的(?:{_KINDS})$", "", core)
        if kindless != core and len(kindless) >= 4 and not _RELATIVE.search(kindless):
            core = kindless
        # "普通国省道的新建、改扩建和养护中需由地方承担的部分": the part is the matter itself
        trimmed = re.sub(r"中?(按规定)?需?由[^，。的]{1,10}?承担的部分$", "", core)
        core = trimmed if len(trimmed) >= 4 else core
        inner = _bracket_list(core)
        # "市级前置物资的管理经费补助（含仓库占用费、…等事项支出）": a matter named before what it includes is
        # a matter too (not a kind, "…方面（主要包括…）")
        host = re.sub(r"[（(][^（）()]*[）)]", "", core) if inner else ""
        hosts = [host] if len(host) >= 4 and not re.search(r"(方面|领域|类|等)(的?(支出|事项|工作))?$", host) else []
        if inner:
            core = re.sub(r"等(事项|工作|方面)?(支出|费用|经费)?$", "", inner)
        built = prefix.endswith("建设的")
        for i, piece in enumerate(hosts + _split_list(core, listing=bool(inner))):
            name = piece.strip("，、 ")
            own_levels = levels
            if i:   # "…，市级专利奖励和县级…": a later piece's own level prefix is its scope
                rest, found, _ = _strip_level_prefix(name)
                covers = _level_covers()
                if found and len(rest) >= 2 and rule_levels \
                        and all(lv in rule_levels or any(lv in covers.get(r, ()) for r in rule_levels) for lv in found) \
                        and not _whose_work(rest, found):
                    name, own_levels = rest, fit_levels(found, rule_levels)
            # "普通国省道的新建、改扩建和养护中需由地方承担的部分": the part is the matter itself
            trimmed = re.sub(r"中?(按规定)?需?由[^，。的]{1,10}?承担的部分$", "", name)
            name = trimmed if len(trimmed) >= 4 else name
            verb = _LEADING_VERBS.match(name)
            if verb and not own_levels and len(name) - verb.end() >= 4:
                name = name[verb.end():]
            if built and not name.endswith("建设"):
                name += "建设"
            if len(name) >= 2:
                items.append(Item(name=name, written=segment, levels=own_levels, qualifier=qualifier))
    return items


# ---------------------------------------------------------------- rule groups


def fit_levels(levels: list[str], plan_levels: list[str], province: bool = True) -> list[str]:
    """"由县级财政统筹安排" in a plan whose level is 县（市、区）: the plan's level that covers it.
    (Not 县 → 市县 in a city's plan, where 市县 means the city and its counties together.)"""
    covers = _level_covers()
    out = []
    for lv in levels:
        if lv not in plan_levels:
            lv = next((p for p in plan_levels if lv in covers.get(p, ()) and (province or p != "市县")), lv)
        if lv not in out:
            out.append(lv)
    return out


def _payer_levels(text: str, payer: re.Pattern = _PAYER) -> tuple[list[str], str | None]:
    """Levels that bear the 支出责任 in a clause, and how ('joint', 'each' or None)."""
    m = payer.search(text)
    who = m.group(1) if m else ""
    whole = m.group(0) if m else text
    mode = "joint" if "共同承担" in whole else ("each" if ("分别" in whole or "各自" in whole or "同级" in whole) else None)
    if not m and mode == "each" and not re.search(r"(分别|各自)[^，。；]{0,6}?(承担|负担)|同级", text):
        mode = None      # "…共同财政事权，并按具体事项分别细化确定": 分别 of how it is settled, not who pays
    if "同级财政" in text:
        mode = "each"
    return levels_in(who), mode


def _principle(text: str) -> str | None:
    if "属地" in text:
        return "属地原则"
    if "隶属关系" in text:
        return "隶属关系"
    return None


def branches_possible(conditions: list[str]) -> bool:
    """Sentences after a head that assign levels are branches, not a split of one cost."""
    return any(levels_in(c.split("，")[0]) for c in conditions)


def _shares(text: str, levels: list[str]) -> dict | str | None:
    """How a joint matter's cost is split: numbers where the plan gives them, else its words."""
    m = _SHARE_RATIO.search(text)
    if m and re.match(r"\s*[、和或/]\s*\d+\s*[:：比]\s*\d+", text[m.end():]):
        # "由省与市县按5:5、4:6比例分担": a split for each kind of place the plan names elsewhere, so
        # no one pair of numbers; the plan's words
        return next(c.strip() for c in re.split(r"[，；。]", text) if m.group(0) in c)
    if m and len(levels) >= 2:
        nums = [int(x) for x in m.groups() if x]
        total = sum(nums)
        # the parties the clause names before its ratio ("中央基础标准部分由中央与地方按8:2分担"): the split is
        # theirs, and where they are not the 事权's levels it is said in the plan's words
        clause = re.split(r"[，；。]", text[:m.start()])[-1]
        named = levels_in(clause)
        if len(named) == len(nums) and not set(named) <= set(levels):
            return next(c.strip() for c in re.split(r"[，；。]", text) if m.group(0) in c)
        if total and len(nums) == len(named) and set(named) <= set(levels):
            return {lv: round(n / total, 4) for lv, n in zip(named, nums)}
        if total and len(nums) == len(levels[: len(nums)]):
            return {lv: round(n / total, 4) for lv, n in zip(levels, nums)}
    if m:
        # "所需经费省以上与市、县区财政按6:2:2比例分担": a split among more parties than the 事权's levels
        # (or none named), in the plan's words
        return next(c.strip() for c in re.split(r"[，；。]", text) if m.group(0) in c)
    percents: dict[str, float] = {}
    for pm in re.finditer(r"(承担|负担|分担)\s*(\d{1,3}(?:\.\d+)?)\s*[%％]", text):
        before = [lv for _, _, lv in find_levels(text[max(0, pm.start() - 14):pm.start()])]
        if before and before[-1] not in percents:
            percents[before[-1]] = float(pm.group(2)) / 100
    if percents:
        rest = [lv for lv in levels if lv not in percents]
        if len(rest) == 1 and sum(percents.values()) < 1:
            percents[rest[0]] = round(1 - sum(percents.values()), 4)
        return percents
    # The plan's own words for the split: every clause that states one ("市级承担主要支出责任").
    words = [c.strip() for c in re.split(r"[，；。]", text) if _SHARE_WORDS.search(c)]
    # "项目资本金由市级承担，征地拆迁由县（市、区）按属地原则承担": each level's part, in the plan's words
    parts = [c for c in re.split(r"[，；。]", text) if "承担" in c and levels_in(c)]
    if len(parts) >= 2 and len({tuple(levels_in(c)) for c in parts}) >= 2 and not words \
            and not re.search(r"分别|同级|各自", text):
        words = parts
    return "，".join(words) if words else None


def _own_rule(folded: str) -> bool:
    """A sentence after a head that states a rule for a matter of its own: its subject (before the
    verb) names work, not a part of the head's matters ("由市…办理的登记", "市职能部门…承担的事项")."""
    verb = _AUTHORITY.search(folded)
    if not verb or not levels_in(verb.group(0)):
        return False
    subject = _drop_lead_in(folded[:verb.start()].rstrip("，")).lstrip()
    if subject.startswith("将") or "，将" in subject:   # ("学生资助作为…体系，将其总体确认为…")
        return True
    return len(subject) >= 4 and not re.search(r"(的事项|的部分|的项目|的登记|的备案|的)$|^(由|其中|对于|对)", subject) \
        and "，" not in subject


def _heading_name(block: Block) -> str | None:
    """The name a block's own heading gives ("3.家庭经济困难学生生活补助。" → 家庭经济困难学生生活补助): a short name
    with no verb that says something (compile.yaml run_in_not), no level and no category ("…方面")."""
    title = heading_title(block.path[-1]).strip().rstrip("。：:") if block.path else ""
    return fold_document(title) if _names_a_matter(title) else None


def _names_a_matter(name: str) -> bool:
    """A short name that can be a matter's (a run-in heading, a heading's title): no verb that says something
    (compile.yaml run_in_not), no level, no category ("…方面", category_headings)."""
    return 2 <= len(name) <= 16 and not _RUN_IN_NOT.search(name) and not levels_in(name) \
        and not any(re.search(p, name) for p in compile_vocabulary()["category_headings"])


def names_share(name: str) -> bool:
    """Does a matter's name end in a share of its cost one level bears ("学生营养改善补助（地方应承担的20%部分）",
    "生均公用经费（应由我省承担部分）": compile.yaml share_part)?"""
    part = re.search(r"（([^（）]*)）$", name)
    return bool(part and re.fullmatch(compile_vocabulary()["share_part"], part.group(1)))


def _payer_subject(before: str) -> str:
    """What a payer sentence pays for: the clause before its payer, without the clauses that place
    it ("其中，"), say how ("根据…", "要求省级…制定补助标准") or name the money ("财政负担资金")."""
    before = re.split(r"；", before)[-1]     # "…市级财政给予补助；县区组织实施的…": the clause of this payer only
    subject = re.sub(r"^(其中[：:，]?|对于|对|另外，)", "", _drop_lead_in(before.strip().rstrip("，")))
    subject = re.sub(rf"[，的]?({_NEED})?(工作)?(经费|资金|费用)$", "", subject)   # "…的事项，所需经费由…"
    subject = re.sub(r"的(财政)?支出责任$", "", subject)          # "…等职责的财政支出责任由市与县区共同承担"
    subject = re.sub(r"^[^，：]{2,12}：", "", subject)             # "普通国道：除…以外的…": the label is the heading's
    subject = re.sub(r"(，|(?<=[\u4e00-\u9fff])主要)(按照|根据|依据)(?![^，]*的[^的，]{4,}$)[^，]*$", "", subject)
    # "根据相关规划等自主设立的基础研究" says how and names the matter; "要求省级…制定补助标准" only how
    clauses = [c for c in subject.split("，") if c and not (re.match(r"(要求|按照|根据|依据|经|报|结合|一般执行|执行)", c)
                                                           and not re.search(r"的[^的，]{4,}$", c))]
    # "《方案》指出所需经费由…": who reports it is no part of the clause; "变化的主要内容是X": X
    clauses = [_SUBJECT_LEAD_IN.sub("", _REPORTER.sub("", c)) for c in clauses]
    # "所需经费一般根据国家基础标准", "…测算标准按照国家基础标准执行": the money and how it is reckoned,
    # no matter; "对义务教育来说": a frame
    named = [c for c in clauses if c and not (_MONEY.match(c) or _HOW.search(c) or re.search(r"(来说|而言)$", c))]
    clauses = named or clauses
    # "涉及阶段性任务…的事项，例如…，所需经费则由…" / "针对校舍安全保障，…": the topic names the matter
    topics = [c for c in clauses if _TOPIC.match(c)]
    work = "|".join(map(re.escape, _ACTIONS))
    if topics:
        clauses = topics[-1:]
    elif len(clauses) > 1 and re.search(r"(一项中|方面)$", clauses[0]):
        # "计划生育婚前健康检查一项中，要求…，由…分担"; "在A、B方面，…由…共同实施" (the area is the list)
        clauses = [re.sub(r"^在(?=.{4,}方面$)", "", clauses[0])]
    elif len(clauses) > 1 and re.fullmatch(rf"(除[^，]*?以外的)?(?:(?:{work})、)*(?:{work})(等(职责|工作|事项))?", clauses[-1]):
        # "对市级作为实施主体的省级高速公路，除省级负责部分以外的建设、养护…等职责": the work is done
        # to the thing the clause before names
        qualifier, listed = re.match(r"(除[^，]*?以外的)?(.*)", clauses[-1]).groups()
        thing = re.sub(r"^(对于|对)", "", clauses[-2])
        works = _split_top(re.sub(r"等(职责|工作|事项)?$", "", listed), "、")
        clauses = [(qualifier or "") + "、".join(thing + w for w in works)]
    elif len(clauses) > 1:
        clauses = clauses[-1:]         # the clause right before the payer names what it pays for
    subject = "，".join(clauses)
    subject = re.sub(r"(一项中|方面)$", "", subject)
    # "自由探索类基础研究要聚焦探索未知的科学问题，由…承担": what it should do is no part of its name
    # (not the 应 of 应急, the 要 of 主要…: compile.yaml not_modal)
    share = re.search(compile_vocabulary()["share_part"], subject)
    if share and share.start() >= 4:
        # "家庭经济困难学生生活补助地方应分担的50%部分，由省级财政全额分担": that part of the work (its 应 is the
        # share's, no modal)
        return f"{subject[:share.start()]}（{share.group('part')}）"
    subject = _before_modal(re.sub(r"^其中[：:，]?", "", subject))   # ("…等内容，其中预防接种所需…由…": the last clause)
    # "生均公用经费执行国家基准定额标准，所需经费由…", "…按国家基准定额执行，…": the standard it follows is no
    # part of its name
    subject = re.sub(r"^(?P<what>[^，]{4,}?)(?:执行|参照|按照|按)[^，]*?(?:标准|定额)(?:执行)?$", r"\g<what>", subject)
    return re.sub(r"^(涉及|关于|对于|针对|对)", "", subject)


def _examples(before: str) -> list[str]:
    """"…，例如X，…" / "…，比如X、Y，…": matters a clause gives as examples of the one it names."""
    out = []
    for c in before.split("，"):
        m = re.match(r"^(?:例如|比如|如|譬如)[：:]?(.{4,})$", c.strip())
        if m:
            out += [i.name for i in split_items(m.group(1))]
    return out


# "…邮政领域市级财政事权为邮政业安全管理和安全监管，…": a level's 事权 named first, then its matters (and
# what they include: "…共同财政事权为其他邮政公共服务，包括A、B和C，D等相关职责")
_AUTH_IS = re.compile(r"(?:^|[，；]|领域)(?P<auth>[^，。；领]{1,12}?(?:共同)?财政事权)为(?P<items>[^，。；]{2,60})"
                      r"(?:，(?:主要)?包括(?P<more>[^。；]{4,}?)(?=等(?:相关)?(?:职责|事项)|[。；]|$))?")
# "纳入中央与地方共同财政事权范围的基本公共服务领域目前暂定为八大类，包括义务教育、学生资助…"
_SCOPE_OF = re.compile(r"纳入(?P<auth>[^，。；]{2,30}?事权)范围的[^，。；]{2,40}?[，：]?(?:主要|具体)?包括[：:]?(?P<items>[^。；]{4,})")
# "具体包括18个事项：…" (the sentence after such a rule)
_LISTED = re.compile(r"^\s*(?:具体|其中|主要)?包括[\d一二三四五六七八九十]*(?:个|项)?(?:事项|方面|类)?[：:]")
# "其中：涉及…", "其中，对于…": a joint rule's parts follow
_PARTS = re.compile(r"其中[：:，]\s*(?=(?:涉及|对于|针对))")
_REPORTER = re.compile(r"^(?:《[^》]{1,20}》|(?:实施)?方案)(?:还|进一步|同时)?(?:指出|明确|规定|提出|强调)[：:]?(?=.{4,})")
_SUBJECT_LEAD_IN = re.compile("|".join(compile_vocabulary()["subject_lead_in"]))
_NEED = compile_vocabulary()["money_lead"]
# A sentence that only says how a named work is done or by what standard ("普通高中国家助学金按国家标准发放。")
_DESCRIBED = re.compile(r"^\s*(?P<name>[^，。；：]{4,20}?)(?:按照|按|参照|执行|实行)[^，。；]*(?:执行|发放|实施|确定)?[。；]?$")
_MONEY = re.compile(rf"(?:{_NEED})?(?:工作)?(?:经费|资金|费用)(?!.*的[^的，]{{4,}}$)")
_HOW = re.compile(r"(?:按照|根据|依据|参照)[^，]*(?:执行|确定|测算|核定)$")
_TOPIC = re.compile(r"(?:涉及|针对|对于|关于)(?!.*(?:来说|而言)$)")


def _split_levels(who: str) -> list[str]:
    """The levels that split a cost: "中央与省、市县"; "市县两级" is 市 and 县."""
    levels = levels_in(who)
    if len(levels) == 1 and re.search(r"两级|各级", who) and len(_level_covers().get(levels[0], ())) == 2:
        return sorted(_level_covers()[levels[0]], key=[lv["name"] for lv in level_vocabulary()["levels"]].index)
    return levels


# "，民族县（含民族待遇县）由省级财政与市县财政按50:50比例分担": a kind of place and its own split
_PLACE_SPLIT = re.compile(r"(?:^|[，；])(?P<where>[^，。；由]{2,40}?)由(?P<who>[^，。；]{2,24}?)按(?:照)?\s*"
                          r"(?P<ratio>\d+\s*[:：比]\s*\d+)(?:的)?比例(?:分担|负担|承担)")


# "国家基准定额部分，中央与省级财政按8:2比例分担": who and the ratio, with no 由 (比例 may go unsaid:
# "我省提标部分，省级与市县财政按5∶5分担")
_PAYER_RATIO = re.compile(r"(?:^|(?<=[，；：]))(?P<who>[^，。；：由]{2,20}?)(?:两级|三级)?(?:财政)?按(?:照)?\s*"
                          r"(?P<ratio>\d+\s*[:：比]\s*\d+(?:\s*[:：比]\s*\d+)?)(?:(?:的)?比例)?(?:分担|负担|承担)(?=[，。；（(]|$)")


# "对于城乡居民基本医疗保险补助，中央财政和地方财政按规定对城乡居民基本医疗保险予以缴费补助": the levels
# named together subsidize it, so both pay (kept as written; one level giving aid alone is no payer of the whole)
_PAYER_AID = re.compile(r"(?:^|(?<=[，；：]))(?P<who>[^，。；：由]{2,20}?)财政(?:按(?:照)?规定|共同)?(?:对[^，。；]{1,30}?)?"
                        r"(?:予以|给予)[^，。；]{0,8}?(?:补助|补贴)(?=[，。；]|$)")


# "…通过转移支付对市县给予支持": the level a help goes to
_RECIPIENT = re.compile(r"[对向][^，。；]{1,10}?(?=给予|予以|补助)")


def _split_payer(folded: str) -> re.Match | None:
    """A split with no 由 ("明确中央与省、市县财政分类负担比例", "中央与省级财政按8:2比例分担", "中央财政和
    地方财政按规定…予以缴费补助"), when it names two levels or more."""
    for m in (_PAYER_SPLIT.search(folded), _PAYER_RATIO.search(folded), _PAYER_AID.search(folded)):
        if m and len(_split_levels(m.group(0))) >= 2:
            return m
    return None


def _drop_lead_in(before: str) -> str:
    """The clauses before a list that only place or report it ("其中，在…方面，《实施方案》将…",
    "《方案》指出，…") are no part of it."""
    before = re.sub(compile_vocabulary()["qa_label"], "", before)   # "答：将…确认为…"
    while True:
        first, sep, rest = before.strip().partition("，")
        if sep and any(p.search(first) for p in _LEAD_IN):
            before = rest
            continue
        # "福建省的实施方案体现了“A确认为…": what is quoted (a quote opened and not closed before the verb)
        before = re.sub(r"^[^“”]*“(?=[^“”]*$)", "", before)
        # "明确市级美术馆、…等为市级财政事权": the report's verb, after its lead-in (compile.yaml lead_verbs)
        before = re.sub(rf"^\s*(?:{compile_vocabulary()['lead_verbs']})(?=[^，]{{4,}}(?:[，、]|$))", "", before)
        return re.sub(r"^\s*《[^》]{1,20}》(?=将)", "", before)


def _cell_spans(folded: str) -> list[tuple[int, int]]:
    """(start, end) of each cell of a table row ("宏观管理 | 制定… | 制定…", tab-separated), or the line."""
    spans, start = [], 0
    for m in re.finditer(r"\t+|\s*[|｜]\s*", folded):
        if folded[start:m.start()].strip():
            spans.append((start, m.start()))
        start = m.end()
    if folded[start:].strip():
        spans.append((start, len(folded)))
    return spans or [(0, len(folded))]


def _compact_cjk(text: str) -> str:
    return re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", text.strip())


def _joined(levels: list[str]) -> str:
    """"市与县区", and for three levels as plans write them "中央、省与市县"."""
    return "、".join(levels[:-1]) + "与" + levels[-1] if len(levels) >= 3 else "与".join(levels)


class Compiler:
    """Compile one parsed document into its rules (a plain dict, dumped as YAML)."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.text_all = "".join(b.folded for b in doc.paragraphs())
        self.levels: list[str] = []
        self.matters: dict[str, dict] = {}
        self.uncompiled: list[dict] = []
        self.rule_sentences = 0
        self.section_authority: dict[tuple[str, ...], str] = {}   # heading path → the 事权 its head rule states
        self._whole: tuple[tuple[str, ...], str, str] | None = None   # the joint rule whose parts may follow
        self._listing: tuple[tuple[str, ...], str] | None = None   # a rule whose matters the next sentence may list
        self._table: dict | None = None     # the table whose columns are levels, while its rows follow
        self._before: Sentence | None = None   # the sentence before the one being compiled, in its paragraph
        self._topic: str | None = None   # the label ("普通国道：") the sentence being compiled is under
        self._run_in: tuple[int, str] | None = None   # the paragraph's run-in heading ("公用经费保障。"): where, what
        self._owned: tuple[str, int] = ("", 0)  # the matters the last "其中属于…的" part was of, where they are named
        codes = load_gazetteer().locate((doc.meta.get("place") or {}).get("value"))
        self.province_plan = not codes or any(c.endswith("0000") for c in codes)

    # levels -------------------------------------------------------------
    def _doc_levels(self) -> list[str]:
        """The levels the compiled rules use, from the top (not every level the text mentions)."""
        found = {o["level"] for m in self.matters.values() if not names_share(m["name"]) for o in m["outcomes"] if o["level"]}
        for m in self.matters.values():
            for o in m["outcomes"]:
                found.update(levels_in(o["authority"]))
        covers = _level_covers()
        # (a share of a cost paid by places, "应由我省承担部分，成都市自行负担…", is split inside a level the plan
        # has, 地方: its payers are no levels of their own beside it)
        found |= {o["level"] for m in self.matters.values() if names_share(m["name"]) for o in m["outcomes"]
                  if o["level"] and not any(o["level"] in covers.get(f, ()) for f in found)}
        # The title's "市与县（区）" names the plan's levels even where a level's sentences are missing
        # (a page cut short): a question about that level is then a level the plan has, not ignored.
        scope = re.search(r"领域(.{1,24}?)(?:财政)?事权", fold_document(self.doc.title or ""))
        if scope and not re.search(r"以下", scope.group(1)):
            for lv in levels_in(scope.group(1)):
                # "市与县" in the title of a plan whose rules say 县区: the same level, not another.
                if not any(lv in covers.get(f, ()) or lv == f for f in found):
                    found.add(lv)
        order = [lv["name"] for lv in level_vocabulary()["levels"]]
        return sorted(found, key=order.index)

    def label(self, level: str) -> str:
        """'市' → '市级' when the plan writes 市级财政事权; else the name itself, or the plan's own name
        for the level when it never writes that one ("区级财政事权" in a 市与区 plan: 区级, not 县区)."""
        if f"{level}级财政事权" in self.text_all or f"{level}级事权" in self.text_all:
            return f"{level}级"
        if f"{level}财政事权" not in self.text_all:
            names = next((lv["names"] for lv in level_vocabulary()["levels"] if lv["name"] == level), [])
            own = [n for n in names if f"{n}财政事权" in self.text_all and levels_in(n) == [level]]
            if own:
                return max(own, key=len)
        return level

    def authority(self, levels: list[str], joint: bool) -> str:
        if joint and len(levels) >= 2:
            return _joined(levels) + "共同财政事权"
        return self.label(levels[0]) + "财政事权"

    def joint_payer(self, levels: list[str]) -> str:
        return _joined(levels) + "共同"

    # groups -------------------------------------------------------------
    def run(self) -> dict:
        for block in self.doc.blocks:
            # "（1）承担高速公路政策决定…职责。" read as a heading (it ends its line's first sentence)
            if block.kind == "heading" and _has_duties(block.folded):
                self._compile_duties(block, Sentence(0, len(block.folded), block.folded))
                continue
            # a news summary above a notice may state a rule too ("其中，…一项中，…由省级与市县财政各按50%分担")
            if block.kind not in ("paragraph", "notice_paragraph"):
                continue
            if self._table_block(block):
                continue
            self._compile_block(block)
        self._topic, self._run_in = None, None   # (the parts added below are no paragraph's)
        self._listed_contents()
        self._defined_contents()
        self._tiers()
        self._tier_cases()
        self.levels = self._doc_levels()
        return self.result()

    def _tiers(self) -> None:
        """"基本公共卫生服务支出责任实行中央分档分担办法：第一档包括内蒙古、广西、重庆等12个省…，中央分担80%；第二档…":
        the joint matter named before the tiers gets one case per tier, with the places it lists (what a question
        naming a place is answered with) and the level's share; the other level of the joint payer bears the rest."""
        pattern = re.compile(compile_vocabulary()["tier"])
        for block in self.doc.paragraphs():
            said = sentences(block)
            for k, sent in enumerate(said):
                found = list(pattern.finditer(sent.folded))
                if not found:
                    continue
                before = sent.folded[:found[0].start()]
                listed = [] if any(w and w in before for m in self.matters.values() for w in m["written"]) \
                    else self._tier_items(block, said[:k + 1], found)
                for matter in self.matters.values():
                    joint = next((o for o in matter["outcomes"] if o["level"] is None and "共同" in (o["payer"] or "")
                                  and not o.get("condition")), None)
                    if joint is None or not (matter["id"] in listed or any(w and w in before for w in matter["written"])):
                        continue
                    levels = _split_levels(re.sub(r"共同$", "", joint["payer"]))
                    for m in found:
                        who = levels_in(m.group("who"))
                        if len(who) != 1 or who[0] not in levels or len(levels) != 2:
                            continue
                        share = float(m.group("pct")) / 100
                        other = next(lv for lv in levels if lv != who[0])
                        # ("…重庆等12个省（自治区、直辖市）", "…山东3个省": the places named, not how many there are)
                        # ("天津、江苏、浙江、广东4个省份和大连、宁波…5个计划单列市": both groups)
                        named = re.sub(r"等?\d+个[^、和]*|等[^、和]*$", "", re.sub(r"（[^）]*）", "", m.group("places")))
                        places = [p for p in re.split(r"[、和]", named) if p]
                        matter["outcomes"].append({
                            **joint, "condition": f"第{m.group('n')}档：{m.group('places')}", "places": places,
                            "shares": {who[0]: share, other: round(1 - share, 4)}, "anchor": block.anchor,
                            "label": self.doc.label(block), "quote": block.text[sent.start:sent.end].strip()})

    def _tier_cases(self) -> None:
        """A province's tiers of counties (compile.yaml tier_defined, tier_split, tier_again): a sentence that splits a
        cost by tiers gives its matters one joint case per tier, with the tier's places (what a question naming one is
        answered with) and ratio. Its matters are the ones its own rule names ("将学前教育幼儿资助确认为…，第一档由…"),
        else the ones its subject names ("公用经费保障和…的地方承担部分，第一档…"), else, when it opens with a share of
        a cost ("中央补助以外的地方承担部分，…分为三档：…"), those of the rule right before it."""
        vocab = compile_vocabulary()
        defined: dict[str, str] = {}
        last: list[tuple[str, str | None, str]] = []       # (tier, who, ratio) of the last split, for 上述…档
        previous: list[dict] = []
        for block in self.doc.paragraphs():
            for sent in sentences(block):
                f = sent.folded
                tiers_here = {m.group("n"): m.group("places") for m in re.finditer(vocab["tier_defined"], f)}
                defined.update(tiers_here)
                if tiers_here:   # (a sentence that defines tiers is read as their definition, not an unread rule)
                    self._unskip(f)
                quote = block.text[sent.start:sent.end].strip()
                own = [m for m in self.matters.values() if any(o["anchor"] == block.anchor and o["quote"] == quote
                                                               for o in m["outcomes"])]
                splits = [(m.group("n"), m.group("who"), m.group("ratio")) for m in re.finditer(vocab["tier_split"], f)]
                again = re.search(vocab["tier_again"], f)
                if len(splits) < 2 and again and last:
                    splits = [(n, again.group("who") or who, ratio) for n, who, ratio in last]
                if len(splits) < 2:
                    previous = own or previous
                    continue
                last = splits
                first_split = re.search(vocab["tier_split"], f)
                subject = f[:min(first_split.start() if first_split else len(f),
                                 again.start() if again else len(f))].strip("，：: ")
                subject = re.split(r"[，：:]", subject)[0]
                share = re.search(vocab["share_part"], subject)
                # (what is before the share names the work, unless it only excepts another level's help: "中央补助以外的")
                work = re.sub(r".*(?:以外|之外)的?$", "", subject[:share.start()]).rstrip("的") if share else ""
                matters = own
                if not matters and len(work) >= 4:
                    matters = [self._add(Item(name, name, [], ""), block.path[-1] if block.path else "", [])
                               for name in _split_list(work, listing=True)]
                elif not matters and share:
                    matters = previous
                if matters and not own:
                    self._unskip(f)   # (read now: no longer among the sentences that looked like rules and were not)
                who = next((w for _, w, _ in splits if w), None)
                levels = levels_in(who or "")
                if len(levels) != 2 or not matters:
                    continue
                for n, _, ratio in splits:
                    places = defined.get(n) or ""
                    for matter in matters:
                        matter["outcomes"].append({
                            "level": None, "authority": next((o["authority"] for o in matter["outcomes"]), ""),
                            "payer": self.joint_payer(levels), "principle": None,
                            "shares": _shares("按" + ratio, levels), "headline": "",
                            "condition": f"第{n}档" + (f"：{places}" if places else ""),
                            "places": _places_of(places),
                            "anchor": block.anchor, "label": self.doc.label(block), "quote": quote})
                self.rule_sentences += 0 if own else 1
                previous = matters

    def _tier_items(self, block: Block, said: list[Sentence], found: list[re.Match]) -> list[str]:
        """"以中等职业教育国家助学金、…计划生育扶助保障等7个事项为例,中央分担比例…五档。第一档包括…,中央分担80%;…": the
        tiers of a cost split whose items a sentence before them lists (compile.yaml tier_items), each item then a
        matter the levels share (the plan's two levels, the title's), each tier one case of it (done by _tiers)."""
        title = re.search(r"领域(.{1,24}?)(?:共同)?(?:财政)?事权", fold_document(self.doc.title or ""))
        levels = levels_in(title.group(1)) if title else []
        who = {lv for m in found for lv in levels_in(m.group("who"))}
        listing = re.compile(compile_vocabulary()["tier_items"])
        source = next(((s, m) for s in reversed(said) for m in [listing.search(s.folded)] if m), None)
        if len(levels) != 2 or len(who) != 1 or not who <= set(levels) or source is None:
            return []
        sent, m = source
        outcome = {"level": None, "authority": "", "payer": self.joint_payer(levels), "principle": None,
                   "shares": None, "condition": None, "headline": "", "anchor": block.anchor,
                   "label": self.doc.label(block), "quote": block.text[sent.start:sent.end].strip()}
        ids = []
        # (a list the sentence counts, "等3个事项": any 和 between its names splits it)
        for name in _split_list(m.group("items"), listing=True):
            # (made once: the tiers of a later sentence, "第二档…。第三档…", are cases of the same items)
            known = next((x for x in self.matters.values() if name in x["written"]), None) \
                or self._add(Item(name=name, written=name, levels=[], qualifier=""), "", [outcome])
            ids.append(known["id"])
        # (the sentences are compiled now: no longer "looks like a rule but did not compile")
        quotes = {re.sub(r"\s", "", s.folded) for s in said}
        self.uncompiled = [u for u in self.uncompiled if u["anchor"] != block.anchor
                           or re.sub(r"\s", "", fold_document(u["sentence"])) not in quotes]
        return ids

    def _listed_contents(self) -> None:
        """"邮政省级履职能力建设纳入省级财政事权，主要包括…开展的战略规划、行业监管…等事项": what the one
        matter of a rule sentence includes, listed after its verdict, are its parts, each paid as the whole."""
        words = "|".join(re.escape(w) for w in compile_vocabulary()["includes"] if len(w) >= 2)
        by_quote: dict[str, list[dict]] = {}
        for matter in self.matters.values():
            for q in {o["quote"] for o in matter["outcomes"]}:
                by_quote.setdefault(q, []).append(matter)
        for quote, matters in by_quote.items():
            folded = fold_document(quote)
            m = re.search(rf"[，,](?:{words})[：:]?(?P<list>[^。；]{{4,}}?)(?:等(?:事项|工作|内容|方面))?(?:[。；]|$)", folded)
            if len(matters) != 1 or not m:
                continue
            whole = matters[0]
            if not any(w in folded[:m.start()] for w in whole["written"]):
                continue
            for item in split_items(m.group("list")):
                name = re.sub(r"^[^、，]{2,24}?所开展的", "", item.name)   # (相关领域…职责所开展的战略规划)
                if len(name) >= 2 and name != whole["name"]:
                    self._add(Item(name, item.written, [], ""), whole["category"], [dict(o) for o in whole["outcomes"]],
                              key=f"{whole['name']}/{name}", part_of=whole["written"][0])

    def _topic_name(self, block: Block) -> str | None:
        """What the paragraph is about by name: its run-in heading ("家庭经济困难学生生活补助。"), else its heading's."""
        return (self._run_in[1] if self._run_in else None) or _heading_name(block)

    def _defined_contents(self) -> None:
        """"基本公共卫生服务包括健康教育、预防接种…等内容，以及从原…划入的疾病预防控制…等内容。" in a sentence of its own,
        before or after "基本公共卫生服务明确为…共同财政事权…": each listed part is a part of the matter, paid as the whole.
        A part quotes the sentence that names it and cites the rule it is paid by (`via`), both verbatim."""
        pattern = re.compile(compile_vocabulary()["defines"])
        source = re.compile(compile_vocabulary()["defines_from"])
        for block in self.doc.paragraphs():
            for sent in sentences(block):
                m = pattern.search(sent.folded)
                whole = m and next((x for x in self.matters.values()
                                    if not x.get("part_of") and m.group("whole") in (x["name"], *x["written"])), None)
                quote = block.text[sent.start:sent.end].strip()
                if not whole or any(o["quote"] == quote for o in whole["outcomes"]):
                    continue
                rules = [o for o in whole["outcomes"] if not o.get("condition") and not o.get("via")]
                listed = m.group("list").rstrip("。；")
                if not rules or _AUTHORITY.search(listed) or _PAYER.search(listed) or _PAYER_BARE.search(listed) \
                        or _split_payer(listed) or rule_like(listed) \
                        or re.search(r"由[^，。；]{1,12}?(?:全额|全部|主要)?(?:承担|负担|分担|安排)", listed):
                    continue   # (a clause with a verdict of its own, "其中预防接种…由省级财政全额承担", is its own rule)
                # the list ends at the first comma that does not go on with 以及/及
                listed = re.split(r"[，,](?!以及|及)", listed)[0]
                pieces = [source.sub("", p.strip()) for p in re.split(r"[，,](?=以及|及)", listed)]
                for piece in pieces:
                    piece = re.sub(r"等[^、，]{0,16}$", "", piece)
                    for item in split_items(piece):
                        if len(item.name) < 2 or item.name == whole["name"]:
                            continue
                        self._add(Item(item.name, item.written, [], ""), whole["category"],
                                  [{**copy.deepcopy(o), "anchor": block.anchor, "label": self.doc.label(block),
                                    "quote": quote, "via": {"anchor": o["anchor"], "label": o["label"], "quote": o["quote"]}}
                                   for o in rules],
                                  key=f"{whole['name']}/{item.name}", part_of=whole["written"][0])

    # tables whose columns are levels ----------------------------------------
    def _table_block(self, block: Block) -> bool:
        """A table whose columns are levels' 事权 ("领域 | 市级财政事权与支出责任 | 区级财政事权与支出责任",
        as one row or one cell per line): each cell's matters are that column's level's, each sentence of a
        cell quoted as written. True when the block was a part of such a table."""
        spans = _cell_spans(block.folded)
        texts = [block.folded[a:b].strip() for a, b in spans]
        heads = [column_header(t) for t in texts]
        table = self._table
        if table and table["path"] != tuple(block.path):
            table = self._table = None
        if len(spans) >= 2 and sum(heads) >= 2:          # a header row
            self._table = {"path": tuple(block.path), "columns": [t if h else None for t, h in zip(texts, heads)],
                           "lines": False, "row": None, "col": 0}
            return True
        if len(spans) == 1 and heads[0]:                  # a header cell on a line of its own
            if table and table["lines"] and table["row"] is None:
                table["columns"].append(texts[0])
            else:
                self._table = {"path": tuple(block.path), "columns": [texts[0]], "lines": True, "row": None, "col": 0}
            return True
        if not table or len([c for c in table["columns"] if c]) < 2:
            self._table = None
            return False
        if not table["lines"]:
            if len(spans) != len(table["columns"]):
                self._table = None
                return False
            category = texts[0]
            for (a, b), column in zip(spans, table["columns"]):
                if column:
                    self._compile_cell(block, a, b, column, category)
            return True
        text = texts[0]
        if len(text) <= 20 and not re.search(r"[。；，]", text):   # a row's first cell: what the row is about
            table["row"], table["col"] = text, 0
            return True
        if table["row"] is None or table["col"] >= len(table["columns"]):
            self._table = None
            return False
        self._compile_cell(block, spans[0][0], spans[0][1], table["columns"][table["col"]], table["row"])
        table["col"] += 1
        return True

    def _compile_cell(self, block: Block, a: int, b: int, column: str, category: str) -> None:
        """One cell of a level's column: every sentence in it lists matters of that level."""
        auth_phrase = re.sub(r"(?:财政)?事权(?:[与和及、](?:财政)?支出责任)?$", "", _compact_cjk(column))
        start = a
        for m in re.finditer(r"。|$", block.folded[a:b]):
            end = a + m.end()
            items = block.folded[start:end].strip().rstrip("。；")
            if len(items) >= 2:
                self.rule_sentences += 1
                self._emit(block, items, auth_phrase, "", "", [], block.text[start:end].strip(), category,
                           block.text[start:end])
            start = end
            if end >= b:
                break

    def _compile_block(self, block: Block) -> None:
        self._topic = None
        self._last_matter = None     # the matter the block's last rule named (what a share of it refers to)
        if ((block.path and block.path[0].startswith("附件") and re.search(r"\t|[|｜]|\s{2,}", block.text))
                or len(_cell_spans(block.folded)) >= 3) and self._compile_row(block):
            return
        sents = sentences(block)
        labels = [(m.start("label"), m.group("label")) for m in _TOPIC_LABEL.finditer(block.folded)
                  if not _NOT_LABEL.match(m.group("label"))]
        run_in = _RUN_IN.match(block.folded)
        self._run_in = None
        if run_in and len(sents) >= 2 and _names_a_matter(run_in.group("label")):
            self._run_in = (run_in.start("label"), run_in.group("label"))
            labels.insert(0, self._run_in)
        i = 0
        while i < len(sents):
            head = sents[i]
            self._before = sents[i - 1] if i else None
            # ("普通国道：…。县区组织实施的项目征地拆迁…": the label names what the later sentences are about too)
            self._topic = next((label for at, label in reversed(labels) if at < head.end), None)
            auth = _AUTHORITY.search(head.folded)
            listing, self._listing = self._listing, None
            if listing and listing[0] == tuple(block.path) and _LISTED.match(head.folded) and not auth:
                # "…暂定为八大类，包括A、B…。具体包括18个事项：C、D；E…": the matters of the rule before
                self._compile_listed(block, head, listing)
                i += 1
                continue
            if not looks_like_rule(head.folded) or not auth or not levels_in(auth.group(0)):
                counted = _COUNTED.search(head.folded)
                scope = _SCOPE_OF.search(head.folded)
                if scope and levels_in(scope.group("auth")) and not not_a_rule(head.folded):
                    # "纳入中央与地方共同财政事权范围的基本公共服务领域…，包括A、B、C"
                    self._compile_scope(block, head, scope)
                elif counted and levels_in(counted.group("auth")):
                    # "首先，明确省级财政事权5项，包括…"
                    self._compile_counted(block, head, counted)
                elif not auth and any(levels_in(m.group("auth")) for m in _AUTH_IS.finditer(head.folded)) \
                        and self._compile_auth_is(block, head):
                    # "《方案》明确…邮政领域市级财政事权为A和B，…；市级与县区共同财政事权为C，包括D、E…"
                    pass
                elif not auth and _MAIN_PAYER.search(head.folded) and self._compile_main_payer(block, head):
                    # "…，支出责任以县区财政为主，市级财政给予补助"
                    pass
                elif not auth and len(re.findall(compile_vocabulary()["tier_split"], head.folded)) >= 2:
                    # "中央补助以外的地方承担部分，…分为三档：第一档为…，由…按8:2分担；…": its tiers, read by _tier_cases
                    pass
                elif not auth and self._compile_share(block, head):
                    # "应由我省承担部分，成都市自行负担，其余市（州）和扩权县由省级财政全额承担"
                    pass
                elif (_payer_in(head.folded) or _PAYER_BARE.search(head.folded) or _split_payer(head.folded)) and not auth \
                        and self._compile_payer_sentence(block, head, whole=self._whole_of(block, head)):
                    # "市财政…自主设立的科技计划，由市财政承担支出责任": a payer under a section's 事权.
                    pass
                elif not auth and _BY_OWNER.search(head.folded):
                    # "县直医疗卫生机构在乡镇设立的分院、分站等分支机构，按照其隶属关系执行本方案"
                    self._compile_by_owner(block, head)
                elif not auth and _EACH_OWN.search(head.folded) and self._compile_each_own(block, head):
                    # "对…基础研究，省和市县…，省级和市县财政分别承担相应支出责任"
                    pass
                elif not auth and _BY_ORGANIZER.search(head.folded) and self._compile_by_organizer(block, head):
                    # "市级或县区自行组织实施…的，所需经费按照组织实施主体分别承担支出责任"
                    pass
                elif not auth and _PAYER_FIRST.search(head.folded):
                    # "市级财政承担…的财政支出责任", "…的财政支出责任由市与县区共同承担"
                    if not self._compile_payer_first(block, head) and rule_like(head.folded):
                        self._skip(block, block.text[head.start:head.end], why_not_compiled(head.folded))
                elif not auth and _has_duties(head.folded) and self._compile_duties(block, head):
                    # "市辖区承担邮政普遍服务…等职责及相应支出责任"
                    pass
                elif rule_like(head.folded):
                    self._skip(block, block.text[head.start:head.end], why_not_compiled(head.folded))
                i += 1
                continue
            j = i + 1
            # After a one-level head, a sentence with a 事权 of its own is a rule of its own
            # ("州级…储备库…，确认为州级财政事权…；县（市）…储备库…，确认为县（市）财政事权…"); after a
            # joint head it is a branch ("市职能部门…承担的事项，确认为市财政事权…").
            # A sentence whose subject is a new matter ("省级应急救援队伍建设为省与市县共同财政事权")
            # rather than a part of the head's ("市职能部门…承担的事项") is a rule of its own either way.
            joint_head = "共同" in auth.group(0) or len(levels_in(auth.group(0))) >= 2
            while j < len(sents) and is_condition(sents[j].folded) and \
                    (joint_head or not _AUTHORITY.search(sents[j].folded)) and not _own_rule(sents[j].folded):
                j += 1
            if self._compile_group(block, head, sents[i + 1:j]) is not False:
                self.rule_sentences += 1
            i = j

    @staticmethod
    def _items_of(folded: str) -> tuple[str, str]:
        """Head sentence → (enumeration text, words between it and the verb)."""
        verb = _RULE_VERB.search(folded)
        if not verb:
            return "", ""
        before = _drop_lead_in(folded[: verb.start()].rstrip("，"))
        # "例如，在应急管理制度建设中，将…" / "《方案》突出发挥…优势，将…": the list starts at its 将
        openers = compile_vocabulary()["list_openers"]
        clauses = [re.sub(rf"^\s*(?:{openers})(?=将)", "", c) for c in before.split("，")]   # "如将…列为省级事权"
        at = next((i for i, c in enumerate(clauses) if c.lstrip().startswith("将")), 0)
        if at and clauses[at].lstrip().startswith("将其"):
            # "学生资助作为相对独立完整的政策体系，将其总体确认为…": 其 is the clause before, less what it is 作为
            clauses[at] = "将" + re.sub(r"作为[^，]*$", "", clauses[at - 1]).strip() \
                + re.sub(r"^(总体|整体|均|统一|全部)$", "", clauses[at].lstrip()[2:])
        before = "，".join(clauses[at:])
        # "◆ 基本公共卫生服务：明确为…": a page's bullet and the colon before the verb are no part of it
        before = re.sub(r"^[\s◆◇●○■□▲△★☆•·▪►]+", "", before).rstrip("：: ")
        # "计划生育扶助保障：计划生育扶助保障明确为…": a label before the subject is the heading's, no part of it
        before = re.sub(r"^[^，：、]{2,12}：(?=[^，]{2,})", "", before)
        if not before.lstrip().startswith("将"):
            # "县级自行设立的公共卫生服务项目，确认为县级财政事权": the subject is the matter; so is
            # "研究制定全市…规范，全市…规划编制，…等，为市级财政事权" once the clauses that say
            # how or why ("根据…", "按照…") are set aside.
            clauses = [c.strip() for c in before.split("，") if c.strip()]
            mid = ""
            while clauses and re.match(r"(根据|按照|依据|依照|为了|对于|其中)", clauses[0]):
                clauses.pop(0)
            while clauses and re.match(r"(按照|根据|依据|分别|原则上)", clauses[-1]) and not levels_in(clauses[-1]):
                mid = clauses.pop() + "，" + mid
            # ("…，而各县辖区内的渡口改造、…则确认为…": the news report's 而 and 则 are no part of the list)
            subject = re.sub(r"则$", "", re.sub(r"^(?:而|此外|另外)", "", "，".join(clauses)))
            return (subject, mid) if len(subject) >= 4 else ("", before)
        before = before.lstrip()[1:]
        # "将民航领域通用机场从中央和地方共同财政事权调整为…": where it was is no part of the matter
        before = re.sub(r"从[^，]{2,30}?(财政)?事权$", "", before)
        mid = ""
        while True:  # "…，按照公路管理隶属关系，分别确认为…": trailing phrases that say how, not what
            last = before.rfind("，")
            tail = before[last + 1:]
            if last >= 0 and (re.search(r"(按|根据|依据|分别)", tail) and not levels_in(tail)
                              or re.fullmatch(r"(按照|根据|依据)[^，]*?(分别)?", tail)):
                mid = tail + "，" + mid
                before = before[:last]
                continue
            if last >= 0 and re.fullmatch(r"(均|都|全部|统一|一律|也)", tail):
                before = before[:last]      # "…等三大类，均确认为…": an adverb of the verb
                continue
            return before, mid

    def _compile_group(self, block: Block, head: Sentence, conditions: list[Sentence]) -> bool | None:
        items_text, mid = self._items_of(head.folded)
        category = block.path[-1] if block.path else ""
        title = heading_title(category).strip().rstrip("。：")
        # "（一）科技研发。主要包括基础研究、…等事项，确认为…": the heading names the matter, the list
        # says what it includes (kept as its written form, so its words still find it).
        includes = None
        listed = re.match(r"(主要)?(包括|涵盖|含)", items_text)
        if title and listed and any(re.search(p, title) for p in compile_vocabulary()["category_headings"]):
            # "计划生育方面。主要包括A、B、C3个计划生育扶助保障项目": the items, without their count
            items_text = re.sub(r"(等)?[\d一二三四五六七八九十]+(个|项)[^、，和及]{0,16}$", "", items_text[listed.end():])
            items_text = re.sub(r"(以及|和|及)(?=[^、（(]*$)", "、", items_text, count=1)   # a list's last 和 lists
        elif title and listed:
            includes, items_text = items_text, title
        if not items_text and any(re.search(p, head.folded) for p in compile_vocabulary()["principles"]):
            # "属于市级财政事权的，由市级承担相应支出责任；…": how a kind of 事权 is paid, no matter named
            end = conditions[-1].end if conditions else head.end      # "…；属于县级财政事权的，由县级承担…"
            self._skip(block, block.text[head.start:end], "只写了按事权归属划分的原则，未列明具体事项")
            return False
        owned = _OWNED_PART.match(head.folded)
        before = self._before
        named, since = "", head.start
        if owned and not items_text and before is not None:
            named, since = _naming(before.folded)[0], before.start
            if not named and _OWNED_PART.match(before.folded):
                named, since = self._owned   # "…；属于市县级机构的，确认为…": the same matters as the part before
        known = len(self.matters)
        if named:
            self._owned = (named, since)
            # the quote holds the sentence that names the matters too
            # "A、B…按照国家规定实行免费开放。其中属于省级机构的，确认为省级财政事权…；属于市县级机构的，
            # 确认为省与市县共同财政事权": the matters of the sentence before, each part by its condition
            auth = _AUTHORITY.search(head.folded)
            self._emit(block, named, auth.group(2), mid, head.folded[auth.end():], [],
                       block.text[since:head.end].strip(), category, block.text[head.start:head.end],
                       condition=owned.group("part"))
            self._written_with_work(list(self.matters.values())[known:],
                                    before.folded if before is not None and since == before.start else "")
            for c in conditions:
                part, c_auth = _OWNED_PART.match(c.folded), _AUTHORITY.search(c.folded)
                if part and c_auth:
                    self._emit(block, named, c_auth.group(2), "", c.folded[c_auth.end():], [],
                               block.text[since:c.end].strip(), category, block.text[c.start:c.end],
                               condition=part.group("part"))
            return True
        if not items_text:
            if title and mid == "":
                items_text = title
            else:
                self._skip(block, block.text[head.start:head.end], "未找到事项列举")
                return
        # "2.应用研究和技术开发。…；区县（市）自主设立的确认为区县（市）财政事权…": a subject that only says who set it
        # up, no name after its 的, is the heading's matter (that level's version of it)
        topic = self._topic_name(block)
        who_set = None
        if topic and re.fullmatch(r"[^，、；]{2,16}的", items_text.strip()):
            items_text, who_set = topic, items_text.strip()
        if re.fullmatch(r"[^，、]{0,6}?(财政)?事权", items_text.strip()):
            return False   # "改革方案将财政事权划分为…共同财政事权、分级财政事权…": describes the kinds, assigns nothing
        if any(re.search(p, items_text) for p in compile_vocabulary()["summary_subjects"]):
            # "一些事项则确认为…", "将由基层管理更加方便有效…的事项划为市县事权": a kind of matter, none by name
            self._skip(block, block.text[head.start:head.end], "只概括了一类事项，未列明具体事项")
            return False
        auth = _AUTHORITY.search(head.folded)
        self.section_authority.setdefault(tuple(block.path), auth.group(2))
        # "高速公路建设涉及的征地拆迁，由县（市、区）按属地原则承担支出责任": a sentence after the head
        # whose subject names no level is a matter of its own, not a branch of the head.
        own = [c for c in conditions if not levels_in(c.folded.split("，")[0]) and _PAYER.search(c.folded)]
        branches = [c for c in conditions if c not in own]
        span_end = branches[-1].end if branches else head.end
        after = head.folded[auth.end():]
        # "…总体为中央与地方共同财政事权，并按具体事项细化，其中：涉及X等经常性事项，…明确中央与省、市县
        # 财政分类负担比例…": the clause after 其中 is a part of the joint matter, paid as it says
        parts = _PARTS.search(after) if "共同" in auth.group(2) else None
        self._emit(block, items_text, auth.group(2), mid, after[:parts.start()] if parts else after,
                   [c.folded for c in branches], block.text[head.start:span_end].strip(), category,
                   block.text[head.start:head.end], condition=who_set)
        self._whole = (tuple(block.path), auth.group(2), items_text) if "共同" in auth.group(2) else None
        for c in branches:
            # "除跨省外的其他水污染、大气污染防治，以及土壤污染防治、…噪声…污染防治，确认为地方财政事权": the items
            # listed after the excepted rest are matters of their own, with the branch's verdict
            c_auth = _AUTHORITY.search(c.folded)
            first, _, listed = c.folded[:c_auth.start()].partition("，") if c_auth else ("", "", "")
            listed = re.sub(r"^(以及|及|和|还有)", "", listed.strip("，"))
            if c_auth and re.match(r"除", first) and len(listed) >= 4 and levels_in(c_auth.group(2)):
                self._emit(block, listed, c_auth.group(2), "", c.folded[c_auth.end():], [],
                           block.text[c.start:c.end].strip(), category, block.text[c.start:c.end])
        if parts:
            at = auth.end() + parts.end()
            self._compile_payer_sentence(block, Sentence(head.start + at, head.end, head.folded[at:]),
                                         whole=(auth.group(2), items_text))
        if includes:
            matter = self.matters.get(re.sub(r"[，、。；：\s]", "", items_text))
            if matter is not None and includes not in matter["written"]:
                matter["written"].append(includes)
        for c in own:
            if len(_OWN_CASE.findall(c.folded)) >= 2 and self._compile_payer_sentence(block, c):
                continue   # "X，属于A直属的，由A承担…，属于B组建的，由B承担…": its own cases, not the head's 事权
            subject, _, rest = c.folded.partition("，")
            self._emit(block, subject, auth.group(2) if "共同" not in auth.group(2) else "、".join(levels_in(rest)),
                       "", "，" + rest, [], block.text[c.start:c.end].strip(), category, block.text[c.start:c.end])

    @staticmethod
    def _written_with_work(matters: list[dict], naming: str) -> None:
        """Each matter named in a sentence that says what is done to them is that work done to it, and is
        named so ("博物馆…，按照国家规定实行免费开放" → 博物馆免费开放: the museum's free opening, not every
        cost of a museum, "博物馆新馆建设"); its form with the sentence's own verb is kept as written."""
        work = _naming(naming)[1] if naming else ""
        for matter in matters if work else []:
            if matter["name"] + work not in matter["written"]:
                matter["written"].append(matter["name"] + work)
            short = re.sub(r"^(实行|实施|开展)(?=..)", "", work)
            if not matter["name"].endswith(short):
                matter["name"] += short

    def _whole_of(self, block: Block, sent: Sentence) -> tuple[str, str] | None:
        """"其中：涉及…" / "…；涉及…" right after a joint rule of the same section: (its 事权, its matter)."""
        whole, self._whole = self._whole, None
        if whole and whole[0] == tuple(block.path) and re.match(r"^\s*(?:其中[：:，]?)?涉及", sent.folded):
            self._whole = whole          # "其中：涉及A…；涉及B…": the next part too
            return whole[1:]
        return None

    def _section_authority(self, block: Block) -> str:
        """The 事权 phrase the head rule of the block's section (or a section above it) states, or ""."""
        path = tuple(block.path)
        return next((self.section_authority[path[:k]] for k in range(len(path), 0, -1)
                     if path[:k] in self.section_authority), "")

    def _compile_payer_sentence(self, block: Block, sent: Sentence, whole: tuple[str, str] | None = None) -> bool:
        """A sentence that says who pays for something but not whose 事权 it is, under a section
        whose head rule states the 事权 ("（一）科技研发…确认为市与区、县（市）共同财政事权…" then
        "1.基础研究…市财政…自主设立的科技计划，由市财政承担支出责任"). Without such a head the
        事权 stays unstated (authority ""), never one the plan does not state. `whole`: (its 事权, the
        matter it is a part of) when it details a joint rule ("…总体为…共同财政事权，其中：涉及X…")."""
        auth_phrase = whole[0] if whole else self._section_authority(block)
        folded = sent.folded
        # "…落户我市需由地方承担的配套资金，由市与所在区、县（市）财政按5:5比例分担": the payer's 由
        # is the one the payer match starts at, not an earlier one inside the subject. "明确中央与省、
        # 市县财政分类负担比例", "中央和地方负担比例由5:5调整为6:4": a split with no 由.
        payer, bare, split = _payer_in(folded), _PAYER_BARE.search(folded), _split_payer(folded)
        if payer and re.search(r"承担的[^，。；]{0,6}(事项|事权)", payer.group(0)):
            payer = None   # "明确了需要由省级、市县级分别承担的事项和相应支出责任": says that, assigns nothing
        if not (payer or bare or split):
            return False
        first = min((m for m in (payer, bare, split) if m), key=lambda m: (m.start(), m is not payer), default=None)
        at = first.start() if first else folded.find("由")
        # "森林草原防灭火专业队伍建设，属于自治区直属的，由自治区承担…，属于市县组建的，由市县承担…": cases of one
        # matter, each with its own one-level payer; the matter is named before the first
        cases = [(m, levels_in(m.group("who"))) for m in _OWN_CASE.finditer(folded)]
        cases = cases if len(cases) >= 2 and all(len(lv) == 1 for _, lv in cases) \
            and len({lv[0] for _, lv in cases}) == len(cases) else []
        if cases:
            at = min(at, cases[0][0].start())
        subject = _payer_subject(folded[:at])
        quote_from = sent.start
        described = _DESCRIBED.match(self._before.folded) if self._before is not None else None
        if not subject.strip() and _MONEY.fullmatch(folded[:at].strip("，。 ") or "经费"):
            if described and _names_a_matter(described.group("name")):
                # "普通高中免学杂费补助按国家标准执行。所需经费由中央与地方按5:5比例分担。": what the sentence before
                # describes; the quote runs from it
                quote_from, subject = self._before.start + described.start("name"), described.group("name")
            elif self._run_in:
                # "家庭经济困难学生生活补助。按照…执行。所需经费由中央与我省按50:50比例分担。": the paragraph's run-in
                # heading is what it pays for; the quote runs from it, so the name is in it as written. (Once: a
                # later such sentence may pay for a part named in between, "普通高中免学杂费补助按…执行。所需经费…")
                quote_from, subject = self._run_in
                self._run_in = None
            else:
                # "3.家庭经济困难学生生活补助。" read as a heading of its own, then "所需经费由…分担。"
                subject = _heading_name(block) or subject
        if re.search(compile_vocabulary()["cost_part"], subject):
            # "（一）公用经费保障。…国家基准定额部分，中央与省级财政按8∶2比例分担；我省提标部分，…": a part of the
            # heading's matter, paid as it says, named 公用经费保障（国家基准定额部分）
            topic = self._topic_name(block)
            if topic:
                subject = f"{topic}（{subject}）"
        auth_levels = levels_in(auth_phrase)
        if len(subject) < 4 or "，" in subject or re.fullmatch(r"[^，]{0,8}?(财政)?事权", subject):
            return False      # "…原则，市级财政事权由市级承担支出责任": the principle, no matter
        if all(len(p) <= 6 and re.search(r"[省市州县区旗）)]$", p) for p in re.split(r"[、和及]", subject) if p):
            return False      # "应由我省承担部分，…，其余市（州）和扩权县由省级财政全额承担": places, no matter
        rest = folded[at:]
        split_shares = None
        if first is not None and first is split:
            payer_levels, mode = _split_levels(split.group(0)), None
            ratio = split.groupdict().get("ratio")
            split_shares = (_shares("按" + ratio, payer_levels) if ratio else None) or split.group(0).strip("，")
        elif first is not None and first is bare:
            payer_levels, mode = levels_in(bare.group("who")), None
        else:
            payer_levels, mode = _payer_levels(rest, payer.re if payer else _PAYER)
        if not auth_levels:
            # No head states this section's 事权: the rule keeps who pays and says the 事权 is
            # not stated (authority ""), never one made up from the payer. "…由同级财政承担支出责任":
            # each level of the plan (as its rules so far and its title name them) pays for its own.
            plan_levels = self._doc_levels() if not payer_levels and mode == "each" else []
            if not payer_levels and len(plan_levels) < 2:
                return False
            auth_levels, auth_phrase = payer_levels or plan_levels, ""
        fitted = fit_levels(payer_levels, auth_levels, self.province_plan)
        # "中央与地方共同" and a part paid by "中央与省、市县": a finer split than the 事权's, kept as written; so is
        # the payer of a share one level bears ("…地方应承担的20%部分，由省级财政全额承担": 省, inside 地方)
        if not names_share(subject):
            payer_levels = fitted if all(lv in auth_levels for lv in fitted) else payer_levels
        joint = "共同" in auth_phrase
        authority = self.authority(auth_levels, joint) if auth_phrase else ""
        base = {"anchor": block.anchor, "label": self.doc.label(block), "quote": block.text[quote_from:sent.end].strip(),
                "headline": authority, "condition": None, "shares": None}
        principle = _principle(folded) or ("设立主体级次" if "设立主体" in folded else None)
        # "我市…自主设立的科技计划，按照设立主体级次，由同级财政分别承担": what 我市 (the city and the
        # counties in it) sets up is paid by the level that set it up — 市 and 县区, never 中央 or 省.
        own = re.search(r"我(省|市|州|县|区)", folded[:at])
        own_levels = fit_levels(levels_in(own.group(1)), auth_levels, self.province_plan) if own else []
        rank = {lv["name"]: lv["rank"] for lv in level_vocabulary()["levels"] if "rank" in lv}
        within = [lv for lv in auth_levels if own_levels and own_levels[0] in rank and lv in rank
                  and rank[lv] >= rank[own_levels[0]]]
        if mode == "each" and not payer_levels and len(own_levels) == 1 and own_levels[0] in auth_levels:
            outcomes = [{"level": lv, "payer": lv} for lv in within or own_levels]
        elif mode == "each" and not payer_levels:     # "按照设立主体级次，由同级财政分别承担"
            outcomes = [{"level": lv, "payer": lv} for lv in auth_levels]
        elif len(payer_levels) >= 2:
            shares = split_shares or _shares(rest, payer_levels)
            outcomes = [{"level": None, "payer": self.joint_payer(payer_levels), "shares": shares}] \
                if mode != "each" else [{"level": lv, "payer": lv} for lv in payer_levels]
        elif len(payer_levels) == 1:
            # "由省级财政承担主要支出责任": the one level pays mainly, so others may help (said as written)
            mainly = re.search(r"(?:由[^，。；]*?|[^，。；由]*?)承担主要(?:的)?(?:财政)?支出责任"
                               r"(?:，[^，。；]*?(?:给予|统筹)[^，。；]*?(?:支持|补助|奖补))?", rest)
            outcomes = [{"level": payer_levels[0], "payer": payer_levels[0],
                         "shares": mainly.group(0).strip() if mainly else None}]
        else:
            return False
        outcomes = [{**base, **o, "authority": authority, "principle": principle} for o in outcomes]
        if cases:
            # each case its condition and payer; the section's 事权 only where it holds every case's level
            held = authority if all(lv[0] in auth_levels for _, lv in cases) else ""
            outcomes = [{**base, "level": lv[0], "payer": lv[0], "authority": held, "principle": principle,
                         "headline": held, "condition": m.group("cond")} for m, lv in cases]
        # "…，由中央与地方财政分担，地方负担部分由省级与市级…共同承担" / "…，中央、省级和市级财政通过
        # 转移支付给予补助": how the rest is split or helped, said after the payer, goes with the verdict
        after = [c.strip("。 ") for c in re.split(r"[，；]", folded[first.end():] if first else "")
                 if c.strip() and (_SHARE_WORDS.search(c) or re.search(compile_vocabulary()["part_of_cost"], c))
                 and not (cases and _OWN_CASE.search("，" + c))]
        for o in outcomes:
            # (not the helping level's own verdict: "市承担…，市级财政通过转移支付给予支持" says nothing of 市's part)
            # ("…，省级财政…通过转移支付对市县给予支持" is 市县's: the level helped, after 对, is no helper)
            said = [c for c in after if not (o["level"] and o["level"] in levels_in(_RECIPIENT.sub("", c))
                                             and re.search(compile_vocabulary()["helps"], c))]
            if said and not o.get("shares"):
                o["shares"] = "，".join(said)
        self.rule_sentences += 1
        category = block.path[-1] if block.path else ""
        items = split_items(subject, auth_levels)
        # "涉及阶段性任务…的事项，例如教师培训专项工作补助，所需经费…": the example is paid the same way
        items += [Item(x, x, [], "") for x in _examples(folded[:at]) if x not in [i.name for i in items]]
        # "…由中央与我省按50:50比例分担，…，民族县（…）由省级财政与市县财政按50:50比例分担，其余地区由…按40:60
        # 比例分担": the split inside one kind of place is that place's part of the matter, paid as it says
        places = [(m.group("where").strip(), levels_in(m.group("who")), m.group("ratio"))
                  for m in _PLACE_SPLIT.finditer(folded[(first.end() if first else len(folded)):])]
        places = [(w, lv, r) for w, lv, r in places if len(lv) >= 2 and not _level_prefix_at(w)[0]]
        for item in items:
            named = [lv for lv in item.levels if lv in auth_levels]
            item_outcomes = [o for o in outcomes if not named or o["level"] in named or o["level"] is None] or outcomes
            if whole:
                self._add(item, category, item_outcomes, key=f"{whole[1]}/{item.name}", part_of=whole[1])
            else:
                self._add(item, category, item_outcomes)
            for where, levels, ratio in places:
                part = Item(where + item.name, item.written, [], "")
                self._add(part, category, key=f"{item.name}/{where}", part_of=item.name, outcomes=[
                    {**base, "level": None, "payer": self.joint_payer(levels), "shares": _shares("按" + ratio, levels),
                     "condition": where, "authority": authority, "principle": None}])
        return True

    def _compile_share(self, block: Block, sent: Sentence) -> bool:
        """"…所需经费由中央与我省按80:20比例分担。应由我省承担部分，成都市自行负担，其余市（州）和扩权县由省级财政
        全额承担。": the part one level bears (compile.yaml share_part) of a cost the sentence right before shares out
        is a matter of its own, "生均公用经费（应由我省承担部分）", with one case per clause: the places the clause
        names are its condition, and they pay it themselves (pays_itself: the place's own level) or the payer the
        clause names does. A clause whose payer cannot be read is reported, never guessed."""
        vocab = compile_vocabulary()
        first, _, rest = sent.folded.partition("，")
        part = re.fullmatch(vocab["share_part"], first.strip())
        whole = self._last_matter

        def right_before(quote: str) -> bool:
            at = block.text.find(quote)
            return at >= 0 and not block.text[at + len(quote):sent.start].strip()

        # (the whole is the matter of the sentence right before, and its cost is shared: a joint verdict)
        before = next((o for o in whole["outcomes"] if o["anchor"] == block.anchor and o["level"] is None
                       and "共同" in (o["payer"] or "") and right_before(o["quote"])), None) if whole else None
        if not part or not rest or before is None:
            return False
        start = block.text.find(before["quote"])
        base = {"anchor": block.anchor, "label": self.doc.label(block), "principle": None,
                "authority": before["authority"], "headline": before.get("headline") or before["authority"],
                "quote": block.text[start:sent.end].strip()}
        outcomes = []
        for clause in re.split(r"[，；]", rest.strip("。 ")):
            own, payer = re.search(vocab["pays_itself"], clause), _PAYER_OF_SHARE.search(clause)
            group = clause[:own.start()] if own else clause[:payer.start()] if payer else ""
            # (a place that pays itself is at its own level, the last one its name says: 省直管县 is a county)
            # (or the level its name ends in: 凉山彝族自治州 is a 州, though bare 州 is no level word in running text)
            levels = (levels_in(group)[-1:] or [lv for lv in _ONE_CHAR_LEVELS if group.endswith(lv)]) if own \
                else levels_in(payer.group(1)) if payer else []
            if group.strip() and not levels:
                self._skip(block, clause, "未能确定这部分费用由哪一级承担")
            if not group.strip() or not levels:
                continue
            joint = len(levels) >= 2
            outcomes.append({**base, "level": None if joint else levels[0],
                             "payer": self.joint_payer(levels) if joint else levels[0],
                             "shares": _shares(clause[payer.start():], levels) if joint else None,
                             "condition": group, "places": _places_of(group)})
        if not outcomes:
            return False
        name = f"{whole['name']}（{part.group('part')}）"
        matter = self._add(Item(name, name, [], ""), block.path[-1] if block.path else "", outcomes, part_of=whole["name"])
        matter["share_of"] = whole["name"]   # reached through its whole when a share is asked, not searched itself
        for o in matter["outcomes"]:
            o.pop("scope", None)     # ("我省" in the part's name is the payer of the whole, no version of it)
        self.rule_sentences += 1
        return True

    def _compile_counted(self, block: Block, sent: Sentence, m: re.Match) -> None:
        """"明确省级财政事权5项，包括A、B、…" (a news reading): when the 、-list has as many pieces as the
        count, each piece is one matter as written ("省属…", "全省性或跨区域的…"); else the list is read
        like any other. The level that holds a 事权 bears its 支出责任; a joint one, the levels together."""
        auth_levels = levels_in(m.group("auth"))
        joint = "共同" in m.group("auth") and len(auth_levels) >= 2
        count = re.search(r"([\d一二三四五六七八九十]+)项", m.group(0)).group(1)
        count = int(count) if count.isdigit() else cn_to_int(count)
        listed = re.sub(r"等$", "", m.group("items").strip())
        pieces = _split_top_list(listed)
        items = [Item(p, p, [], "") for p in pieces] if len(pieces) == count else split_items(listed, auth_levels)
        outcome = self._held(auth_levels, joint, block, sent)
        if len(auth_levels) >= 2 and not joint:
            return self._skip(block, block.text[sent.start:sent.end], "事权层级无法识别")
        self.rule_sentences += 1
        for item in items:
            self._add(item, block.path[-1] if block.path else "", [outcome])

    def _held(self, auth_levels: list[str], joint: bool, block: Block, sent: Sentence) -> dict:
        """The outcome of a 事权 said without its payer: the level that holds it bears its 支出责任; a joint
        one, the levels together."""
        authority = self.authority(auth_levels, joint)
        return {"level": None if joint else auth_levels[0],
                "payer": self.joint_payer(auth_levels) if joint else auth_levels[0],
                "authority": authority, "principle": None, "condition": None, "shares": None, "headline": authority,
                "anchor": block.anchor, "label": self.doc.label(block), "quote": block.text[sent.start:sent.end].strip()}

    def _compile_auth_is(self, block: Block, sent: Sentence) -> bool:
        """"市级财政事权为A和B；市级与县区共同财政事权为C，包括D、E": each level's (or the levels' joint)
        matters, and what they include. The level that holds a 事权 bears its 支出责任; a joint one, the levels
        together (as _compile_counted)."""
        found = False
        for m in _AUTH_IS.finditer(sent.folded):
            auth_levels = levels_in(m.group("auth"))
            joint = "共同" in m.group("auth") and len(auth_levels) >= 2
            if not auth_levels or (len(auth_levels) >= 2 and not joint):
                continue
            outcome = self._held(auth_levels, joint, block, sent)
            for text in (m.group("items"), m.group("more") or ""):
                for item in split_items(text, auth_levels) if text else []:
                    self._add(item, block.path[-1] if block.path else "", [dict(outcome)])
            found = True
        if found:
            self.rule_sentences += 1
        return found

    def _compile_scope(self, block: Block, sent: Sentence, m: re.Match) -> None:
        """"纳入中央与地方共同财政事权范围的基本公共服务领域目前暂定为八大类，包括A、B、…": the listed
        matters are of that 事权; who pays is what the 事权 says (a joint one: the levels together)."""
        auth_phrase = re.sub(r"(财政)?事权$", "", m.group("auth"))
        quote = block.text[sent.start:sent.end].strip()
        self.rule_sentences += 1
        self._emit(block, m.group("items").strip(), auth_phrase, "", "", [], quote,
                   block.path[-1] if block.path else "", block.text[sent.start:sent.end])
        self._listing = (tuple(block.path), auth_phrase)

    def _compile_listed(self, block: Block, sent: Sentence, listing: tuple) -> None:
        """"具体包括18个事项：A、B；C…" right after a rule that put a kind of matter at a level."""
        quote = block.text[sent.start:sent.end].strip()
        items = sent.folded[_LISTED.match(sent.folded).end():].strip().rstrip("。；")
        self.rule_sentences += 1
        self._emit(block, items, listing[1], "", "", [], quote, block.path[-1] if block.path else "",
                   block.text[sent.start:sent.end])

    def _compile_main_payer(self, block: Block, sent: Sentence) -> bool:
        """"跨县区的项目，由市级负责组织协调，支出责任以县区财政为主，市级财政给予补助" (or "由市级负责
        跨县区项目组织协调，…"): one matter both levels pay for, in the plan's words; the 事权 is the
        section head's, or stated as not written."""
        folded = sent.folded.rstrip("。；")
        m = _MAIN_PAYER.search(folded)
        clauses = [c for c in re.split(r"[，；]", folded[:m.start()]) if c]
        at = next((i for i, c in enumerate(clauses) if _COORDINATES.match(c) or c.startswith("由")), len(clauses))
        subject = "，".join(clauses[:at])
        if not subject and at < len(clauses) and _COORDINATES.match(clauses[at]):
            subject = _COORDINATES.match(clauses[at]).group("what")
        subject = _payer_subject(subject) if subject else ""
        payers = levels_in(m.group("main")) + [lv for lv in levels_in(m.group("aid") or "") if lv not in levels_in(m.group("main"))]
        if len(subject) < 4 or "，" in subject or not payers:
            return False
        auth_phrase = self._section_authority(block)
        auth_levels = levels_in(auth_phrase)
        payers = fit_levels(payers, auth_levels, self.province_plan) if auth_levels else payers
        order = [lv["name"] for lv in level_vocabulary()["levels"]]
        authority = self.authority(auth_levels, "共同" in auth_phrase) if auth_levels else ""
        words = "，".join(clauses[at:] + [folded[m.start():m.end()]])
        joint = len(payers) >= 2
        outcome = {"level": None if joint else payers[0],
                   "payer": self.joint_payer(sorted(payers, key=order.index)) if joint else payers[0],
                   "authority": authority, "principle": None, "condition": None, "shares": words,
                   "headline": authority, "anchor": block.anchor, "label": self.doc.label(block),
                   "quote": block.text[sent.start:sent.end].strip()}
        self.rule_sentences += 1
        for item in split_items(subject, auth_levels or payers):
            self._add(item, block.path[-1] if block.path else "", [outcome])
        return True

    def _compile_by_owner(self, block: Block, sent: Sentence) -> bool:
        """Units of one level placed elsewhere ("县直…机构在乡镇设立的分院、分站等分支机构，按照其
        隶属关系执行本方案，不因所在地域改变支出责任"): the level they belong to pays, 按隶属关系."""
        m = _BY_OWNER.search(sent.folded)
        subject = m.group("subject").strip("，")
        owner = {"省": "省", "市": "市", "州": "州", "县": "县", "区": "县区"}[m.group("owner")]
        auth_phrase = self._section_authority(block)
        auth_levels = levels_in(auth_phrase)
        known = sorted({o["level"] for mt in self.matters.values() for o in mt["outcomes"] if o["level"]}
                       | set(auth_levels))
        (level,) = fit_levels([owner], known, self.province_plan) or [owner]
        authority = self.authority(auth_levels, "共同" in auth_phrase) if auth_levels else ""
        outcome = {"level": level, "payer": level, "authority": authority, "principle": "隶属关系", "condition": None,
                   "shares": None, "headline": authority, "anchor": block.anchor, "label": self.doc.label(block),
                   "quote": block.text[sent.start:sent.end].strip()}
        self.rule_sentences += 1
        self._add(Item(subject, subject, [], ""), block.path[-1] if block.path else "", [outcome])
        return True

    def _compile_by_organizer(self, block: Block, sent: Sentence) -> bool:
        """Each level named as organizer pays for the work it organizes; the 事权 is the section
        head's, or stated as not written."""
        m = _BY_ORGANIZER.search(sent.folded)
        return self._each_level_pays(block, sent, m.group("who"), m.group("what"), m.group("what"), least=1)

    def _compile_each_own(self, block: Block, sent: Sentence) -> bool:
        """Each level the sentence names pays for its own version of the work after 对 (each its scope);
        the 事权 is the section head's. The name is the work without its long qualifier (after its last
        的), the whole kept as written."""
        m = _EACH_OWN.search(sent.folded)
        what = m.group("what")
        name = what[what.rfind("的") + 1:] if len(what) - what.rfind("的") > 4 else what
        return self._each_level_pays(block, sent, m.group("who"), what, name, least=2, scoped=True)

    def _each_level_pays(self, block: Block, sent: Sentence, who: str, what: str, name: str, least: int,
                         scoped: bool = False) -> bool:
        """Each level `who` names (at least `least` of them, and nothing else) pays for the work it does;
        the 事权 is the section head's, or stated as not written."""
        auth_phrase = self._section_authority(block)
        auth_levels = levels_in(auth_phrase)
        levels = levels_in(who)
        if auth_levels:
            levels = fit_levels(levels, auth_levels, self.province_plan)
        # who pays is levels only ("市级或县（市）区"), nothing else before the work
        if len(levels) < least or re.sub("|".join(n for n, _ in _level_names()), "", who).strip("或和与、级财政"):
            return False
        authority = self.authority(auth_levels, "共同" in auth_phrase) if auth_levels else ""
        base = {"authority": authority, "principle": "组织实施主体", "condition": None, "shares": None,
                "headline": authority, "anchor": block.anchor, "label": self.doc.label(block),
                "quote": block.text[sent.start:sent.end].strip()}
        self.rule_sentences += 1
        self._add(Item(name, what, [], ""), block.path[-1] if block.path else "",
                  [{"level": lv, "payer": lv, **({"scope": lv} if scoped else {}), **base} for lv in levels])
        return True

    def _compile_payer_first(self, block: Block, sent: Sentence) -> bool:
        """Clauses that name the payer first or after the cost ("市级财政承担征地拆迁等外部环境保障
        组织协调的财政支出责任，县区财政承担具体事项执行实施的财政支出责任"): who pays for what; the
        事权 is the section head's, or stated as not written."""
        auth_phrase = self._section_authority(block)
        auth_levels = levels_in(auth_phrase)
        authority = self.authority(auth_levels, "共同" in auth_phrase) if auth_levels else ""
        category = block.path[-1] if block.path else ""
        found = False
        for m in _PAYER_FIRST.finditer(sent.folded):
            who, what = (m.group("who1"), m.group("what1")) if m.group("who1") else \
                (m.group("who2"), m.group("what2")) if m.group("who2") else (m.group("who3"), m.group("what3"))
            what = re.sub(r"^.*?[：:]", "", what.strip("，、 "))           # "普通国道：…" → the cost itself
            what = re.sub(r"^(对|除[^，]*以外的)", "", what)
            payers = levels_in(who)
            if not payers or len(what) < 4:
                continue
            levels = fit_levels(payers, auth_levels, self.province_plan) if auth_levels else payers
            joint = len(levels) >= 2
            outcome = {"level": None if joint else levels[0], "payer": self.joint_payer(levels) if joint else levels[0],
                       "authority": authority, "principle": _principle(sent.folded), "condition": None,
                       "shares": None, "headline": authority, "anchor": block.anchor, "label": self.doc.label(block),
                       "quote": block.text[sent.start:sent.end].strip()}
            for item in split_items(what):
                self._add(item, category, [outcome])
            found = True
        if found:
            self.rule_sentences += 1
        return found

    def _compile_duties(self, block: Block, sent: Sentence) -> bool:
        """"县区承担A、B等职责及相应支出责任", "市级与县区共同承担A、B等具体事项，并分担相应支出责任",
        "在A、B方面，由省级和市县共同承担相关职责…，承担相应支出责任", and "（1）承担A、B和C职责" under
        "（一）市级财政事权": the level holds the 事权 of each listed duty and bears its 支出责任 (where the clause
        names no payer, as for "将X确认为市级财政事权。", the 事权's levels). Clauses after "；" are read one by one."""
        found = False
        for clause, area in _duty_clauses(sent.folded):
            m = _DUTIES.search(clause) or (area and _AREA_DUTIES.search(clause))
            if m is None:
                continue
            who = m.group("who")
            levels = levels_in(who)
            auth = ""
            if levels:
                # only level words before 承担 ("市本级与市辖区", "县区"), not a subject that names work
                if re.sub(r"[与和及、]|共同|本级|级|财政|政府|有关部门|的", "", _level_regex().sub("", who)):
                    continue
                joint = bool(m.group("joint")) or len(levels) >= 2
            else:
                if who.strip():
                    continue
                heading = next((h for h in reversed(block.path + ([block.text] if block.kind == "heading" else []))
                                if _AUTHORITY_HEADING.match(fold_document(h))), None)   # "(一)市级财政事权1.公路" too
                if heading is None:
                    continue
                auth = _AUTHORITY_HEADING.match(fold_document(heading)).group("auth")
                levels = levels_in(auth)
                if not levels:
                    continue
                joint = "共同" in auth and len(levels) >= 2
            authority = auth or self.authority(levels, joint)
            outcome = {"level": None if joint else levels[0],
                       "payer": self.joint_payer(levels) if joint else levels[0],
                       "authority": authority, "principle": _principle(sent.folded), "condition": None,
                       "shares": None, "headline": authority, "anchor": block.anchor, "label": self.doc.label(block),
                       "quote": block.text[sent.start:sent.end].strip()}
            # (_AREA_DUTIES has no list of its own: the area it is about is the list)
            items = split_items(m.group("what") if "what" in m.groupdict() else area)
            category = block.path[-1] if block.path else ""
            for item in items:
                self._add(item, category, [dict(outcome)])
            found = found or bool(items)
        if found:
            self.rule_sentences += 1
        return found

    def _compile_row(self, block: Block) -> bool:
        """A row of an attachment's table: 序号 | 事项 | 财政事权 | 支出责任."""
        cells = [c.strip() for c in re.split(r"\t+|\s*[|｜]\s*|\s{2,}", block.folded) if c.strip()]
        at = next((i for i, c in enumerate(cells) if re.search(r"事权$", c) and levels_in(c)), None)
        if at is None:
            return False
        item = next((c for c in reversed(cells[:at]) if not re.fullmatch(r"\d+[.．、]?", c)), None)
        if not item:
            self._skip(block, block.text, "未找到事项")
            return True
        self.rule_sentences += 1
        authority = re.sub(r"(财政)?事权$", "", cells[at])
        self._emit(block, item, authority, "", "，".join(cells[at + 1:]), [], block.text.strip(),
                   block.path[0] if block.path else "附件", block.text)
        if re.fullmatch(r"\d+", cells[0]):   # "清单第9项": the row's number, on the matters it gives
            for matter in self.matters.values():
                if any(o["anchor"] == block.anchor for o in matter["outcomes"]):
                    matter.setdefault("serial", int(cells[0]))
        return True

    def _skip(self, block: Block, sentence: str, reason: str) -> None:
        if re.search(_RESIDUAL, fold_document(sentence)):
            return   # the principle for unlisted matters: kept as the rules' `residual`, not a rule
        self.uncompiled.append({"anchor": block.anchor, "label": self.doc.label(block), "sentence": sentence,
                                "reason": reason})

    def _unskip(self, folded: str) -> None:
        """A sentence `_skip` reported that a later pass has read after all."""
        self.uncompiled = [u for u in self.uncompiled if fold_document(u["sentence"]) != folded.strip()]

    def _emit(self, block: Block, items_text: str, auth_phrase: str, mid: str, after: str,
              conditions: list[str], quote: str, category: str, sentence: str, condition: str | None = None) -> None:
        auth_levels = levels_in(auth_phrase)
        joint = "共同" in auth_phrase
        if not auth_levels:
            self._skip(block, sentence, "事权层级无法识别")
            return
        rest = after + "".join(conditions)
        principle = _principle(mid + rest)
        payer_levels, mode = _payer_levels(mid + "，" + after)
        said_payers = payer_levels
        payer_levels = fit_levels(payer_levels, auth_levels, self.province_plan)
        if "同级财政" in mid + after:
            mode = "each"
        shares = _shares(after if branches_possible(conditions) else rest, auth_levels)
        base = {"anchor": block.anchor, "label": self.doc.label(block), "quote": quote}
        outcomes: list[dict] = []

        branches = self._branches(conditions, auth_levels, principle)
        every = re.search(compile_vocabulary()["every_level"], after)
        if joint and every and not payer_levels and not branches:
            # "由各级财政区分不同情况承担相应的支出责任": who pays is every level, as the plan says it
            how = every.group("how").strip()
            outcomes.append({"level": None, "authority": self.authority(auth_levels, True),
                             "payer": every.group("who"), "principle": None,
                             "shares": how if how and not re.fullmatch(r"承担(相应的)?(财政)?支出责任", how) else None})
        elif joint:
            # "…共同财政事权，并按具体事项分别细化确定": no payer said, so the levels together (not each alone)
            if mode == "joint" or shares or (payer_levels and len(payer_levels) >= 2 and mode is None) \
                    or (not payer_levels and mode is None and not branches and "支出责任" not in rest):
                outcomes.append({"level": None, "authority": self.authority(auth_levels, True),
                                 "payer": self.joint_payer(auth_levels), "principle": None, "shares": shares})
            if branches:
                outcomes.extend(branches)
            elif mode == "each" or not outcomes:
                # "地方负担部分按照隶属关系由同级财政统筹安排": what each level bears is its part, not the whole
                part = re.search(rf"[^，。；]*{compile_vocabulary()['part_of_cost']}[^，。；]*", rest) if mode == "each" else None
                # ("中央与地方共同财政事权…由中央与省市县财政分别承担": each payer the sentence names, 地方's too)
                finer = len(said_payers) > len(auth_levels) and all(
                    p in auth_levels or any(p in levels_covered(a, [p]) for a in auth_levels) for p in said_payers)
                for lv in (said_payers if finer else auth_levels):
                    outcomes.append({"level": lv, "authority": self.authority(auth_levels, True), "payer": lv,
                                     "principle": principle, "shares": part.group(0) if part else None})
            if any("办理" in c for c in conditions) and all(o["level"] for o in outcomes):
                for o in outcomes:
                    o["principle"] = o.get("principle") or "办理部门"
        elif len(auth_levels) >= 2:
            by_level = {b["level"]: b for b in branches}
            for lv in auth_levels:
                outcomes.append(by_level.get(lv) or {"level": lv, "authority": self.authority([lv], False),
                                                     "payer": lv, "principle": principle})
        else:
            lv = auth_levels[0]
            payer = payer_levels[0] if len(payer_levels) == 1 else lv
            outcomes.append({"level": lv, "authority": self.authority([lv], False), "payer": payer,
                             "principle": principle, "shares": shares if isinstance(shares, str) else None})
        headline = self.authority(auth_levels, joint) if (joint or len(auth_levels) == 1) else \
            "、".join(self.label(lv) for lv in auth_levels) + "财政事权"
        # "属于市县级机构的": a joint verdict under a condition that names one level is that level's version
        named = fit_levels(levels_in(condition), auth_levels, self.province_plan) if condition else []
        for o in outcomes:
            o.setdefault("condition", condition)
            o.setdefault("shares", None)
            if len(named) == 1 and o["level"] is None:
                o["scope"] = named[0]
            o["headline"] = headline
            o.update(base)

        if joint and isinstance(shares, str):
            self._sub_matters(items_text, shares, auth_levels, category, base, headline)
        if joint:
            self._duties(items_text, after, auth_levels, category, base, headline)
        for item in split_items(items_text, auth_levels):
            item_outcomes = outcomes
            # A prefix that names one of the rule's levels limits the item to it ("全市性…" in a 市、县区 rule).
            named = [lv for lv in item.levels if lv in auth_levels]
            if named and len(set(named)) == 1 and len(auth_levels) >= 2 and not joint:
                item_outcomes = [o for o in outcomes if o["level"] in named] or outcomes
            self._add(item, category, item_outcomes)

    def _sub_matters(self, items_text: str, shares: str, auth_levels: list[str], category: str,
                     base: dict, headline: str) -> None:
        """"市级承担主要支出责任，县（市、区）承担征地拆迁等支出责任": the parts a level bears by name."""
        for clause in re.split(r"[，；。]", shares):
            found = [lv for lv in levels_in(clause) if lv in auth_levels]
            if not found or "承担" not in clause:
                continue
            m = re.search(r"承担(.+?)等?支出责任", clause) or re.search(r"^(.+?)由", clause)
            # "承担相应的支出责任", "承担主要支出责任": how much, not a part by name.
            if not m or re.fullmatch(r"(主要|次要|其余|剩余|相应|相关|部分|全部|一定|应有|各自|共同|兜底)(的)?(部分)?",
                                     m.group(1).strip()) or "不同情况" in clause:
                continue
            for part in _split_top(m.group(1), "、"):
                part = part.strip()
                if len(part) < 2 or levels_in(part):
                    continue
                item = Item(name=part, written=f"{items_text}，{part}", levels=[], qualifier="")
                self._add(item, category, key=f"{items_text}/{part}", part_of=items_text, outcomes=[{**base, "level": found[0], "authority": headline, "payer": found[0],
                                            "principle": _principle(clause), "condition": None, "shares": None,
                                            "headline": headline}])

    def _duties(self, items_text: str, after: str, auth_levels: list[str], category: str, base: dict,
                headline: str) -> None:
        """"…共同财政事权，分别承担支出责任，其中，中央主要负责A、B支出；地方主要负责C、D支出": each
        level's own part of a joint matter, by name, paid by that level."""
        for clause in re.split(r"[；。，]", after):
            # ("除明确划分由中央负责的A、B等支出责任外": the level named after 由 has A and B)
            m = re.match(r"^除(?:明确|已)?(?:划分)?由(?P<who>[^，。；的]{1,8}?)(?:级)?(?:财政)?(?:主要|具体)?负责的"
                         r"(?P<what>.{4,}?)(?:等)?(?:支出责任|支出|经费|费用)?外$", clause.strip()) \
                or re.match(r"^(?:其中[：:]?)?(?P<who>[^，。；除由]{1,8}?)(?:级)?(?:财政)?(?:主要|具体)?负责(?P<what>.{4,}?)"
                            r"(?:等)?(?:的)?(?:支出|经费|费用)?$", clause.strip())
            if not m:
                continue
            who = fit_levels(levels_in(m.group("who")), auth_levels, self.province_plan)
            found = [lv for lv in who if lv in auth_levels]
            if not found and len(who) == 1:
                # "市县主要负责…" of a joint 事权 whose levels below the province are only 县: the one it covers
                found = [lv for lv in auth_levels if lv in levels_covered(who[0], auth_levels)]
            if len(found) != 1:
                continue
            for item in split_items(m.group("what"), auth_levels):
                # ("市县主要负责本级信息系统…": 本级 is the level just named, the same work as the province's)
                name = re.sub(r"^(?:本级|同级)(?=.{4,})", "", item.name)
                part = Item(name=name, written=f"{items_text}，{item.written}", levels=[], qualifier="")
                self._add(part, category, key=f"{items_text}/{name}", part_of=items_text,
                          outcomes=[{**base, "level": found[0], "authority": headline, "payer": found[0],
                                     "principle": None, "condition": None, "shares": None, "headline": headline}])

    def _branches(self, conditions: list[str], auth_levels: list[str], principle: str | None) -> list[dict]:
        out: list[dict] = []
        for sent in conditions:
            for clause in re.split(r"；", sent):
                if "承担" not in clause and "事权" not in clause:
                    continue
                subject = clause.split("，")[0]
                subject_levels = [lv for lv in levels_in(subject) if lv in auth_levels] or \
                    [lv for lv in levels_in(clause) if lv in auth_levels]
                auth = _AUTHORITY.search(clause)
                clause_auth_levels = levels_in(auth.group(2)) if auth else []
                payer_levels, _ = _payer_levels(clause)
                payer_levels = fit_levels(payer_levels, auth_levels, self.province_plan)
                clause_principle = _principle(clause) or principle
                if "办理" in subject:
                    clause_principle = "办理部门"
                for lv in subject_levels:
                    authority = None
                    if auth and lv in clause_auth_levels:
                        authority = self.authority([lv], False)
                    payer = lv if (lv in payer_levels or not payer_levels or len(payer_levels) >= 2) else payer_levels[0]
                    # (not the items the clause lists after its excepted rest, "除…外的其他X，以及A、B，确认为…": they
                    # are matters of their own, _compile_group)
                    told = subject + "，" + clause[auth.start():] if auth and re.match(r"除", subject) else clause
                    out.append({"level": lv, "authority": authority or self.authority(auth_levels, True),
                                "payer": payer, "principle": clause_principle,
                                "condition": re.sub(r"^由", "", subject).strip() or None,
                                "clause": told.strip("。；，")})
        # one branch per level, first wins
        seen, unique = set(), []
        for b in out:
            if b["level"] not in seen:
                seen.add(b["level"])
                unique.append(b)
        return unique

    def _add(self, item: Item, category: str, outcomes: list[dict], key: str | None = None,
             part_of: str | None = None) -> dict:
        # Matters merge by name across sentences (市 and 县区 lists); a part of one matter keeps its parent.
        # "…，以及由市级部门直接组织的应急预案演练": the conjunction joins the list, it names nothing.
        item = Item(re.sub(r"^(以及|及|并|和|或)(?=.{4,})", "", item.name), item.written, item.levels, item.qualifier)
        key = re.sub(r"[，、。；：\s]", "", key or item.name)
        matter = self.matters.get(key)
        if matter is None:
            matter = {"id": f"m{len(self.matters) + 1:02d}", "name": item.name, "category": category,
                      "written": [], "outcomes": []}
            if self._topic and self._topic not in item.name:
                matter["topic"] = self._topic
            if part_of:
                matter["part_of"] = part_of   # the enumeration of the matter it is a part of
            self.matters[key] = matter
        if item.written not in matter["written"]:
            matter["written"].append(item.written)
        # "市级应急救援规划编制", "由市级部门直接组织的应急预案演练": the item is that level's version
        # of the work; the plan says nothing here about another level's version of it.
        named = list(dict.fromkeys(item.levels or levels_in(item.written)))
        scope = named[0] if len(named) == 1 else None
        for o in outcomes:
            o = dict(o)
            if item.qualifier and not o.get("condition"):
                o["condition"] = re.sub(r"的(其他|其余)?$", "", item.qualifier)
            if scope and o["level"] == scope:
                o["scope"] = scope
            elif o["level"] is None and len(item.levels) == 1:
                # a joint verdict of an item with its own level prefix is that level's version's
                # ("省级应急救援队伍建设为省与市县共同财政事权")
                o["scope"] = item.levels[0]
            # (the same verdict said twice in a paragraph once; a sentence after it with its own split is kept:
            # "…明确为省与市县共同财政事权。所需经费由省与市县按6:4比例分担。")
            # (one whose quote holds the other's and adds the split replaces it: "城乡居民基本医疗保险补助。…明确为
            # 省与市县共同财政事权。所需经费由省与市县按6:4比例分担。")
            richer = next((i for i, x in enumerate(matter["outcomes"]) if x["level"] == o["level"]
                           and x["anchor"] == o["anchor"] and x["payer"] == o["payer"] and not x.get("shares")
                           and o.get("shares") and x["quote"] in o["quote"]), None)
            if richer is not None:
                matter["outcomes"][richer] = {**matter["outcomes"][richer], **{k: v for k, v in o.items() if v}}
            elif not any(x["level"] == o["level"] and x["anchor"] == o["anchor"]
                         and (x["quote"] == o["quote"] or x.get("shares") == o.get("shares")) for x in matter["outcomes"]):
                matter["outcomes"].append(o)
        self._last_matter = matter
        return matter

    # result -------------------------------------------------------------
    def catch_all(self) -> dict | None:
        """The sentence that says how matters the plan does not list are divided ("知识产权领域其他未列
        事项，按照…具体确定财政事权和支出责任"); None when no sentence says so (never a page line)."""
        for block in self.doc.paragraphs():
            if block.kind != "paragraph":
                continue
            for s in sentences(block):
                says = re.search(r"(其他未列|未列明|未列入本方案)", s.folded) or \
                    (re.search(r"(?<!、)其他事项(?![、等\d一二三四五六七八九十])", s.folded)
                     and re.search(r"事权|支出责任", s.folded))   # not "…、教育人才、其他事项八大类"
                if says and re.search(r"(确定|研究|划分|执行)", s.folded) and len(s.folded.strip()) >= 12:
                    return {"anchor": block.anchor, "label": self.doc.label(block),
                            "quote": block.text[s.start:s.end].strip()}
        return None

    def residual(self) -> dict | None:
        """The principle for what the plan does not list ("除本方案明确的以外，按照“谁实施、谁负责”
        的原则，由实施主体所在层级承担支出责任"), quoted beside the catch-all clause."""
        for block in self.doc.paragraphs():
            if block.kind != "paragraph":
                continue
            for s in sentences(block):
                if re.search(_RESIDUAL, s.folded) \
                        and re.search(r"承担[^，。；]{0,10}支出责任|原则", s.folded):
                    return {"anchor": block.anchor, "label": self.doc.label(block),
                            "quote": block.text[s.start:s.end].strip()}
        return None

    def zones(self) -> list[dict]:
        """Areas the plan puts at one of its levels ("曲靖经济技术开发区参照县（市、区）执行本方案")."""
        out = []
        for block in self.doc.paragraphs():
            if block.kind != "paragraph":
                continue
            for s in sentences(block):
                m = _ZONE.search(s.folded)
                inside = _ZONE_IN.search(s.folded) if not m else None
                if not m and not inside:
                    continue
                where, names = (m.group(2), m.group(1)) if m else (inside.group(2) or inside.group(1), inside.group(3))
                levels = [lv for _, _, lv in find_levels(where) if lv in self.levels]
                if len(set(levels)) != 1 or levels[0] == self.levels[0]:
                    continue
                quote = block.text[s.start:s.end].strip()
                for name in re.split(r"[、和及]", names):
                    name = re.sub(r"^(各|全市|全省|全县|本市)", "", name.strip())
                    if 2 <= len(name) <= 20:
                        out.append({"name": name, "level": levels[0], "anchor": block.anchor,
                                    "label": self.doc.label(block), "quote": quote})
        return out

    def result(self) -> dict:
        out = {
            "doc_id": self.doc.doc_id,
            "doc_number": self.doc.doc_number,
            "title": self.doc.title,
            "levels": [{"name": lv, "label": self.label(lv)} for lv in self.levels],
            "catch_all": self.catch_all(),
            "matters": list(self.matters.values()),
        }
        zones = self.zones()
        if zones:
            out["zones"] = zones
        residual = self.residual()
        if residual:
            out["residual"] = residual
        return out

    def report(self) -> dict:
        parts = [b for b in self.doc.blocks if b.kind == "heading" and b.depth == 1]
        return {"doc_id": self.doc.doc_id, "title": self.doc.title, "doc_number": self.doc.doc_number,
                "parts": len(parts), "paragraphs": len([b for b in self.doc.blocks if b.kind == "paragraph"]),
                "rule_sentences": self.rule_sentences, "matters": len(self.matters),
                "levels": self.levels, "uncompiled": self.uncompiled}


def format_report(rules: dict, report: dict) -> str:
    """The compiled plan per rule sentence, for a reviewer to check against the text (and to diff):
    each quoted sentence, then every matter compiled from it with its level, 事权, payer and scope;
    then the rule-like sentences that did not compile, with the reason."""
    lines = [f"《{rules['title']}》（{rules.get('doc_number') or '原文未载明文号'}）",
             f"层级：{'/'.join(lv['name'] for lv in rules.get('levels') or []) or '未识别'}"]
    catch_all = rules.get("catch_all")
    lines.append(f"兜底条款：{catch_all['label']}：{catch_all['quote']}" if catch_all else "兜底条款：无（原文没有兜底条款）")
    by_quote: dict[tuple[str, str], list[tuple[dict, dict]]] = {}
    for matter in rules.get("matters") or []:
        for o in matter["outcomes"]:
            by_quote.setdefault((o["label"], o["quote"]), []).append((matter, o))
    for (label, quote), pairs in by_quote.items():
        lines += ["", f"[{label}] {quote}"]
        for matter, o in pairs:
            extra = [f"范围 {o['scope']}"] if o.get("scope") else []
            extra += [f"条件 {o['condition']}"] if o.get("condition") else []
            extra += [f"分担 {o['shares']}"] if o.get("shares") else []
            extra += [f"属于 {matter['part_of']}"] if matter.get("part_of") else []
            extra += [f"主题 {matter['topic']}"] if matter.get("topic") else []
            lines.append(f"  · {matter['name']}｜层级 {o['level'] or '共同'}｜事权 {o['authority'] or '未写明'}"
                         f"｜承担 {o['payer']}" + "".join(f"｜{e}" for e in extra))
    uncompiled = report.get("uncompiled") or []
    lines += ["", f"未编译（像规则但未能编译）：{len(uncompiled)} 句"]
    lines += [f"  [{u['label']}] {u['sentence'].strip()}（{u['reason']}）" for u in uncompiled]
    return "\n".join(lines) + "\n"


def compile_document(doc: Document) -> tuple[dict, dict]:
    """(rules, report) for one document."""
    compiler = Compiler(doc)
    rules = compiler.run()
    return rules, compiler.report()


def dump_rules(rules: dict, source_name: str) -> str:
    header = (f"# Compiled by `assistant compile` from corpus/{source_name}. Do not edit by hand:\n"
              f"# corrections go to rules/overrides.yaml. Each outcome carries its verbatim quote and anchor.\n")
    return header + yaml.safe_dump(rules, allow_unicode=True, sort_keys=False, width=1000)
