"""The term coverage that decides which of a plan's matters a question names.

BM25 (document/index.py) ranks; it never decides. Coverage does: a matter is a match only when the
question's content words are accounted for by the matter's own words (or their listed broader terms),
so "知识产权保险" never borrows the verdict of "知识产权质押融资".
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from assistant.document.catalog import place_stem
from assistant.document.compile import compile_vocabulary
from assistant.document.index import DocIndex, MatterEntry
from assistant.language.lexicon import Lexicon
from assistant.language.tokenize import Tokenizer


# ---------------------------------------------------------------- coverage


def _abbreviated_at(unit: str, word: str) -> int:
    """Where a two-character word abbreviates four characters of `word` by their halves' first
    characters ("监管" of 监督管理, "知产" of 知识产权), or -1."""
    if len(unit) != 2:
        return -1
    return next((i for i in range(len(word) - 3) if word[i] == unit[0] and word[i + 2] == unit[1]), -1)


def _spelled(head: str, units: list[str]) -> bool:
    """Do the question's words spell a head out whole ("交易…运营…监管" of 交易运营监督管理), but for one
    character of a long head ("服务…监管" of 服务业监管)?"""
    rest = head
    for u in sorted(units, key=len, reverse=True):
        at = rest.find(u) if len(u) >= 2 else -1
        if at >= 0:
            rest = rest[:at] + rest[at + len(u):]
        elif (at := _abbreviated_at(u, rest)) >= 0:
            rest = rest[:at] + rest[at + 4:]
    return not rest or (len(rest) == 1 and len(head) >= 5)


def covers(unit: str, vocab: set[str], lex: Lexicon, tok: Tokenizer) -> bool:
    """Is a question word accounted for by a vocabulary (itself, a broader term, its parts, or what it
    abbreviates)?"""
    if unit in vocab:
        return True
    if unit in lex.tail_verbs and lex.tail_verbs & vocab:   # "…规划编制" of "…规划制定": the same work
        return True
    if any(h in vocab or any(h in v for v in vocab) for h in lex.hypernyms.get(unit, ())):   # 国外 → 外国地方政府
        return True
    if len(unit) >= 2 and any(unit in v or _abbreviated_at(unit, v) >= 0 for v in vocab if len(v) > len(unit)):
        return True
    parts = [p for p in tok.terms(unit) if len(p) >= 2 and p != unit]
    content = [p for p in parts if p not in lex.stopwords and p not in lex.intent_words]
    known = lambda p: p in vocab or any(h in vocab for h in lex.hypernyms.get(p, ()))   # noqa: E731
    if bool(content) and all(known(p) for p in content) and sum(len(p) for p in parts) >= len(unit):
        return True
    # ("黄河流域" of 黄河等重点流域: 黄河 and 流域 tile it, whatever the overlapping 河流 is)
    return _tiled(unit, [p for p in parts if p in content and known(p)])


def _tiled(unit: str, parts: list[str]) -> bool:
    """Do some of the parts, end to end, spell the whole word (two at least)?"""
    ends = {0: 0}   # position reached → parts used
    for i in range(len(unit)):
        if i in ends:
            for p in parts:
                if unit.startswith(p, i):
                    ends[i + len(p)] = max(ends.get(i + len(p), 0), ends[i] + 1)
    return ends.get(len(unit), 0) >= 2


def _field_rest(unit: str, index: DocIndex, tok: Tokenizer) -> str | None:
    """A question word that starts with the plan's own field word ("应急物资" in an 应急救援 plan): the rest,
    which is what names the matter there (the plan's "…的物资"), or None."""
    field = index.meta("field") or ""
    lead = ""
    for w in tok.words(field):
        lead += w
        if len(lead) >= 2 and unit.startswith(lead) and len(unit) - len(lead) >= 2:
            return unit[len(lead):]
    return None


def covering(unit: str, index: DocIndex, lex: Lexicon, tok: Tokenizer) -> frozenset[int]:
    """Indices of the matters whose words account for a question word (memoized per document)."""
    found = index.cover_cache.get(unit)
    if found is None:
        rest = _field_rest(unit, index, tok)
        found = frozenset(i for i, e in enumerate(index.matters)
                          if covers(unit, e.vocab, lex, tok) or (rest and covers(rest, e.vocab, lex, tok))
                          or _kind_of(unit, e, index, lex, tok))
        if len(index.cover_cache) < 100_000:
            index.cover_cache[unit] = found
    return found


def _kind_of(unit: str, entry: MatterEntry, index: DocIndex, lex: Lexicon, tok: Tokenizer) -> bool:
    """Does a question word name a kind of what the matter's name says unqualified ("软件著作权" of
    著作权许可和转让备案: 著作权 opens one of its items, so every kind of 著作权 is in it)? Not a generic head
    ("农村饮水工程" is no kind of any …工程 of the plan), a work ("基础研究" is no kind of 研究制定…) nor the plan's own
    field word."""
    if len(unit) < 4:
        return False
    field = index.meta("field") or ""
    for piece in re.split(r"[、，,和及与或]", entry.matter["name"]):
        for first in (t for t in tok.terms(piece) if piece.startswith(t) and len(t) >= 2):   # (著作权 of 著作权许可)
            kind = unit[: -len(first)] if unit.endswith(first) else ""
            if len(kind) >= 2 and tok.known(kind) and first not in lex.head_nouns and first not in lex.stopwords \
                    and first not in _ACTIONS and first not in field and field not in first:   # (研究制定…: a work)
                return True
    return False


def _name_df(unit: str, index: DocIndex, lex: Lexicon, tok: Tokenizer) -> int:
    """How many matters' own names account for a word (their shared enumeration does not count)."""
    key = "\x00name\x00" + unit
    found = index.cover_cache.get(key)
    if found is None:
        found = frozenset(i for i, e in enumerate(index.matters) if covers(unit, e.name_vocab, lex, tok))
        index.cover_cache[key] = found
    return len(found)


def weight(unit: str, index: DocIndex, lex: Lexicon, tok: Tokenizer) -> float:
    n = max(1, len(index.matters))
    df = len(covering(unit, index, lex, tok))
    return math.log(1 + n / (df or 0.5))


def _head_core(head: str, lex: Lexicon, tok: Tokenizer) -> str:
    """A head without the generic words at its end ("通用机场建设" → "通用机场"); never empty-matching."""
    words = list(tok.words(head))
    while len(words) > 1 and words[-1] in lex.stopwords:
        words.pop()
    core = "".join(words)
    # A whole name kept as one token still ends in a generic word ("通用机场建设"; vocabulary.yaml head_tails).
    for tail in lex.head_tails:
        if core.endswith(tail) and len(core) - len(tail) >= 2:
            core = core[: -len(tail)]
            break
    return core if len(core) >= 2 else "\uffff"


def names_head(head: str, units: list[str], lex: Lexicon, tok: Tokenizer) -> bool:
    """Does the question name the matter's head word, not just a fragment of it?"""
    if len(units) == 1 and units[0] in lex.head_nouns:
        return False   # a generic head noun alone ("那个中心", "市县的系统呢") names no one matter
    for u in units:
        # A fragment counts only as the head's own right end ("导航" of "专利导航", not "专利").
        if u == head or head in u or (head.endswith(u) and 2 * len(u) >= len(head)):
            return True
        if head in lex.hypernyms.get(u, ()):
            return True
    parts = [p for p in tok.terms(head) if len(p) >= 2 and p != head and p not in lex.stopwords]
    if bool(parts) and all(any(p == u or p in u for u in units) for p in parts) or _spelled(head, units):
        return True
    # The smallest words, in any order ("正版软件" names 软件正版化, whatever 正版化 adds), while the question
    # says no work the head does not ("采购正版软件" buys software; 软件正版化 is no purchase).
    small = [p for p in parts if not any(q != p and q in p for q in parts)]
    return bool(small) and all(any(p in u for u in units) for p in small) \
        and not any(w in u and w not in head for u in units for w in _ACTIONS)


@dataclass
class MatterMatch:
    entry: MatterEntry
    covered: list[str]
    coverage: float
    head: bool
    score: float
    taught: str | None = None   # the id of the help desk's teaching that linked the phrasing to this matter


def match_matters(units: list[str], index: DocIndex, lex: Lexicon, tok: Tokenizer,
                  terms: list[str], text: str = "") -> tuple[list[MatterMatch], list[str], dict[str, float]]:
    """(accepted matters, units no accepted matter explains, unit weights)."""
    if not units:
        return [], [], {}
    weights = {u: weight(u, index, lex, tok) for u in units}
    total = sum(weights.values())
    # The plan's own field or place, said in the question, names a head's part ("…知识产权的扶持政策"
    # names 知识产权政策), though it is no content word of the question.
    said = units + [w for w in (index.meta("field"), index.meta("place")) if w and w in text]
    field = index.meta("field") or ""
    candidates = []
    for i, score in index.matter_bm25.top(terms + units, k=12):
        entry = index.matters[i]
        covered = [u for u in units if i in covering(u, index, lex, tok)]
        if not covered:
            continue
        # ("普通高中" of 普通高中教育 in an 教育 plan: the plan's own field word may end a name unsaid)
        head = any(names_head(h, said, lex, tok) or ((core := _head_core(h, lex, tok)) in text
                                                     and core not in lex.head_nouns)
                   or (field and h.endswith(field) and len(h) - len(field) >= 2
                       and names_head(h[:-len(field)], said, lex, tok))
                   for h in entry.heads)
        head = head or _tail_unsaid(entry, units, covered, lex, tok)
        coverage = sum(weights[u] for u in covered) / total
        candidates.append(MatterMatch(entry, covered, coverage, head, score))
    # Greedy cover: take the matter that explains most, then any that explains what is left.
    candidates.sort(key=lambda m: (-m.head, -round(m.coverage, 6), -m.score, m.entry.matter["id"]))
    accepted: list[MatterMatch] = []
    explained: set[str] = set()
    for cand in candidates:
        if not cand.head or _contradicts(text, cand.entry, lex) or _excluded(text, cand.entry, lex, tok):
            continue
        gain = [u for u in cand.covered if u not in explained]
        same_as_best = accepted and set(cand.covered) == set(accepted[0].covered) and \
            abs(cand.coverage - accepted[0].coverage) < 1e-6
        # A second matter must be named by a word of its own, not a word many matters share ("补助").
        if accepted and gain and not same_as_best and not any(
                _name_df(u, index, lex, tok) <= 1 and covers(u, cand.entry.name_vocab, lex, tok) for u in gain) \
                and not any(len(_head_core(h, lex, tok)) >= 3 and _head_core(h, lex, tok) in text
                            and not _inside_named(_head_core(h, lex, tok), accepted, text, lex)
                            for h in cand.entry.heads) \
                and _quoted_piece(cand.entry, text, lex) is None:
            continue
        if gain or same_as_best:
            accepted.append(cand)
            explained.update(cand.covered)
    accepted = _prefer_named(accepted, units, tok, lex, text, place_stem(index.meta("place")))
    accepted = _without_unnamed_parts(accepted, text, tok, lex)
    accepted = _by_work_said(accepted, text, lex)
    accepted = _self_initiated(accepted, candidates, text, lex)
    accepted = _by_heading(accepted, units, text)
    # Of matters explaining the same words, the one whose whole name the question says ("自然灾害
    # 调查评估" beside 特别重大自然灾害调查评估 and 其他事故调查处理) is the one asked about: both sides hold.
    whole = [m for m in accepted if len(m.covered) >= 2 and _fully_named(m, units, tok, lex)]
    if len(whole) > 1:
        # "校舍安全保障" names 校舍安全保障 and 校舍安全 whole: the one it repeats the longest, if one
        said = {id(m): len(_quoted_piece(m.entry, text, lex, least=2) or "") for m in whole}
        longest = [m for m in whole if said[id(m)] == max(said.values())]
        whole = longest if len(longest) == 1 else whole
    verdicts = {frozenset(o["payer"] for o in m.entry.matter["outcomes"]) for m in accepted}
    if len(whole) == 1 and len(verdicts) > 1 and all(set(m.covered) <= set(whole[0].covered) for m in accepted):
        accepted = whole
    accepted += _level_versions(accepted, candidates, text, lex)
    unexplained = [u for u in units if u not in explained]
    # Words many matters share ("监管", "保护") name none of them: with other words left over
    # ("共享单车的监管"), the question is about something else.
    # A word that only one matter has, in its name or in what its sentence says it pays for
    # ("宣传动员…经费由乡镇承担"), does name it.
    # Words left over that the matter's own sentence says, or kinds of the plan's field ("查侵权的执法经费":
    # 侵权 beside 知识产权执法司法; "专利…执法"), are its context, not something else (decide weighs them).
    said_around = set().union(*(m.entry.context for m in accepted)) | set(lex.domain_words([index.meta("field") or ""]))
    if accepted and unexplained and not any(_name_df(u, index, lex, tok) <= 1 or len(covering(u, index, lex, tok)) == 1
                                            for m in accepted for u in m.covered) \
            and not all(u in said_around for u in unexplained) \
            and not (len(whole) == 1 and accepted[0] is whole[0]) \
            and not any(len(_head_core(h, lex, tok)) >= 3
                        and (_head_core(h, lex, tok) in text or (len(accepted) == 1 and _spelled(h, m.covered)))
                        for m in accepted for h in m.entry.heads):
        return [], list(units), weights
    return accepted, unexplained, weights


# What compile.yaml lists as work done to a thing ("监测", "调查"): said in a question, another work than a name's own
_ACTIONS = frozenset(compile_vocabulary()["actions"])


def _by_work_said(accepted: list["MatterMatch"], text: str, lex: Lexicon) -> list["MatterMatch"]:
    """"国家综合性消防救援队伍的管理" beside …队伍建设 and …队伍管理, which explain the same words (the work words are
    no content words): the matters whose own work the question says, when the others' it does not."""
    if len(accepted) < 2:
        return accepted
    works = lex.action_words

    def tail(m: MatterMatch) -> str | None:   # the work the name ends in ("…队伍建设" → 建设)
        return max((w for w in works if m.entry.matter["name"].endswith(w)), key=len, default=None)
    said = [m for m in accepted if tail(m) and tail(m) in text]
    # (none of its work said: "农村公路建设、养护和管理" is said by 养护)
    unsaid = [m for m in accepted if m not in said and tail(m)
              and not any(w in m.entry.matter["name"] and w in text for w in works)]
    if said and unsaid and all(set(m.covered) == set(s.covered) for m in unsaid for s in said):
        return [m for m in accepted if m not in unsaid]
    return accepted


def _by_heading(accepted: list["MatterMatch"], units: list[str], text: str) -> list["MatterMatch"]:
    """"省级高速公路征地拆迁" beside 征地拆迁…组织协调 (under "（二）省道省级高速公路"), 县区组织实施的项目征地拆迁 (under
    "（一）国道国家高速公路") and 辖区内省级高速公路建设: of matters explaining the same words, the ones whose heading or
    topic label says more of the rest of the question; and a matter whose words only qualify another's, said right
    before them in one phrase and all said by the other's heading, is that one's context, not a second matter.
    (Not "专利导航和转移转化": words joined by 和 name two works.)"""
    if len(accepted) < 2:
        return accepted
    said = {id(m): {u for u in units if u not in m.covered and u in m.entry.topic} for m in accepted}
    kept = []
    for m in accepted:
        rivals = [k for k in accepted if k is not m and set(k.covered) == set(m.covered)]
        if rivals and len(said[id(m)]) < max(len(said[id(k)]) for k in rivals):
            continue
        kept.append(m)

    def qualifies(b: MatterMatch, a: MatterMatch) -> bool:
        if not set(b.covered) <= a.entry.topic or set(a.covered) <= set(b.covered) | b.entry.topic:
            return False
        ends = [text.find(u) + len(u) for u in b.covered if u in text]
        starts = [text.find(u) for u in a.covered if u in text]
        return bool(ends and starts) and 0 <= min(starts) - max(ends) <= 1 \
            and not re.search(r"[和与及跟、，,]", text[max(ends):min(starts)])
    return [b for b in kept if not any(a is not b and qualifies(b, a) for a in kept)] or kept


def _self_initiated(accepted: list["MatterMatch"], candidates: list["MatterMatch"], text: str,
                    lex: Lexicon) -> list["MatterMatch"]:
    """"区里自己组织的图书馆免费开放": work a level does on its own (grammar.yaml self_initiated) is the matter the
    plan lists for such work ("自行组织实施免费或低收费开放"), when it explains what the matched ones do."""
    g = lex.grammar
    own = lambda m: g["self_initiated_name"].search(m.entry.matter["name"])   # noqa: E731
    if not accepted or not g["self_initiated"].search(text) or any(own(m) for m in accepted):
        return accepted
    # (one that says a word the matched ones explain: 免费开放 of …图书馆免费开放 and 自行组织实施免费…开放)
    # (never by 自主 itself: "自主设立的基础研究项目" is not 自主引进培育的…人才资助)
    done = {u for m in accepted for u in m.covered if not g["self_initiated_name"].search(u)}
    return [c for c in candidates if own(c) and c.head and set(c.covered) & done] or accepted


def _tail_unsaid(entry: MatterEntry, units: list[str], covered: list[str], lex: Lexicon, tok: Tokenizer) -> bool:
    """"放射性污染谁出钱" of 放射性污染防治, "省级信息系统的软硬件维护" of 信息系统软硬件配置和维护: the name but the
    work it ends in (vocabulary.yaml actions, unsaid_tails) is said whole, and the question says no work that
    is not the name's own ("放射性污染监测" is not 防治). (The name read as the question is: 版权 as 著作权.)"""
    name = lex.canonicalize(entry.matter["name"])
    m = lex.work_tail_re.search(name)
    if not m:
        return False
    piece = re.split(r"[、，和及与]", name[:m.start()])[-1]
    named_works = set(lex.work_word_re.findall(m.group(0)))
    other = _ACTIONS | lex.actions | lex.unsaid_tails
    said_other = any(w in u for u in units if u not in covered
                     for w in other if w not in named_works and not any(w in n for n in named_works))
    words = [w for w in tok.words(piece) if len(w) >= 2]
    spelled = _spelled(piece, covered) or bool(words) and all(any(w in u for u in covered) for w in words)
    return len(piece) >= 2 and spelled and not said_other


def _inside_named(core: str, accepted: list["MatterMatch"], text: str, lex: Lexicon) -> bool:
    """Is a head said only inside the longer name of a matter already taken ("校舍安全" in "校舍安全保障")?"""
    return any(core in piece and len(piece) > len(core)
               for m in accepted if (piece := _quoted_piece(m.entry, text, lex, least=2)))


def _without_unnamed_parts(accepted: list["MatterMatch"], text: str, tok: Tokenizer, lex: Lexicon) -> list["MatterMatch"]:
    """"困难学生生活补助" names 家庭经济困难学生生活补助, not its parts "民族县…家庭经济困难学生生活补助" and
    "其余地区…": a part matched beside its whole is asked about only when the question says what sets the
    part apart (its own words beyond the whole's name)."""
    names = {n for m in accepted for n in [m.entry.matter["name"], *(m.entry.matter.get("written") or [])]}
    kept = []
    for m in accepted:
        whole = m.entry.matter.get("part_of")
        if whole in names:
            own = [w for w in tok.words(m.entry.matter["name"].replace(whole, "")) if len(w) >= 2
                   and w not in lex.stopwords]
            if own and not any(w in text for w in own):
                continue
        kept.append(m)
    return kept or accepted


def _contradicts(text: str, entry: MatterEntry, lex: Lexicon) -> bool:
    """Does the question qualify the work the opposite way from the matter's own name ("外国作者的
    作品登记" against 国内作者…作品登记)? Qualifier groups are data (vocabulary.yaml `contrasts`)."""
    name = entry.matter["name"]
    # "不跨界的县道" of "跨区县县道…": the question denies a qualifier the name has (vocabulary.yaml deniable)
    if any(w in name and any(n + w in text and n + w not in name for n in "不非") for w in lex.deniable):
        return True
    g = lex.grammar
    # "重点流域水污染治理工程（不是规划哈）": the question denies the matter's head (grammar.yaml denied_head)
    if any(m.group("word") in h for m in g["denied_head"].finditer(text) for h in entry.heads):
        return True
    # "自由探索类基础研究" of "目标导向类基础研究": a kind other than the name's own (grammar.yaml kind_named)
    kinds = {m.group("kind") for m in g["kind_named"].finditer(name)}
    if kinds and any(k not in name and not any(k in o or o in k for o in kinds)
                     for k in (m.group("kind") for m in g["kind_named"].finditer(text))):
        return True
    # (the name read as the question is, 版权 as 著作权: a synonym of the name's own word is that word)
    name = lex.canonicalize(name)
    # (a grade word that is no grade: 哪一级, "省市县三级", 一级财政; grammar.yaml not_a_grade)
    text = g["not_a_grade"].sub("", text)
    for group in lex.contrasts:
        own = [w for w in group if w in name]
        # Only where the question names none of the matter's own qualifiers ("专利导航和商标品牌
        # 指导站" names both kinds of right and so contradicts neither).
        # (A word whose broader term is the matter's own, 国外 of 外国, says the same: vocabulary.yaml hypernyms.)
        if own and not any(o in text for o in own) \
                and any(w in text and not any(w in o or o in w or o in lex.hypernyms.get(w, ()) for o in own)
                        for w in group):
            return True
    return False


def _excluded(text: str, entry: MatterEntry, lex: Lexicon, tok: Tokenizer) -> bool:
    """Does the question name what the matter's own name leaves out ("森林资源二类调查" of
    "全省性自然资源调查（不含森林资源规划设计调查二类调查）")? The plan says it is not this matter.
    The bracket forms are data (grammar.yaml `exclusion`)."""
    name = entry.matter["name"]
    for m in lex.grammar["exclusion"].finditer(name):
        rest = name[:m.start()] + name[m.end():]
        if any(len(w) >= 2 and w not in rest and w in text for w in tok.words(m.group("what"))):
            return True
    return False


def _level_versions(accepted: list["MatterMatch"], candidates: list["MatterMatch"], text: str,
                    lex: Lexicon) -> list["MatterMatch"]:
    """"突发公共卫生事件的应急处置" names the county's 应急处置 and the towns' 先期处置 of the same
    event: another level's matter whose name shares the long phrase the question repeats."""
    out = []
    for acc in accepted:
        phrase = _quoted_piece(acc.entry, text, lex)
        levels = {o["level"] for o in acc.entry.matter["outcomes"]}
        for cand in candidates:
            if cand in accepted or cand in out or not phrase or _contradicts(text, cand.entry, lex) \
                    or not (cand.head or set(acc.covered) <= set(cand.covered)):
                continue
            other = {o["level"] for o in cand.entry.matter["outcomes"]}
            # (never "其他生态环境规划制定" beside 跨市（州）生态环境规划制定: the rest is what the list leaves out)
            if lex.grammar["rest_of_list"].match(cand.entry.matter["name"]):
                continue
            # one level's version beside another's (not a joint matter beside a part of it)
            if phrase in lex.canonicalize(cand.entry.matter["name"]) and other and not other & levels \
                    and None not in other and None not in levels:
                out.append(cand)
    return out


def _quoted_piece(entry: "MatterEntry", text: str, lex: Lexicon, least: int = 6) -> str | None:
    """The longest piece of the matter's name the question repeats word for word ("基本公共卫生服务")."""
    name = lex.canonicalize(entry.matter["name"])
    for size in range(len(name), least - 1, -1):
        for i in range(len(name) - size + 1):
            if name[i:i + size] in text:
                return name[i:i + size]
    return None


def _fully_named(m: "MatterMatch", units: list[str], tok: Tokenizer, lex: Lexicon) -> bool:
    """Does the question name every content word of the matter's own name?"""
    words = [w for w in tok.words(lex.canonicalize(m.entry.matter["name"])) if w not in lex.stopwords and len(w) >= 2]
    return bool(words) and all(any(w == u or w in u or u.endswith(w) for u in units) for w in words)


def _prefer_named(accepted: list["MatterMatch"], units: list[str], tok: Tokenizer, lex: Lexicon,
                  text: str = "", place: str | None = None) -> list["MatterMatch"]:
    """Of matters that explain the very same words but disagree on who pays, keep the ones the
    question names in full ("铁路项目资本金" → 项目资本金, not the whole "资本金和征地拆迁"), or the ones
    whose name holds the plan's own place the question says ("前置到雅安的物资" → …前置雅安市的物资…)."""
    if len(accepted) < 2:
        return accepted
    first = set(accepted[0].covered)
    tied = [m for m in accepted if set(m.covered) == first]
    payers = {frozenset(o["payer"] for o in m.entry.matter["outcomes"]) for m in tied}
    if len(payers) < 2:
        # "示范馆免费开放" of "示范馆、陈列馆…实行免费开放" (one verdict): the item whose own name says the
        # words, not its list-mates that hold them only through the enumeration they share
        own = [m for m in tied if all(covers(u, m.entry.name_vocab, lex, tok) for u in m.covered)]
        return [m for m in accepted if m not in tied or m in own] if own else accepted

    named = [m for m in tied if _fully_named(m, units, tok, lex)]
    if not named and place and place in text:
        named = [m for m in tied if place in m.entry.matter["name"]]
    if not named and len({tuple(m.entry.heads) for m in tied}) == 1:
        # "…队伍管理" beside 队伍建设 (one head; 管理, 建设 are no content words): the one whose name the
        # question repeats longest, if only one does.
        said = {id(m): len(_quoted_piece(m.entry, text, lex, least=2) or "") for m in tied}
        if list(said.values()).count(max(said.values())) > 1:
            return accepted
        named = [m for m in tied if said[id(m)] == max(said.values())]
    if not named:
        return accepted
    return [m for m in accepted if m not in tied or m in named]
