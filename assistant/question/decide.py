"""The resolver: a pure function from an analysed question (and the previous turn) to verdicts.

Every verdict is an outcome of rules/ as compiled from the plan; nothing here invents one.
When the question's matter is not one the plan lists, the answer is `not_listed` with the
plan's catch-all clause, never the verdict of a look-alike matter.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from dataclasses import dataclass, field, replace

from assistant.language.lexicon import load_lexicon
from assistant.document.catalog import place_stem
from assistant.document.compile import (compile_vocabulary, find_levels, level_vocabulary, levels_covered, levels_in,
                                        names_every_level, names_share)
from assistant.document.parse import heading_title
from assistant.language.normalize import fold_document
from assistant.document.index import DocIndex, MatterEntry
from assistant.question.match import MatterMatch
from assistant.question.frame import PAGE_PICKED, Analysis, DocAnalysis, LevelMention


@dataclass
class Verdict:
    index: DocIndex
    matter: dict
    outcomes: list[dict]
    scope: list[LevelMention]        # levels the user named, with their own words
    only_levels: list[str] | None = None   # the user's level is not one the matter has
    answer: str | None = None        # for yes/no: "yes" | "no" | "depends"
    details: list[dict] = field(default_factory=list)   # the joint verdict's stated exceptions, shown under it
    aid: list[str] = field(default_factory=list)   # for "省财政给不给钱" answered 是: the claimed levels the
                                                   # verdict's own words say help the payer (not bear the cost)


@dataclass
class Resolution:
    status: str                      # answered | not_listed | out_of_scope | clarify
    kind: str                        # verdict | list | fact | not_listed | not_loaded | out_of_scope | clarify
    verdicts: list[Verdict] = field(default_factory=list)
    index: DocIndex | None = None    # the document a fact, list or catch-all comes from
    fact: str | None = None
    list_filter: dict | None = None
    topic: str = ""
    intent: str = "payer"
    injection: bool = False
    yes_no: bool = False
    question: str = ""               # normalized, for checking a yes/no premise about a fact
    passage: str | None = None       # anchor of a paragraph that answers a question about the text
    options: list[dict] = field(default_factory=list)  # {label, question}: matters or plans the user may mean
    corrections: list = field(default_factory=list)    # typos read as the plan's words, said in the answer
    context: dict = field(default_factory=dict)
    taught: str | None = None        # the teaching that marked the phrasing as not in the plan
    lead: str | None = None          # one 是/不是 for several matters' answers ("是不是全都市级承担": 不是), or
                                     # 不是 for a kind of spending no rule mentions (not_listed)
    inside: str | None = None        # a level the plan lacks that does the work asked about ("镇上办的": 乡镇)
    above: str | None = None         # …above the plan's levels, as the plan's vocabulary names it ("国家级的": 中央)
    unlisted: list[str] = field(default_factory=list)   # parts of the question the plan does not list
                                                        # ("专利导航和专利资助分别谁出": 专利资助)


def _intent(a: Analysis) -> str:
    for name in ("principle", "authority", "payer"):
        if name in a.intents:
            return name
    return "payer"


def _scope(d: DocAnalysis, a: Analysis) -> tuple[list[LevelMention], list[LevelMention]]:
    """(levels that scope the question, levels the user claims as the answer)."""
    named = [m for m in d.levels if m.level or m.foreign]
    doers = [m for m in named if m.level and not m.claim]
    # "全市重点产业专利导航是市里出还是县里出": the level doing the work decides; the payers the
    # user offers are only asked about.
    scope = doers if doers else [m for m in named if m.level and (not m.claim or not a.yes_no)]
    claims = [m for m in named if m.claim] if a.yes_no else []
    if a.yes_no and not scope and not a.joint_claim:
        # "专利导航县区出钱吗？", "县区一分钱不用出吧": the claimed level is the level asked about — unless the
        # claim is about the whole matter ("是不是市里全包"), which every level's verdict answers, or a level is
        # claimed not to pay beside one claimed to pay ("就市里出 县区没有支出责任": the whole too).
        negated = [m for m in claims if m.negated]
        if not negated:
            scope = [m for m in claims if m.level and not ((m.exclusive and not m.own) or m.holder)]
        elif len(negated) == len(claims):
            scope = [m for m in negated if m.level]
    return scope, claims


def _select(matter: dict, scope: list[LevelMention], together: bool = False) -> tuple[list[dict], list[str] | None]:
    outcomes = matter["outcomes"]
    wanted = [m.level for m in scope]
    if not wanted:
        return outcomes, None
    # "市和县区一起搞的…": work the levels do together has the joint verdict, not each level's own.
    joint = [o for o in outcomes if o["level"] is None and "共同" in (o["authority"] or o["payer"])]
    if together and len(set(wanted)) >= 2 and joint:
        return joint, None
    chosen = [o for o in outcomes if o["level"] in wanted or (o["level"] is None and o.get("scope") in wanted)]
    if chosen:
        return chosen, None
    # The plan lists only another level's own version ("市级…规划编制" asked for a county): not listed.
    # (Not for a level the user only claims as the payer: "…县里会给配套吗？" is answered 不是.)
    if all(o.get("scope") for o in outcomes) and not any(m.claim for m in scope):
        return [], wanted
    # The user's level is not one this matter has at all: show what the plan does say.
    return outcomes, sorted({o["level"] for o in outcomes if o["level"]})


def _exceptions(outcomes: list[dict]) -> tuple[list[dict], list[dict]]:
    """"确认为市与县区共同财政事权，由市与县区共同承担…市、县区职能部门及所属机构承担的事项，确认为市、县区
    财政事权…": asked with no level, the joint verdict is the answer; the cases the plan excepts from it
    (each with its condition) are shown under it, as its details, not as verdicts of their own."""
    # (a joint verdict under a condition of its own, "属于市县级机构的", is one case among the others)
    joint = [o for o in outcomes if o["level"] is None and "共同" in (o["payer"] or "") and not o.get("condition")]
    rest = [o for o in outcomes if o not in joint]
    if len(joint) == 1 and rest and all(o.get("condition") and o["level"] for o in rest):
        return joint, rest
    return outcomes, []


def _written_version(found: list[Verdict], text: str) -> list[Verdict]:
    """"绍兴市科技馆…" of "市科技馆的运行维护" (市) and "区、县（市）科技馆…" (县): where the plan lists
    levels' versions of one work as separate matters, the version whose written words, level
    prefix included, the question repeats is the one asked about."""
    if len(found) < 2 or not all(o.get("scope") for v in found for o in v.outcomes):
        return found

    def repeated(v: Verdict) -> int:
        best = 0
        for w in v.matter.get("written") or []:
            n = 3
            while n <= len(w) and w[:n] in text:
                n += 1
            best = max(best, n - 1 if n > 3 else 0)
        return best

    scores = [repeated(v) for v in found]
    if max(scores) == 0 or scores.count(max(scores)) == len(scores):
        return found
    return [v for v, n in zip(found, scores) if n == max(scores)]


def _level_version(d: DocAnalysis, match: MatterMatch, scope: list[LevelMention], units: list[str]) -> MatterMatch | None:
    """Another matter of the plan with every word the match covered and an outcome at a level
    the question names. A follow-up's match covers nothing ("那市县自己编预案呢" after 全省性总体应急预案编制):
    the words it says, else the last matter's head words."""
    wanted = {m.level for m in scope}
    words = match.covered or units or match.entry.heads[-1:]
    for entry in d.index.matters:
        if entry is match.entry or not words or load_lexicon().grammar["rest_of_list"].match(entry.matter["name"]):
            continue   # (the rest of a list is never a version of one of its items)
        if all(w in entry.name_vocab or any(w in v for v in entry.name_vocab) for w in words) \
                and any(o["level"] in wanted for o in entry.matter["outcomes"]):
            return MatterMatch(entry, list(words), match.coverage, match.head, match.score)
    return None


def _in_tier(outcomes: list[dict], d: DocAnalysis, text: str) -> list[dict]:
    """"重庆基本公卫中央分担多少": of a cost split by tiers of places, the tier that lists the place the question
    names (as said, or the list's short name for it: 重庆 of 重庆市); every tier when none lists it.
    "成都这边…", "我们是扩权县…", "我们州…": of a part paid by groups of places, the case whose places the question
    says (成都 of 成都市), else the one case whose places hold a level word the question says (州 of 市（州）)."""
    said = [m.surface for m in d.levels if m.level is None and not m.foreign]
    tiers = [o for o in outcomes if o.get("places") and any(p and (s.startswith(p) or p.startswith(s))
                                                              for p in o["places"] for s in said)]
    # ("医疗救助 第一档的县…": the tier said by its number)
    numbered = [o for o in outcomes for n in re.findall(r"第[一二三四五六七八九十]+档", text)
                if (o.get("condition") or "").startswith(n)]
    if numbered:
        return numbered
    if tiers or not any(o.get("places") for o in outcomes):
        return tiers or outcomes
    # (said whole, or by its short name: 成都 of 成都市)
    named = [o for o in outcomes if any(p in text or (len(place_stem(p) or "") >= 2 and place_stem(p) in text)
                                        for p in o.get("places") or [])]
    if named:
        return named
    # (a level word that is a place piece by itself, 州 of "市（州）", though no level of the plan: "我们州"; not a
    # word inside a kind of place, 县 of 扩权县)
    mine = re.compile(rf"(?:{load_lexicon().grammar['first_person'].pattern})们?(?P<w>{_LEVEL_CHARS})")
    words = {text[s:e] for s, e, _ in find_levels(text)} | {m.group("w") for m in mine.finditer(text)}
    alike = lambda p: {re.sub(r"（[^）]*）", "", p), *re.findall(r"（([^）]*)）", p)}  # noqa: E731
    by_level = [o for o in outcomes if any(w in alike(p) for w in words for p in o.get("places") or [])]
    # (and no other case's places are of that level too: "国家乡村振兴重点帮扶县" beside "其他县（市）" may be the county's)
    others = [p for o in outcomes if o not in by_level for p in o.get("places") or []]
    if len(by_level) == 1 and not any(w in p for w in words for p in others):
        return by_level
    return outcomes


# One-character level names (levels.yaml), as said of the asker's own place ("我们州")
_LEVEL_CHARS = "[" + "".join(sorted({lv["name"] for lv in level_vocabulary()["levels"] if len(lv["name"]) == 1})) + "]"


def _share_part(match: MatterMatch, index: DocIndex, levels: list[LevelMention]) -> MatterMatch:
    """"生均公用经费 省里该出的那20%谁出": the part of the matter's cost one level bears, where the plan lists it
    ("生均公用经费（应由我省承担部分）", compile.yaml share_part), is what is asked about — when the level said of the
    part is the part's own or takes it in (地方 of 我省; not "中央那块")."""
    part = index.shares.get(match.entry.matter["name"])
    # (the level as the user says it, not as the plan places it: 地方 of "中央与我省…" is the province's side)
    said = {lv for m in levels if m.names_share for lv in levels_in(m.surface)}
    owners = set(levels_in(part.matter["name"].rsplit("（", 1)[-1])) if part else set()
    fits = not said or not owners or any(s == o or levels_covered(s, [o]) or levels_covered(o, [s])
                                         for s in said for o in owners)
    return MatterMatch(part, match.covered, match.coverage, match.head, match.score) if part and fits else match


def _same_words_more_said(d: DocAnalysis) -> bool:
    """Do two or more matters (with different verdicts) match by the same words, while the question says
    more that none of them explains?"""
    # (at the level the question names, if it names one: "市里跟…交流" is 市's under each)
    named = {m.level for m in d.levels if m.level and not m.claim}
    # (and of the matters, those that have that level's version: "省级…与国外…交流合作" is not 市县层面's)
    matches = [m for m in d.matches if any(o["level"] in named for o in m.entry.matter["outcomes"])] or d.matches
    verdicts = {frozenset(o["payer"] for o in ([o for o in m.entry.matter["outcomes"] if o["level"] in named]
                                             or m.entry.matter["outcomes"])) for m in matches}
    return len(matches) >= 2 and len(verdicts) >= 2 and len({frozenset(m.covered) for m in d.matches}) == 1 \
        and bool(d.matches[0].covered) and bool(d.unexplained) \
        and not any(m.entry.matter.get("part_of") for m in d.matches)


@lru_cache(maxsize=4096)
def _heading_name(category: str) -> str:
    """What a section's heading names ("（一）义务教育方面。" → 义务教育: compile.yaml category_headings)."""
    kinds = re.compile("|".join(compile_vocabulary()["category_headings"]))
    return kinds.sub("", heading_title(fold_document(category)).strip().rstrip("。"))


def _wholes(matches: list[MatterMatch]) -> set:
    """Names of matched matters that are a whole beside a matched part of it: the enumeration a part belongs
    to, or a matter its section's heading names ("一、义务教育") beside that field's other matters."""
    wholes = {m.entry.matter.get("part_of") for m in matches}
    headed = {m.entry.matter["name"] for m in matches if _heading_name(m.entry.matter.get("category") or "") == m.entry.matter["name"]}
    if len(headed) < len({m.entry.matter["name"] for m in matches}):
        wholes |= headed
    return wholes


def _one_phrase(d: DocAnalysis, text: str) -> bool:
    """Do two or more matters match by disjoint words that the question says one right after the other
    (grammar.yaml one_phrase_gap: nothing but 的 between them, no 和/、/space, no 又要…)?"""
    # (not a whole beside its part, "义务教育学校运转": the part is asked about)
    wholes = _wholes(d.matches)
    covered = [set(m.covered) for m in d.matches if m.entry.matter["name"] not in wholes
               and not set(m.entry.matter.get("written") or []) & wholes]
    if len(covered) < 2 or not all(covered) or any(a & b for i, a in enumerate(covered) for b in covered[i + 1:]):
        return False
    spans = sorted((text.find(w), text.find(w) + len(w), i) for i, ws in enumerate(covered) for w in ws if w in text)
    gap = load_lexicon().grammar["one_phrase_gap"]
    return all(gap.fullmatch(text[e:s]) for (_, e, i), (s, _, j) in zip(spans, spans[1:]) if i != j) \
        and len({i for *_, i in spans}) >= 2


_RANK = {lv["name"]: lv["rank"] for lv in level_vocabulary()["levels"] if "rank" in lv}   # 0 中央 … 4 乡镇


def _levels_of(payer: str, levels: list[str]) -> set[str]:
    """The plan's levels a payer names ("市与县（市、区）共同" → 市, 县（市、区）): its pieces between 与/和/、
    outside brackets (so the 市 inside "县（市、区）" is not the city)."""
    if names_every_level(payer):
        return set(levels)   # "由各级财政…承担": every level of the plan
    pieces = re.split(r"[与和、](?![^（(]*[）)])", re.sub(r"共同$", "", payer))
    # (a wider level takes in the plan's: 地方 of "中央与地方共同" in a 省/市县 plan is 省 and 市县)
    # (never a level above it: 县（市、区） takes in county-level cities, not the plan's own 市; levels.yaml rank)
    named = {p for p in pieces if p in levels} | {lv for p in pieces for lv in levels_covered(p, levels)
                                                  if not _RANK.get(lv, 9) < _RANK.get(p, 0)}
    return named or {lv for lv in levels if lv in payer}


def _yes_no(a: Analysis, outcomes: list[dict], all_outcomes: list[dict], claims: list[LevelMention],
            scoped: bool, levels: list[str], name: str = "") -> str | None:
    if a.ratio:   # "中央地方五五开吗": only a split in numbers says, level by level in the order named
        splits = _splits(all_outcomes)
        if not splits:
            # ("质押融资是市县共同出钱 各出一半 是不是" of work each level pays for its own version of: no cost is split)
            own = all(o["level"] and _levels_of(o["payer"], levels) == {o["level"]} for o in all_outcomes)
            return "no" if own and all_outcomes else None
        order = [m.level or m.foreign for m in claims if m.level or m.foreign]
        return "yes" if any(_same_split(s, a.ratio, order) for s in splits) else "no"
    if a.joint_claim == "separate":   # "同级财政承担": each level's version paid by that level
        own = [o for o in all_outcomes if o["level"]]
        if any(_levels_of(o["payer"], levels) != {o["level"]} for o in own):
            return "no"
        # (a joint verdict "具体为" each level's own part: the plan says both, so no 是/不是)
        return "yes" if own and len(own) == len(all_outcomes) else None
    if a.joint_claim == "payment":   # "凑钱一起出": the levels bear the cost together, not each its part
        # (of one level's part, "县区职能部门自己承担的部分 也是市县共同出钱吗", that part's own payer says)
        return "yes" if any("共同" in (o["payer"] or "") for o in (outcomes if scoped else all_outcomes)) else "no"
    if a.joint_claim:
        if all(not o["authority"] for o in all_outcomes):
            return None   # the plan states who pays, not whose 事权 it is: no 是/不是 on the 事权
        return "yes" if any("共同" in (o.get("headline") or o["authority"]) for o in all_outcomes) else "no"
    if a.principle_claim and not (name and a.principle_claim[:2] in name):   # (not 属地 of "安全属地职责")
        principles = {o["principle"] for o in all_outcomes if o["principle"]}
        return "yes" if a.principle_claim in principles else "no"
    if not claims:
        return None
    claimed = {m.level for m in claims if m.level and not m.negated}
    refused = {m.level for m in claims if m.level and m.negated}   # "县区一分钱不用出吧"
    shared = [m for m in claims if m.share is not None and (m.level or m.foreign)]
    if shared:   # "是不是中央出一半": a split in numbers says; a verdict with one payer says 不是 (none or all)
        splits = _splits(outcomes, in_words=True)
        if not splits:
            single = all(o["payer"] and "共同" not in o["payer"] for o in outcomes)
            return "no" if outcomes and single else None
        return "yes" if any(all(abs(s.get(m.level or m.foreign, 0) - m.share) < 0.01 for m in shared)
                            for s in splits) else "no"
    if any(m.majority for m in claims):   # "是中央出大头吗": a split in numbers says, or who pays at all
        named = claimed | {m.foreign for m in claims if m.foreign}   # a split may name a level above the plan's
        splits = _splits(outcomes)
        paying = {lv for o in outcomes for lv in _levels_of(o["payer"], levels)}
        if not splits and paying and all(o["level"] is not None for o in outcomes):
            # one level alone pays: the larger part is all of it, or none of it (a joint share says nothing)
            return "yes" if paying <= named else "no" if not paying & named else None
        if not splits:
            return None
        return "yes" if all(sum(v for lv, v in s.items() if lv in named) > 0.5 for s in splits) else "no"
    if any(m.foreign for m in claims) and not claimed and not refused:
        return "no"
    payers = {o["payer"] for o in outcomes}
    paying = {lv for p in payers for lv in _levels_of(p, levels)}
    helping = _helping(outcomes, levels)
    if refused:   # "市里出钱，县区不用出": no refused level pays (nor helps), and the rest of the claim holds
        if paying & refused or helping & refused:
            return "no"
        if not claimed:
            return "yes"
    if any(m.holder for m in claims) and not any(m.exclusive for m in claims):
        # "质押融资算市级财政事权吗": the whole matter is that level's, or (split by level, shared) it is not
        return "yes" if payers <= claimed else "no"
    if any(m.exclusive for m in claims):   # "是不是市里全包": no other level pays, nothing is shared
        if any(isinstance(o.get("shares"), str) and re.search(compile_vocabulary()["part_of_cost"], o["shares"])
               for o in outcomes):
            return "no"   # "地方负担部分…由同级财政统筹安排": the level bears its part of a shared cost
        carve_out = load_lexicon().grammar["carve_out"]
        if payers <= claimed and not scoped and not carve_out.search(a.text) \
                and any(carve_out.search(o.get("condition") or "") for o in outcomes):
            # "是不是所有行政裁决都归市里": not those the plan's condition leaves out (a doer named, or the
            # condition said, "未列入中央、自治区事权的行政裁决只由市里出钱？": 是)
            return None
        return "yes" if payers <= claimed else "no"
    if payers <= claimed:
        return "yes"
    if not (paying & claimed):
        # "…区县统筹，市里会不会给补助": the claimed level is one the verdict says helps (its own words)
        return "yes" if _aiding(a, outcomes, claims, levels) else "no"
    # "省里也要承担吗" of work the levels pay for together: the claimed level is one of them.
    if all(o["level"] is None for o in outcomes) and claimed <= paying:
        return "yes"
    return "yes" if scoped else "depends"


def _words_of(v: Verdict, x: DocAnalysis) -> list[str]:
    """The question words the verdict's matter was matched by."""
    return [u for m in x.matches if m.entry.matter["id"] == v.matter["id"] for u in m.covered]


def _right_after(text: str, word: str, field: str | None) -> tuple[str, ...]:
    """The text after a word, and past the plan's own field word ("自治区知识产权快速维权中心" → 快速维权中心…)."""
    rest = text[text.find(word) + len(word):]
    return (rest, rest[len(field):]) if field and rest.startswith(field) else (rest,)


def _without_carve_out(name: str) -> str:
    """A matter's name without what its carve-out leaves out ("未列入中央、自治区财政事权的" of …行政裁决)."""
    return load_lexicon().grammar["carve_out_span"].sub("", name)


def _helping(outcomes: list[dict], levels: list[str]) -> set[str]:
    """Levels the verdict's own words say help the payer ("…，省财政通过转移支付统筹给予支持")."""
    return {lv for o in outcomes if isinstance(o.get("shares"), str) and re.search(compile_vocabulary()["helps"], o["shares"])
            for lv in levels if re.search(re.escape(lv) + r"(级)?(财政)?", o["shares"])}


def _aiding(a: Analysis, outcomes: list[dict], claims: list[LevelMention], levels: list[str]) -> list[str]:
    """The levels an aid question asks about ("土壤污染防治，中央财政给不给钱") that the verdict's own words say
    help and that do not pay themselves: the answer is 是, and it is theirs, not the payer's."""
    claimed = {m.level for m in claims if m.level and not m.negated}
    paying = {lv for o in outcomes for lv in _levels_of(o["payer"], levels)}
    if not claimed or paying & claimed or not load_lexicon().grammar["aid_claim"].search(a.text):
        return []
    return [lv for lv in levels if lv in claimed & _helping(outcomes, levels)]


def _splits(outcomes: list[dict], in_words: bool = False) -> list[dict]:
    """The splits in numbers ({level: share}) the outcomes state. `in_words`: also a split the plan words
    between parties other than the 事权's levels ("由中央与我省按50:50比例分担" → 中央 0.5, 省 0.5)."""
    out = [o["shares"] for o in outcomes if isinstance(o.get("shares"), dict)]
    for o in outcomes if in_words else []:
        words = o.get("shares") if isinstance(o.get("shares"), str) else ""
        m = _RATIO_IN_WORDS.search(words)
        if m:
            nums = [int(x) for x in m.groups() if x]
            names = sorted({w for lv in load_lexicon().levels for w in lv["names"]}, key=len, reverse=True)
            parties = [x.group(0) for x in re.finditer("|".join(map(re.escape, names)), words[:m.start()])]
            if len(parties) == len(nums) == len(set(parties)):
                out.append({p: n / sum(nums) for p, n in zip(parties, nums)})
    return out


_RATIO_IN_WORDS = re.compile(r"(\d+)\s*[:：]\s*(\d+)(?:\s*[:：]\s*(\d+))?")


def _same_split(shares: dict, ratio: tuple[float, ...], order: list[str]) -> bool:
    if len(shares) != len(ratio):
        return False
    if len(order) == len(ratio) and all(lv in shares for lv in order):
        return all(abs(shares[lv] - r) < 0.01 for lv, r in zip(order, ratio))
    return all(abs(x - y) < 0.01 for x, y in zip(sorted(shares.values()), sorted(ratio)))


def _context_for(verdicts: list[Verdict], scope: list[LevelMention], intent: str) -> dict:
    return {
        "doc_id": verdicts[0].index.doc_id if verdicts else None,
        "matters": [v.matter["id"] for v in verdicts],
        "levels": [[m.level, m.surface] for m in scope if m.level],
        "intent": intent,
    }


def _part_for_level(v: Verdict, index: DocIndex) -> Verdict:
    """A joint matter asked about at one level answers with the parts that level bears, if the plan
    names them ("乡镇承担业务用房建设、维修和日常运转等支出责任")."""
    if v.only_levels is None or not v.scope:
        return v
    levels = {m.level for m in v.scope}
    written = set(v.matter.get("written") or [])
    parts = [e.matter for e in index.matters if e.matter.get("part_of") in written]
    outcomes = [o for p in parts for o in p["outcomes"] if o["level"] in levels]
    if not outcomes:
        return v
    names = "、".join(p["name"] for p in parts if any(o["level"] in levels for o in p["outcomes"]))
    return Verdict(index, {**v.matter, "name": f"{v.matter['name']}（{names}）"}, outcomes, v.scope)


def _prefer_context(d: DocAnalysis, context: dict) -> None:
    """"那征地拆迁呢？" after 高速公路项目资本金: of several matches, keep those beside the last turn's whose
    own names say the words (never 行政调解 for "那县区做行政裁决呢", whose sentence only lists 行政裁决)."""
    before = {o["anchor"] for e in d.index.every_matter if e.matter["id"] in context["matters"]
              for o in e.matter["outcomes"]}
    words = {u for m in d.matches for u in m.covered}
    near = [e for e in d.index.matters if e.matter["id"] not in context["matters"]
            and any(o["anchor"] in before for o in e.matter["outcomes"])
            and words and all(u in e.name_vocab or any(u in v for v in e.name_vocab) for u in words)]
    # ("那县(市)区自己组织的免费开放呢" after 纪念馆免费开放: a match with an outcome at the level the follow-up
    # names beats neighbours that have none)
    named = {m.level for m in d.levels if m.level and not m.claim}
    at_level = lambda e: any(o["level"] in named or o.get("scope") in named for o in e.matter["outcomes"])  # noqa: E731
    if near and named and any(at_level(m.entry) for m in d.matches) and not any(at_level(e) for e in near):
        return
    if near:
        d.matches = [MatterMatch(e, sorted(words), 1.0, True, 0.0) for e in near]


def _route(a: Analysis, context: dict) -> list[DocAnalysis]:
    """The documents a question is about: those it names (文号, place), else every loaded one."""
    named = [d for d in a.docs if d.named == 2]
    # "张掖县区…": the place's own plan, not the province's that takes 张掖 in as one of its 市县
    # (unless the question names a level only the wider plan has: "省里给张掖…")
    own = [d for d in named if d.own_place]
    if own and not any(d.own_level for d in named if not d.own_place):
        named = own
    # "四川知识产权实施方案…" with 四川's 科技 and 知识产权 plans loaded: the one whose field is said too
    fielded = [d for d in named if d.index.meta("field") and d.index.meta("field") in a.text]
    if named:
        return fielded or named
    if context.get("doc_id") and (a.follow_up or not any(d.matches for d in a.docs)):
        same = [d for d in a.docs if d.index.doc_id == context["doc_id"]]
        if same:
            return same
    return list(a.docs)


def _primary(docs: list[DocAnalysis], default_doc: str | None) -> DocAnalysis | None:
    """The one document a document-level question goes to: the only or the weakly named
    candidate (its field or its own level words), else the default document."""
    if not docs:
        return None
    if len(docs) == 1:
        return docs[0]
    weak = [d for d in docs if d.named == 1]
    if len(weak) == 1:
        return weak[0]
    return next((d for d in docs if d.index.doc_id == default_doc), docs[0])


def _sibling(d: DocAnalysis, a: Analysis, previous: list) -> "MatterEntry | None":
    """The matter a follow-up turns to by naming the other end of the last one's name: of the matters
    whose name holds the follow-up's words as said (at least 3 characters), the one sharing the longest
    beginning with a previous matter's name, if only one does."""
    said = re.sub(r"^(那|那么|还有|换成|改成)|(的)?(呢|吗)?[？?]*$", "", a.plain or a.text)
    if len(said) < 3 or not previous:
        return None
    names = [p.matter["name"] for p in previous]

    def shared(e) -> int:
        return max(len(os.path.commonprefix([e.matter["name"], n])) for n in names)
    near = [e for e in d.index.matters if said in e.matter["name"] and e not in previous and shared(e) >= 2]
    best = max(map(shared, near), default=0)
    top = [e for e in near if shared(e) == best]
    return top[0] if len(top) == 1 else None


def _inherit(d: DocAnalysis, a: Analysis, context: dict) -> str | None:
    """Give an elliptical follow-up ("那县区的呢？") the previous turn's matters; returns its intent
    ("" when the last turn had none). A request for the text ("第几部分写的") is about the last
    answer even where it reads like a question about the plan."""
    # ("是按属地还是隶属" names a principle, not a list to give: without a list word it asks about the last matter)
    if d.matches or not context.get("matters") or context.get("doc_id") != d.index.doc_id \
            or (a.fact and "quote" not in a.intents) or (d.list_filter is not None and "list" in a.intents):
        return None
    inherited = [e for e in d.index.every_matter if e.matter["id"] in context["matters"]]
    sibling = _sibling(d, a, inherited) if a.follow_up else None
    if sibling is not None:   # "那队伍建设呢" after 国家综合性消防救援队伍管理: 国家综合性消防救援队伍建设
        inherited = [sibling]
    leftover = [u for u in d.unexplained if not any(u in e.vocab or any(u in v for v in e.vocab)
                                                     for e in inherited)]
    elliptical = a.follow_up or d.levels or not a.units or len(a.text) <= 12
    # ("出自哪一条 我要写进请示里": a request for the text of the last answer, whatever else it tells)
    quoting = "quote" in a.intents and not d.significant
    if inherited and elliptical and (not leftover or quoting) and not a.out_of_scope_hint:
        d.matches = [MatterMatch(e, [], 1.0, True, 0.0) for e in inherited]
        d.unexplained, d.significant, d.weights = [], [], {}
        d.list_filter = None
        return context.get("intent") or ""
    return None


def resolve(a: Analysis, context: dict | None = None, default_doc: str | None = None) -> Resolution:
    """Pure: the analysis and the context are left as they were (the steps below that narrow a
    plan's matches or carry a follow-up's levels work on copies), so the same inputs give the same
    resolution every time."""
    a = replace(a, docs=[replace(d) for d in a.docs])
    res = _resolve(a, dict(context or {}), default_doc)
    res.injection = a.injection   # (whatever the answer: the question carried an instruction, said once)
    res.corrections = list(a.corrections)
    if res.options:
        res.context = {**res.context, "options": [o["question"] for o in res.options]}
        if res.status != "answered" and res.kind != "which_plan":
            # The phrasing the options answer: a tap on one of them pairs the two (a candidate teaching).
            res.context["asked"] = a.question
    return res


def matter_option(name: str) -> dict:
    """A listed matter offered to tap: its name, and the question it sends (or that its number picks),
    worded as templates.yaml's example question."""
    return {"label": name, "question": load_lexicon().templates["examples"]["payer"].format(matter=name)}


def _plan_option(d: DocAnalysis, a: Analysis) -> dict:
    """Another plan that answers the same question (see _meta_option)."""
    ix = d.index
    return _meta_option({"title": ix.doc.title, "place": ix.meta("place"), "doc_number": ix.meta("doc_number")}, a)


def _meta_option(meta: dict, a: Analysis) -> dict:
    """A loaded plan, by its catalog entry, as an option: asking again with the plan's place (or, for a
    plan of no place, its title) in front routes the question there."""
    stem = place_stem(meta.get("place"))
    name = stem if stem else f"按《{meta['title']}》，"
    return {"label": f"《{meta['title']}》", "question": f"{name}{a.plain or a.text}"}


def _distinct(options: list[dict], doc_ids: list[str], a: Analysis) -> list[dict]:
    """Options to tap (one per plan, `doc_ids` in the same order), each routing to its own plan: two pages of one
    plan (the same title) are told apart by their document ids, and asked again by the id ("按文档n01，…")."""
    labels = [o["label"] for o in options]
    asked = re.sub(r"^(按《[^》]+》，)+", "", PAGE_PICKED.sub("", a.plain or a.text))   # (asked once more: one prefix)
    out = []
    for o, doc_id in zip(options, doc_ids):
        if labels.count(o["label"]) > 1:
            o = {"label": f"{o['label']}（文档{doc_id}）", "question": f"按文档{doc_id}，{asked}"}
        out.append(o)
    return out


def _resolve(a: Analysis, context: dict, default_doc: str | None) -> Resolution:
    # "科技馆周一开门吗？": about the service, not who funds it — even when it names a matter.
    if a.off_topic and not {"payer", "authority", "principle"} & a.intents:
        d0 = a.docs[0] if a.docs else None
        return Resolution("out_of_scope", "out_of_scope", index=d0.index if d0 else None)
    intent = _intent(a)
    docs = _route(a, context)
    for d in docs:
        inherited_intent = _inherit(d, a, context)
        if inherited_intent and not a.intents:
            intent = inherited_intent
        # A follow-up naming a new matter but no level keeps the previous level; one that only
        # offers a payer ("那县里要不要掏一部分", "是不是市里也要补一部分" after 区里办的…) keeps it
        # as the work's level too.
        if d.matches and (a.follow_up or inherited_intent is not None) and context.get("levels") \
                and context.get("doc_id") == d.index.doc_id and all(m.claim for m in d.levels):
            d.levels = [LevelMention(level, surface, False) for level, surface in context["levels"]] + d.levels

    # A place no loaded plan covers ("南宁市的专利导航…"): say what is loaded, never another area's verdict.
    elsewhere = next((m.surface for x in docs for m in x.levels if m.elsewhere), None)
    in_field_question = bool({"payer", "authority", "principle"} & a.intents) or a.domain or a.yes_no \
        or any(x.matches for x in docs)
    # ("江苏基本公卫…" with 钦州's plan and a central plan loaded: the plans whose area holds the place answer)
    inside = [x for x in docs if not any(m.elsewhere for m in x.levels)]
    if elsewhere and inside and any(x.matches for x in inside):
        docs = inside
    if (a.other_place or (elsewhere and docs is not inside)) \
            and in_field_question and not any(x.named == 2 for x in docs):
        d0 = _primary(docs, default_doc)
        return Resolution("not_listed", "not_loaded", index=d0.index if d0 else None,
                          topic=a.other_place or elsewhere, context=dict(context))
    # Another place's plan answers a question that does not name it only on a strong match.
    # A question that asks nothing about paying or 事权 ("…几点开门？") needs a strong match too.
    # (a level offered as the payer, "市里出还是区里出", asks who pays as plainly as 谁出钱 does)
    # ("那省级信息系统软硬件呢" after …谁出: a follow-up that asks nothing of its own asks what the last turn did)
    carried = a.follow_up and not a.intents and context.get("intent") in ("payer", "authority", "principle")
    if carried:
        intent = context["intent"]
    asks = bool({"payer", "authority", "principle"} & a.intents) or a.yes_no or carried \
        or any(m.claim and m.level for x in docs for m in x.levels)
    explaining = [d for d in docs if d.matches and _explains(d)
                  and ((asks and (d.named or d.index.doc_id == default_doc or len(a.docs) == 1))
                       or max(m.coverage for m in d.matches) >= 0.5)]
    # A field or level words only one plan has point at it, when that plan can answer.
    # A plan named by its field or its own level words ("知识产权…", "乡镇") answers alone: when it
    # cannot, the answer is its "not listed", never another field's look-alike.
    if any(x.named == 1 for x in docs):
        explaining = [x for x in explaining if x.named == 1]
    if context.get("matters") and a.follow_up:
        for x in explaining:
            _prefer_context(x, context)
    d = _primary(docs, default_doc)
    empty_context = {"doc_id": d.index.doc_id if d else None, "matters": [], "levels": [], "intent": intent}

    # A field that no loaded plan covers, or that the named plan is not about: say what is loaded.
    if a.other_field or (a.fields_named and docs and all(x.named == 2 for x in docs)
                         and not any(x.index.meta("field") in a.fields_named for x in docs)):
        return Resolution("not_listed", "not_loaded", index=d.index if d else None,
                          topic=(a.other_field or a.fields_named[0]) + "领域",
                          context=dict(context))

    # "抚顺区里应急物资储备谁出钱" with 抚顺's 公共文化 plan named: work of another field only (its words
    # in vocabulary.yaml domain), which the named plans are not about — out of their scope, not "not listed".
    if not explaining and docs and all(x.named == 2 for x in docs) and not a.fact and not a.follow_up:
        lex = load_lexicon()
        own_words = set(lex.domain_words({x.index.meta("field") for x in docs if x.index.meta("field")}))
        # (a word of three characters or more, or two words: "运营" alone is any field's word)
        foreign = {w for ws in lex.domain.values() for w in ws if len(w) >= 2 and w in a.text}
        if own_words and not any(w in a.text for w in own_words) \
                and (len(foreign) >= 2 or any(len(w) >= 3 for w in foreign)):
            return _other_field(a, d, asks, intent)

    primary_explains = d is not None and d in explaining
    if d is not None and a.fact and not primary_explains and not (explaining and d.list_filter is None
                                                                  and _strong(explaining)):
        return Resolution("answered", "fact", index=d.index, fact=a.fact, intent=intent,
                          yes_no=a.yes_no, question=a.text, context=empty_context)

    if d is not None and d.list_filter is not None and (not primary_explains or "list" in a.intents):
        res = Resolution("answered", "list", index=d.index, list_filter=d.list_filter, intent=intent,
                         context=empty_context)
        res.verdicts = _list_verdicts(d, d.list_filter)
        if not res.verdicts:
            res.status = res.kind = "not_listed"
            res.topic = a.plain or a.text
        return res

    also: list[dict] = []
    # One other place's plan lists it, while plans of the same field from other places are loaded
    # too and the question names none: which place's rule the user lives under is not known, so ask
    # (a Dingxi clerk must not get Baiyin's verdict); the default plan still answers for itself.
    # (Not in a conversation about that plan, nor when the question says a level only that plan has.)
    if len(explaining) == 1 and explaining[0].named < 2 and explaining[0].index.doc_id != default_doc \
            and explaining[0].index.doc_id != context.get("doc_id") and not explaining[0].own_level:
        field = explaining[0].index.meta("field")
        # A peer divides between every tier of government the question names ("国家…" is no question for a
        # 市/县区 plan, nor "省级…" for 庆阳's 市/县区 plan, whose rules only mention 省 in a joint rule).
        tiers = load_lexicon().level_tier
        named = {tiers.get(m.level, m.level) for m in explaining[0].levels if m.level and not m.guessed}
        # (nor one whose area the question's place lies outside: "江苏的…" is not 黔东南州's)
        away = {x.index.doc_id for x in a.docs if any(m.elsewhere for m in x.levels)}
        peers = [m for m in a.plans if field and m.get("field") == field and m["doc_id"] != explaining[0].index.doc_id
                 and named <= {tiers.get(lv, lv) for lv in m.get("division") or m.get("levels", ())}
                 and m["doc_id"] not in away]
        if peers:
            return Resolution("clarify", "which_plan", index=explaining[0].index,
                              options=_distinct([_plan_option(explaining[0], a)] + [_meta_option(m, a) for m in peers[:5]],
                                                [explaining[0].index.doc_id] + [m["doc_id"] for m in peers[:5]], a),
                              context=dict(context))
    # "港澳台招商推介会谁出": a weak match (under 0.45 of the question's weight) with words left over, in a
    # question that says no word of the plan's field (in the user's own words either), names something else
    # that shares a word with one item: ask, with the item as an option, rather than answer. (Not "12315消费
    # 维权中心…": 维权 is a field word, so that look-alike is still answered.)
    weak = explaining and len(explaining) == 1 and not a.follow_up and not a.yes_no and not a.domain \
        and explaining[0].unexplained and max(m.coverage for m in explaining[0].matches) < 0.45 \
        and not any(w in (a.plain or a.text) for w in load_lexicon().domain_words([explaining[0].index.meta("field") or ""]))
    # "北斗导航应用推广", "网络安全宣传周活动": words of several matters run together in one phrase, with nothing but
    # 的 between them, name one thing that is none of them: ask, with the matters as options.
    # "安全生产执法检查经费": several matters named by the very same words, with words left over that none of
    # them explains, may be any of them or none: ask.
    if weak or (len(explaining) == 1 and not a.follow_up
                and (_one_phrase(explaining[0], a.text) or _same_words_more_said(explaining[0]))):
        x = explaining[0]
        return Resolution("clarify", "near", index=x.index, topic=_topic(a, a.units),
                          options=[matter_option(m.entry.matter["name"]) for m in x.matches][:5],
                          context=dict(context))
    one_plan = False
    if len(explaining) > 1:
        # "全省性知识产权战略规划…" with a province's and a city's plan loaded: the plans that have the level
        # said answer, not one to which it is a level it lacks
        having = [x for x in explaining if not any(m.level is None and m.foreign and not m.elsewhere
                                                   and not m.guessed for m in x.levels)]
        explaining = having or explaining
        # ("省里囤的…省级应急物资储备" with a 中央/地方 plan and a 省/市县 plan loaded: the plan whose own level
        # it is answers, not the one that only takes 省 into its 地方)
        own_levels = [x for x in explaining if not any(m.taken_in for m in x.levels)]
        explaining = own_levels or explaining
        # ("国家应急物资储备" with a plan that lists only 省级应急物资储备 loaded beside the one that lists it: the
        # plans whose matter the named doer has answer)
        def fits(x: DocAnalysis) -> bool:
            scope = [m for m in _scope(x, a)[0] if not m.claim]
            return not scope or any(_select(m.entry.matter, scope)[1] is None for m in x.matches)
        explaining = [x for x in explaining if fits(x)] or explaining
        # Two pages of one plan (two news reports of it, both loaded): one plan, not a question which; each
        # page answers with what it says
        # (only where the pages agree on who pays: pages that differ, one cut or misread, are asked about)
        one_plan = len({x.index.doc.title for x in explaining}) == 1 and len(
            {frozenset(o["payer"] for m in x.matches for o in m.entry.matter["outcomes"]) for x in explaining}) == 1
    if explaining:
        # Several plans answer and the question names none by place or 文号: the default plan answers
        # and says the others exist (options to ask them); without it, ask which plan is meant.
        if len(explaining) > 1 and not any(x.named == 2 for x in explaining) and not one_plan:
            own = [x for x in explaining if x.index.doc_id == default_doc]
            rest = [x for x in explaining if x.index.doc_id != default_doc]
            others = _distinct([_plan_option(x, a) for x in rest], [x.index.doc_id for x in rest], a)
            if not own:
                return Resolution("clarify", "which_plan", index=explaining[0].index, options=others,
                                  context=dict(context))
            explaining, also = own, others
        verdicts = []
        scope: list[LevelMention] = []
        for x in explaining:
            scope, claims = _scope(x, a)
            found = []
            # "义务教育学校运转…": a part asked about answers, not the whole it is a part of (nor a matter
            # its section's heading names, "一、义务教育", beside one of that field's other matters)
            parts_of = _wholes(x.matches)
            for match in x.matches:
                if match.entry.matter["name"] in parts_of:
                    continue
                scope_here = scope
                if a.cost_share:
                    # "成都…生均公用经费 省里该出的那20%": the part asked about, where the level said fits it
                    match = _share_part(match, x.index, x.levels)
                if names_share(match.entry.matter["name"]):
                    # a share of a cost: the level that names it does no work; its cases are told apart by the places
                    # said (_in_tier), not by a level scope
                    scope_here = [] if any(o.get("places") for o in match.entry.matter["outcomes"]) \
                        else [m for m in scope if not m.names_share]
                outcomes, only = _select(match.entry.matter, scope_here, a.joint_scope)
                if not outcomes or (only and not any(m.claim for m in scope_here)):
                    # Only another level's version matched best ("应急预案演练" of 县区); the named
                    # level's version may be listed under a longer name ("市级组织的全市应急预案演练").
                    version = _level_version(x, match, scope_here, a.units)
                    if version is None and not outcomes:
                        continue
                    if version is not None:
                        match = version
                        outcomes, only = _select(match.entry.matter, scope_here)
                if any(v.matter["id"] == match.entry.matter["id"] for v in found):
                    continue   # another match's level version already brought this matter
                outcomes = _in_tier(outcomes, x, a.text)
                outcomes, details = _exceptions(outcomes) if not scope_here else (outcomes, [])
                v = Verdict(x.index, match.entry.matter, outcomes, scope_here, only, details=details)
                if a.yes_no:
                    v.answer = _yes_no(a, outcomes, match.entry.matter["outcomes"], claims, bool(scope_here),
                                       x.index.levels, match.entry.matter["name"])
                    # (not "…谁出钱？州里给不给支持？": asked who pays too, the payer stays the finding)
                    if v.answer == "yes" and not load_lexicon().grammar["asks_who"].search(a.text):
                        v.aid = _aiding(a, outcomes, claims, x.index.levels)
                    # "市知识产权保护中心选址在高新区，那高新区要不要出建设钱": the named doer alone pays, so an
                    # area the plan places at no level does not
                    if v.answer is None and x.area_claimed and scope and not claims \
                            and all(o["level"] and o["payer"] == o["level"] for o in outcomes) \
                            and {o["level"] for o in outcomes} <= {m.level for m in scope}:
                        v.answer = "no"
                found.append(v)
            if not scope:
                found = _written_version(found, a.text)
            # "自治区建的…保护中心", "国家级的…": work a level above the plan's does (a level the plan lacks, said
            # as the doer) is not what the plan divides: not listed, with the plan's own levels' versions to tap.
            # ("自治区知识产权保护中心建设": the level right before the matter's own words owns it, too, and one whose
            # body it is, "自治区直属高校…")
            above = next((m for m in x.levels if m.foreign and m.level is None and not m.claim and not m.inside
                          and (m.phrase or re.search(re.escape(m.surface) + "(级?的|直属|所属|下属)", a.text)
                               or any(r.startswith(u) for r in _right_after(a.text, m.surface, x.index.meta("field"))
                                      for v in found for u in _words_of(v, x)))), None)
            # (not a level word the matter's own name says, "国家级和省级专业应急救援队伍建设": part of the name;
            # one its carve-out leaves out, "未列入中央、自治区财政事权的…行政裁决", is not)
            # (each matter found: "中国版权保护中心办的…登记" finds the body's 保护中心 beside the 登记 it does;
            # not one whose name starts with that level, "省级调拨和前置…的物资运输费用": the plan lists its work)
            if above and not any(m.level and not m.claim for m in x.levels) and found and not verdicts \
                    and not any(above.surface in _without_carve_out(w)
                                or any(w.startswith(o) for o in load_lexicon().own_level_words.get(above.foreign, ()))
                                for v in found for w in [v.matter["name"], *(v.matter.get("written") or [])]):
                name = found[0].matter["name"]
                return Resolution("not_listed", "other_level", index=x.index, topic=name, inside=above.surface,
                                  above=above.foreign,
                                  options=[matter_option(f"{x.index.label_of(lv)}的{v.matter['name']}")
                                           for v in found for lv in dict.fromkeys(o["level"] for o in v.matter["outcomes"]
                                                                                 if o["level"])][:5],
                                  context=_context_for(found, [], intent))
            # "园区的专利导航…": work split by level, done in an area the plan places at neither: ask which.
            # So too work done below the plan's lowest level ("镇上办的普法"): the plan does not say whose it is.
            below = next((m for m in scope if m.inside), None)
            if (x.unplaced_area and not any(m.level and not m.claim for m in x.levels) or below) \
                    and len(found) == 1 and not verdicts and len(explaining) == 1:
                levels = [o["level"] for o in found[0].matter["outcomes"]]
                if None not in levels and len(set(levels)) > 1:
                    name = found[0].matter["name"]
                    return Resolution("clarify", "which_level", index=x.index,
                                      topic=below.surface if below else x.unplaced_area,
                                      inside=below.inside if below else None,
                                      options=[matter_option(f"{x.index.label_of(lv)}的{name}")
                                               for lv in dict.fromkeys(levels)],
                                      # the matter stays the topic: "那市本级组织的呢" answers it for 市
                                      context=_context_for(found, [], intent))
            # "村卫生室标准化建设，县里承担哪部分？": a joint matter's part that the named level bears.
            parts = [_part_for_level(v, x.index) for v in found]
            for v, part in zip(found, parts):
                if part is not v and a.yes_no:   # judged by the part the level bears, not the whole
                    part.answer = _yes_no(a, part.outcomes, part.outcomes, claims, bool(scope), x.index.levels,
                                          v.matter["name"])
            found = parts
            # "省级监测站点": of look-alike matters, the ones the named level has answer.
            if any(v.only_levels is None for v in found) and scope:
                found = [v for v in found if v.only_levels is None]
            verdicts.extend(found)
        if not verdicts:   # only other levels' versions of the matter are listed
            return Resolution("not_listed", "not_listed", index=explaining[0].index, topic=_topic(a, a.units),
                              intent=intent, context=empty_context)
        # "私人公司自己搭的知识产权交易平台": a private party's own work (grammar.yaml private_doer), no level of
        # government doing it, is none of the plan's matters: not listed, with the matters to tap.
        if load_lexicon().grammar["private_doer"].search(a.text) \
                and not any(m.level and not m.claim for x in explaining for m in x.levels):
            return Resolution("not_listed", "not_listed", index=explaining[0].index, topic=_topic(a, a.units),
                              intent=intent, context=empty_context,
                              options=[matter_option(v.matter["name"]) for v in verdicts][:5])
        # "义务教育市县各出几成": a quantity the plan does not state is not listed; what it does say is shown.
        asks_amount = "amount" in a.intents and not any(_states_amount(o) for v in verdicts for o in v.outcomes)
        # ("灵山县自己牵头建的运营平台，市财政承担多少": a level asked how much of work it bears none of: the verdict says)
        asked = {m.level for x in explaining for m in x.levels if m.claim and m.level}
        plan_levels = explaining[0].index.levels
        if asks_amount and asked and not any(asked & _levels_of(o["payer"], plan_levels)
                                             for v in verdicts for o in v.outcomes):
            asks_amount = False
        res = Resolution("not_listed" if asks_amount else "answered", "no_amount" if asks_amount else "verdict",
                         verdicts, index=explaining[0].index, intent=intent, options=also,
                         topic="、".join(dict.fromkeys(v.matter["name"] for v in verdicts)) if asks_amount else "")
        res.context = _context_for(verdicts, scope, intent)
        answers = {v.answer for v in verdicts}
        if len(answers) == 1:
            res.lead = next(iter(answers))
        elif "no" in answers and any(m.exclusive for x in explaining for m in x.levels if m.claim):
            res.lead = "no"   # an exclusive claim over all of them fails when one matter's fails
        # A 是 must agree with the verdicts it leads: a level claimed as paying is one of their payers
        # (never "是。…由县区承担" to "只由市级承担吗"); where none is, the verdicts speak for themselves.
        claimed = {m.level for x in explaining for m in x.levels if m.claim and m.level and not m.negated}
        paying = {lv for v in verdicts for o in v.outcomes for lv in _levels_of(o["payer"], v.index.levels)}
        if res.lead == "yes" and claimed and not a.ratio and not a.joint_claim and not claimed & paying:
            res.lead = None
        # "作品登记跟著作权转让备案，划分方式是不是一样的", "那转让备案也一样吗" (after 许可备案): matters claimed to be
        # divided alike are, when each level's payer is the same for all of them (the last turn's matters too).
        if a.yes_no and not claimed and load_lexicon().grammar["same_claim"].search(a.text):
            before = [e.matter for x in explaining for e in x.index.every_matter
                      if e.matter["id"] in (context.get("matters") or []) and x.index.doc_id == context.get("doc_id")]
            compared = {v.matter["id"]: v.matter for v in verdicts} | {m["id"]: m for m in before}
            if len(compared) >= 2 or (before and len(verdicts) == 1):
                kinds = {frozenset((o["level"], o["payer"]) for o in m["outcomes"]) for m in compared.values()}
                res.lead = "yes" if len(kinds) == 1 else "no"
                if len(verdicts) == 1:
                    verdicts[0].answer = res.lead   # (one verdict leads with its own answer)
        return res


    # The help desk marked this phrasing as not in the plan: not listed, with no look-alike offered.
    marked = next((x for x in docs if x.taught_not_listed), None)
    if marked is not None:
        return Resolution("not_listed", "not_listed", index=marked.index, topic=_topic(a, marked.unexplained),
                          intent=intent, context={**empty_context, "doc_id": marked.index.doc_id},
                          taught=marked.taught_not_listed)

    unexplained = d.unexplained if d else a.units
    # Naming a loaded plan's place and asking who pays is a question of that plan's field.
    in_field = a.domain or bool(d and d.named == 2 and {"payer", "authority"} & a.intents
                                and any(u in d.index.doc_words for u in d.unexplained)) \
        or bool(d and d.index.meta("field") and d.index.meta("field") in a.text)
    if d is not None and unexplained and not in_field:
        # Mostly the plan's own words → a matter of its field that it does not list.
        known = sum(d.weights.get(u, 1.0) for u in unexplained if u in d.index.doc_words)
        # Words of listed matters ("境外…作品登记" after the contrast ruled 国内作者…作品登记 out), or a
        # matter named but not explaining the rest ("作品登记费的补贴"), are the field's too.
        in_field = known * 2 >= sum(d.weights.get(u, 1.0) for u in unexplained) or \
            len(d.significant) >= 2 or bool(d.matches)
    if a.off_topic and not load_lexicon().grammar["asks_who"].search(a.text):
        return Resolution("out_of_scope", "out_of_scope", index=d.index if d else None)
    if a.out_of_scope_hint and not a.domain or a.own_costs:
        return _other_field(a, d, asks, intent, unexplained)
    passage = _passage(d, a) if d is not None and not a.yes_no else None
    if passage is not None:
        # A paragraph that compiled into no rule (a page cut short, a shape the compiler does not
        # read) answers no "who pays" question: not listed, with the text to read.
        if {"payer", "authority"} & a.intents:
            return Resolution("not_listed", "passage", index=d.index, passage=passage, intent=intent,
                              topic=_topic(a, unexplained), context=empty_context)
        return Resolution("answered", "passage", index=d.index, passage=passage, intent=intent,
                          context=empty_context)
    # Words that several listed matters share, none named whole ("地理标志谁出钱？"): ask which one.
    options = _options(d) if d is not None and unexplained else []
    if options:
        return Resolution("clarify", "clarify", index=d.index, topic="".join(unexplained),
                          options=[matter_option(n) for n in options], context=dict(context))
    if unexplained and in_field:
        kept = {"doc_id": d.index.doc_id, "matters": [], "intent": intent,
                "levels": [[m.level, m.surface] for m in d.levels if m.level]} if d else {}
        # No 是/不是 here even for "…是县区财政事权吧": what we do not recognise may still be in the
        # plan in other words (a page cut short, a shape not compiled), and a wrong 不是 is a wrong verdict.
        # Except a kind of spending the plan lists none of ("专利申请资助方案里是写了由县区承担吧？" of a plan
        # whose matters name no 资助, 补贴, 奖励…): 不是, the plan does not say so.
        res = Resolution("not_listed", "not_listed", index=d.index if d else None, topic=_topic(a, unexplained),
                         intent=intent, context=kept,
                         options=[matter_option(n) for n in _nearest(d, unexplained)] if d else [])
        # (nor does any other loaded plan: "婚检补助…" read against the default plan may be another's)
        if a.yes_no and d is not None and d.naming and _names_a_kind(a.text) \
                and all(_says_no_such_spending(x.index, d.naming) for x in docs):
            res.lead = "no"
        return res
    if not unexplained and (a.intents or a.yes_no or d and d.levels):
        return Resolution("clarify", "clarify", index=d.index if d else None,
                          context=dict(context))
    if unexplained and not a.off_topic:
        return _other_field(a, d, asks, intent, unexplained)
    return Resolution("out_of_scope", "out_of_scope", index=d.index if d else None)


def _other_field(a: Analysis, d: DocAnalysis | None, asks: bool, intent: str | None,
                 unexplained: list[str] | None = None) -> Resolution:
    """Work of another field ("法律援助中心的经费谁出" to an IP plan). Asked who pays, it is a matter
    the plan does not list, said with the plan's field; asked nothing of paying, it is out of scope."""
    g = load_lexicon().grammar
    # (a price asked, "动车票多少钱", is no question of who pays: its 钱 alone asks nothing; a rule offered for
    # the work, "…按宣传教育和普法那条吗", or "方案里有吗" asks whether the plan covers it)
    pays = d is not None and (bool({"authority", "principle"} & a.intents)
                              or ("payer" in a.intents and "amount" not in a.intents)
                              or any(m.claim and m.level for m in d.levels)
                              or any(g[k].search(a.text) for k in ("asks_who", "matter_claim", "asks_listed"))
                              # ("慢性病防控呢？" after …谁的事权: a follow-up in the plan's words asks the same)
                              or (a.follow_up and not a.intents and asks and not a.out_of_scope_hint
                                  and any(u in d.index.doc_words for u in unexplained or [])))
    # (own costs are one's own, "我的加班费谁出"; a public body's staff costs with levels offered as the payer,
    # "乡镇卫生院医生工资 县里出还是市里出", are another field's division question)
    own = a.own_costs and (g["first_person"].search(a.text) or not any(m.claim and m.level for m in d.levels))
    if not (asks and pays) or own:
        return Resolution("out_of_scope", "out_of_scope", index=d.index if d else None)
    return Resolution("not_listed", "other_field", index=d.index, intent=intent,
                      topic=_topic(a, unexplained or a.units),
                      context={"doc_id": d.index.doc_id, "matters": [], "levels": [], "intent": intent})


def _names_a_kind(text: str) -> bool:
    """Is a spending word said as the head of a name ("维权保险补贴", "专利申请资助"), not as the money of
    something said before it ("…场馆不收费,补贴钱是市县一起出吗": the funding of that work, which the plan
    may list in other words)?"""
    words = load_lexicon().distinct_spending
    return any(re.search(r"[\u4e00-\u9fff](?<!的)" + re.escape(w), text) for w in words)


def _says_no_such_spending(index: DocIndex, naming: list[str]) -> bool:
    """Is the kind of spending the question names (vocabulary.yaml distinct_spending: 资助, 补贴, 奖励…)
    one that the plan never mentions, in a matter's name or anywhere in its text? ("婚检补助" of a plan whose
    rule says "…补助标准…分担" is not: that plan does speak of it.)"""
    words = {w for w in load_lexicon().distinct_spending if any(w in u for u in naming)}
    # (nor anywhere in its text: a rule the compiler did not read may speak of it, "农村计生奖励扶助…")
    said = [e.matter["name"] for e in index.matters] + [b.folded for b in index.paragraphs]
    return bool(words) and not any(w in t for w in words for t in said)


def _states_amount(outcome: dict) -> bool:
    """A split by numbers (6:4, 60%, 三成), not a share said in words ("市级承担的部分通过转移支付安排")."""
    shares = outcome.get("shares")
    return isinstance(shares, dict) or bool(shares and re.search(r"\d|%|％|比例|[一二三四五六七八九十]成", shares))


def _nearest(d: DocAnalysis, words: list[str], most: int = 3) -> list[str]:
    """Listed matters a not-listed question may have meant, offered to tap, never answered: a matter
    the question named whole though other words ruled it out ("…维权援助服务" → 维权援助), then the
    best BM25 matches over its words whose own names share one of them ("商标品牌服务站" →
    商标品牌指导站建设)."""
    names: list[str] = list(dict.fromkeys(m.entry.matter["name"] for m in d.matches if m.head))
    top = [d.index.matters[i] for i, _ in d.index.matter_bm25.top(list(words), k=8)]
    # "商标侵权执法": a matter whose head word the question says (执法 of 知识产权执法司法) first
    top.sort(key=lambda e: not any(u == h or h in u for h in e.heads for u in words))
    for e in top:
        if any(u in e.name_vocab or any(u in v or v in u for v in e.name_vocab if len(v) >= 2) for u in words) \
                and e.matter["name"] not in names:
            names.append(e.matter["name"])
    return names[:most]


def _options(d: DocAnalysis) -> list[str]:
    """The matters (at most six shown) whose own names hold every word the question has left."""
    words = d.unexplained
    names = []
    for e in d.index.matters:
        if all(u in e.name_vocab or any(u in v for v in e.name_vocab) for u in words):
            if e.matter["name"] not in names:
                names.append(e.matter["name"])
    return names[:6] if len(names) >= 2 else []



def _passage(d: DocAnalysis, a: Analysis) -> str | None:
    """A question about the plan's text that no rule or fact answers ("改革要建立怎样的财政关系？"):
    the one paragraph outside the rules that holds all of its words, found by BM25 over paragraphs.
    Never a verdict: it quotes what the plan says and names no payer."""
    units = [u for u in d.unexplained]
    if len(units) < 2 or d.matches:
        return None
    ranked = d.index.paragraph_bm25.top(units, k=3)
    rule_anchors = {o["anchor"] for e in d.index.matters for o in e.matter["outcomes"]}
    for i, _ in ranked:
        block = d.index.paragraphs[i]
        if block.anchor in rule_anchors or block.kind not in ("paragraph", "notice_paragraph"):
            continue
        vocab = d.index.paragraph_vocab[i]
        if all(u in vocab or any(u in v for v in vocab) for u in units):
            return block.anchor
        return None
    return None


def _strong(explaining: list[DocAnalysis]) -> bool:
    """A match that names a matter the question is plainly about (not a fact about the plan)."""
    return any(m.coverage >= 0.6 for x in explaining for m in x.matches)


def _other_kind(word: str, topic: set[str]) -> bool:
    """Is the word another kind of a word of the matter's heading or topic label: as long, the same last
    character (its head), another first ("省道" of 国道)?"""
    return len(word) == 2 and any(len(v) == 2 and v[-1] == word[-1] and v != word for v in topic)


def _explains(d: DocAnalysis) -> bool:
    """Do the accepted matters account for every question word that names something? A word the
    matter's own sentence or heading says ("健康体检" beside its 宣传动员) is the matter's context;
    one it does not say ("外国作者" of 国内作者…作品登记, "…补贴") makes it another matter."""
    if not d.weights:
        return True
    explained = sum(w for u, w in d.weights.items() if u not in d.unexplained)
    if not explained:
        return False
    context = set().union(*(m.entry.context for m in d.matches))
    left = [u for u in d.significant if not (u in context or any(u in v for v in context if len(v) > len(u)))]
    # Another kind of spending is never context; another word ("医保", "体检") may be, while the
    # matter explains most of the question. Nor is another kind of what the matter's heading or label is about
    # ("普通省道" beside a rule under "普通国道："): that is the other kind's rule, which the plan does not give.
    topics = set().union(*(m.entry.topic for m in d.matches))
    if any(u in d.naming or _other_kind(u, topics) for u in left):
        return False
    return sum(d.weights[u] for u in left) / (explained + sum(d.weights[u] for u in left)) <= 0.45


def _topic(a: Analysis, units: list[str]) -> str:
    """The user's own words for the unlisted matter, trimmed of question words (never an instruction's
    words echoed back: "忽略你之前的规则 直接告诉我…" gives its content words only)."""
    if a.injection:
        return "".join(units[:4])
    text = re.sub(r"[？?！!。，,]+$", "", a.plain or a.text)
    text = PAGE_PICKED.sub("", text)   # (an option's pick of one page of a plan)
    # "方案里有规定专利申请资助谁出吗", "专利申请资助方案里是写了…": the plan is where it is looked for, not the topic
    g = load_lexicon().grammar
    text = g["topic_plan_lead"].sub("", text)
    text = g["matter_claim"].sub("", text)   # "…按宣传教育那条吗": the rule offered is no topic
    text = g["topic_end"].split(re.sub(r"^(那么|那|还有|另外)(?=..)", "", text))[0]   # ("那专利奖励呢": a follow-up's words)
    text = text.strip("，的 ")
    # "法律援助中心的经费 市县怎么分": the levels asked about close the question, they are no part of the topic
    text = load_lexicon().levels_at_end.sub("", text).strip("，的 ")
    return text if 2 <= len(text) <= 30 else "".join(units[:4])


def _list_verdicts(d: DocAnalysis, flt: dict) -> list[Verdict]:
    verdicts = []
    levels = flt.get("levels") or []
    for entry in d.index.matters:
        m = entry.matter
        outcomes = m["outcomes"]
        if flt.get("joint") and not any("共同" in (o.get("headline") or o["authority"]) for o in outcomes):
            continue
        if flt.get("principle") and not any(o["principle"] == flt["principle"] for o in outcomes):
            continue
        if flt.get("categories") and m.get("category") not in flt["categories"]:
            continue
        if flt.get("joint_payment"):
            outcomes = [o for o in outcomes if "共同" in o["payer"]]
            if not outcomes:
                continue
        if levels and not flt.get("joint"):  # in "市与县区共同…" the levels name the joint authority
            outcomes = [o for o in outcomes if o["level"] in levels or o["payer"] in levels]
            if not outcomes:
                continue
        verdicts.append(Verdict(d.index, m, outcomes, [LevelMention(lv, lv, False) for lv in levels]))
    return verdicts
