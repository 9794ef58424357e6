"""Question analysis: what is asked (intent), about which matters, at which level, of which document."""
from __future__ import annotations

from collections.abc import Collection

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from assistant.language.gazetteer import load_gazetteer, names_feature, unknown_places
from assistant.language.lexicon import Lexicon
from assistant.language.prepare import matches_any, question_text
from assistant.document.catalog import Catalog, build_catalog, place_stem
from assistant.document.index import DocIndex
from assistant.question.match import MatterMatch, covering, match_matters, names_head
from assistant.language.tokenize import Tokenizer

@dataclass
class LevelMention:
    level: str | None       # the document's level, or None for a level the document does not have
    surface: str            # as the user wrote it ("钦南区", "县里")
    claim: bool             # said as the answer the user expects ("由县区出钱吗")
    foreign: str | None = None   # a level the document lacks (省, 中央…)
    guessed: bool = False   # a place the vocabulary does not know, placed by its suffix (县, 区, 镇…)
    elsewhere: bool = False  # a place outside the plan's area (the plan's own places are all known)
    phrase: str = ""        # a claim's payer words ("要不要配套") or a scope's doing words ("受理的"): not matter words
    exclusive: bool = False  # the claim says the level pays alone ("是不是市里全包")
    own: bool = False       # …for its own work ("县区自己出钱？"): that level's version, judged as exclusive
    negated: bool = False   # the claim says the level does not pay ("县区一分钱不用出吧")
    holder: bool = False    # claimed as the holder of the whole matter's 事权 ("算市级财政事权吗")
    majority: bool = False  # the claim says the level pays the larger part ("是中央出大头吗")
    share: float | None = None   # the claim says the level pays this part ("是不是中央出一半": 0.5)
    inside: str | None = None   # a level the plan lacks, below its lowest ("镇上办的" → 县区)
    taken_in: bool = False  # a level the plan lacks, read as its wider level that takes it in (省里 → 地方)
    names_share: bool = False   # said as the part of a cost it bears ("省里该出的那20%"), maybe what is asked about


@dataclass
class DocAnalysis:
    index: DocIndex
    matches: list[MatterMatch]
    unexplained: list[str]
    weights: dict[str, float]
    levels: list[LevelMention]
    significant: list[str] = field(default_factory=list)   # unexplained words that name something
    named: int = 0              # 2: the question names this document (文号, place); 1: its field or levels
    list_filter: dict | None = None   # for list questions: which of this document's matters to list
    naming: list[str] = field(default_factory=list)   # of those, another kind of spending (补贴, 奖励)
    taught_not_listed: str | None = None   # a teaching's id: the help desk says this phrasing is not in the plan
    own_level: bool = False     # a level word only this plan has ("州里" among plans without a 州), claimed or not
    own_place: bool = False     # named by its own place, title or 文号 (not by a place it takes in)
    unplaced_area: str | None = None   # "园区的专利导航": an area the plan places at no level (places.yaml)
    area_claimed: bool = False  # "…那高新区要不要出建设钱": that area is asked about as a payer


@dataclass
class Analysis:
    question: str                   # as asked
    text: str                       # normalized, synonyms canonical
    units: list[str]                # content words
    intents: set[str]
    yes_no: bool
    fact: str | None
    joint_claim: str | None   # "共同" claimed of the 事权 (authority) or of the money (payment), or each
                              # level paying its own ("同级财政承担", separate)
    principle_claim: str | None
    injection: bool
    out_of_scope_hint: bool
    domain: bool
    other_place: str | None
    other_field: str | None
    follow_up: bool
    fields_named: list[str] = field(default_factory=list)
    docs: list[DocAnalysis] = field(default_factory=list)
    plain: str = ""                 # normalized, in the user's own words
    off_topic: bool = False         # about a service, not its funding ("几点开门")
    own_costs: bool = False         # a person's or an office's own costs ("加班费谁出"), no 事权
    joint_scope: bool = False       # levels doing the work together ("市和县区一起搞的")
    cost_share: bool = False        # a level's part of a shared cost asked about ("省里该出的那20%")
    corrections: list = field(default_factory=list)   # typos read as the plan's words (spelling.Fix)
    plans: tuple = ()               # every loaded plan's meta (doc_id, title, field, place…), from the catalog
    ratio: tuple[float, ...] | None = None   # a split the user claims ("五五开" → (0.5, 0.5))


_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def _ratio(m: re.Match | None) -> tuple[float, ...] | None:
    """"五五开" → (0.5, 0.5), "6:4" → (0.6, 0.4), "各一半" → (0.5, 0.5)."""
    if m is None:
        return None
    if m.group("half"):
        return (0.5, 0.5)
    a, b = (m.group("a"), m.group("b")) if m.group("a") else (m.group("a2"), m.group("b2"))
    x, y = (int(s) if s.isdigit() else _DIGITS[s] for s in (a, b))
    return (x / (x + y), y / (x + y)) if x + y else None


@lru_cache(maxsize=64)
def _one_of(words: frozenset[str]) -> re.Pattern:
    """One alternation over a word list (longest first): one search instead of one per word."""
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)")


def _contains_any(text: str, words) -> list[str]:
    return [w for w in words if w and w in text]


_ONE_CHARACTER_LEVELS = ("市", "县", "省")   # "市与县区…": joined levels the alias table (two characters up) lacks


def _role(text: str, start: int, end: int, aliases, grammar: dict, look_back: bool = True) -> tuple[bool, str]:
    """Is this level said as the payer asked about (a claim: "县里要不要配套") rather than as the
    one doing the work (the scope: "市里搞的…")? Returns (claim, the claim's payer words).
    The patterns are data (grammar.yaml `level_roles`)."""
    roles = grammar["level_roles"]
    after = text[end:]
    if after[:1] == " ":   # "the county 要 配套…" (English level words stand between spaces)
        after = re.sub(r" +", "", after)
    scope = next((m for p in roles["scope_after"] if (m := p.match(after))), None)
    if scope:
        return False, scope.groupdict().get("phrase") or ""
    cleft = _framed(roles["scope_cleft"], text[:start], after)
    if cleft:   # "活是市局的机构干的"
        return False, cleft.group("phrase")
    if any(p.search(text[:start]) for p in roles["claim_before"]):
        # ("由市里统一出钱": the payer words after it are the claim's too, no matter's)
        after_claim = next((m for p in roles["claim_after"] if (m := p.match(after))), None)
        return True, (after_claim.groupdict().get("phrase") or after_claim.group(0)) if after_claim else ""
    # "是不是省和市县一起出": a level joined to a claimed level before it is claimed too.
    back = roles["joined_before"].search(text[:start]) if look_back else None
    if back:
        prev = next((a for a in sorted(aliases, key=len, reverse=True) if text[:back.start()].endswith(a)), None) \
            or next((c for c in _ONE_CHARACTER_LEVELS if text[:back.start()].endswith(c)), None)
        if prev and _role(text, back.start() - len(prev), back.start(), aliases, grammar, look_back=False)[0]:
            return True, ""
    for p in roles["claim_after"]:
        m = p.match(after)
        if m:
            return True, m.groupdict().get("phrase") or m.group(0)
    # "市与县区共同…", "市和县区一起搞的": a level joined to the next level shares its role.
    joined = roles["joined"].match(after)
    if joined:
        rest = after[joined.end():]
        nxt = next((a for a in sorted(aliases, key=len, reverse=True) if rest.startswith(a)), None)
        if nxt is None and rest[:1] in _ONE_CHARACTER_LEVELS:
            nxt = rest[:1]
        if nxt:
            at = end + joined.end()
            return _role(text, at, at + len(nxt), aliases, grammar, look_back=False)
    return False, ""


def _framed(pairs: list[tuple[re.Pattern, re.Pattern]], before: str, after: str) -> re.Match | None:
    """The first grammar pair (what ends the text before a level word, what starts the text after it) that
    holds around it: its match after the word (grammar.yaml level_roles recipient, location, aside, scope_cleft)."""
    return next((m for b, a in pairs if b.search(before) and (m := a.match(after))), None)


def _mention(text: str, start: int, end: int, level: str | None, aliases, lex: Lexicon,
             foreign: str | None = None, **flags) -> LevelMention:
    """A level word with its role read from the words around it."""
    claim, phrase = _role(text, start, end, aliases, lex.grammar)
    g = lex.grammar
    # "标准是不是地方自己定": the level is claimed to do something else than pay or hold the 事权
    claim = claim and not g["other_predicate"].match(text[end:end + 8])
    # ("是不是只能市里建": the only doer, claimed; its exclusive marker before it makes it exclusive below)
    claim = claim or bool(_framed([g["exclusive_doer"]], text[:start], text[end:]))
    # ("是不是全让市县自己掏": a whole-quantifier before the level makes it a claim on the whole matter)
    own = claim and bool(g["own_claim"].search(text[end:end + 10])) and not g["exclusive_before"].search(text[:start])
    exclusive = claim and bool(own or g["exclusive"].search(text[max(0, start - 6):end + 8])
                               or g["exclusive_before"].search(text[:start]))
    holder = claim and bool(g["authority_claim"].match(text[end:]))   # "算市级财政事权吗": of the whole matter
    # "省里是不是一分不出": the negation may follow the question's own 是不是/要不要, which negate nothing.
    after = re.sub(r"(.)不\1", "", phrase or text[end:end + 12])
    # "市县是只干活不出钱吗": the refusal may come later in the level's own clause
    # (a space typed for a comma ends the clause too: "只由市级承担 县区不用管" refuses 县区, not 市级)
    clause = re.split(r"[？！?!、]|" + _CLAUSE_BREAK.pattern, re.sub(r"(.)不\1", "", text[end:end + 12]))[0]
    negated = claim and bool(g["negated"].match(after) or (phrase and g["negated"].search(after))
                             or g["negated"].search(clause)
                             or (g["negated_before"].search(text[max(0, start - 4):start])
                                 and not g["rhetorical"].search(text[max(0, start - 4):])))
    majority = claim and bool(g["majority"].search(text[end:end + 10]))
    share = _share(g["share_claim"].match(text[end:end + 12])) if claim else None
    # ("省里" of a 中央/地方 plan: a word of a level the plan lacks, which its 地方 takes in)
    said = text[start:end]
    if level and lex.level_covers.get(level) and said not in lex.own_level_words.get(level, ()) \
            and any(said in words for words in lex.own_level_words.values()):
        flags.setdefault("taken_in", True)
    return LevelMention(level, text[start:end], claim, foreign, phrase=phrase, exclusive=exclusive, own=own,
                        negated=negated, majority=majority, holder=holder, share=share, **flags)


_NUMERALS = {c: i for i, c in enumerate("零一二三四五六七八九十")} | {"两": 2}


def _share(m: re.Match | None) -> float | None:
    """The part a claim says the level pays: 一半 0.5, 三成 0.3, 30% / 百分之三十 0.3."""
    if m is None:
        return None
    if m.group("half"):
        return 0.5
    if m.group("tenth"):
        return _NUMERALS[m.group("tenth")] / 10
    if m.group("num"):
        return int(m.group("num")) / (10 if m.group("unit") == "成" else 100)
    pct = m.group("pct")   # 三十, 三十五, 五, 十
    tens, _, ones = pct.partition("十")
    value = (_NUMERALS[tens] if tens else 1) * 10 + (_NUMERALS[ones] if ones else 0) if "十" in pct else _NUMERALS[pct[0]]
    return value / 100


def _alias_table(index: DocIndex, lex: Lexicon) -> tuple[dict, re.Pattern]:
    """A plan's level words and places, and one regex over them, longest first (built once)."""
    cached = getattr(index, "_alias_table", None)
    if cached is None:
        aliases: dict[str, tuple[str | None, str | None]] = {}
        for alias, level in index.foreign_aliases.items():
            aliases[alias] = (None, level)
        for alias, level in index.level_aliases.items():
            if len(alias) >= 2:
                aliases[alias] = (level, None)
        for place, level in index.level_places.items():
            aliases[place] = (level, None)
        pattern = re.compile("|".join(re.escape(a) for a in sorted(aliases, key=len, reverse=True)) or "(?!)")
        cached = (aliases, pattern)
        index._alias_table = cached
    return cached


def find_level_mentions(text: str, words: list[str], index: DocIndex, lex: Lexicon,
                        places: list[tuple[int, int, tuple[str, ...]]] | None = None,
                        matter_words: Collection[str] = ()) -> list[LevelMention]:
    """`places`: `load_gazetteer().scan(text)`, when the caller has scanned the question already;
    `matter_words`: the words of every loaded plan's matters (the catalog's)."""
    aliases, pattern = _alias_table(index, lex)
    mentions: list[tuple[int, LevelMention]] = []
    taken = [False] * len(text)
    # (a level character that ends or follows a place's name is its level: 市 of "曲靖市级", 州 of "黔东南州级")
    inner = _inside_words(text, words) - {i for _, end, _ in places or [] for i in (end - 1, end)}
    # (a level's character talked about as a character, "名字里带个市", is none: grammar.yaml level_quoted)
    quoted = {q.start("said") for q in lex.grammar["level_quoted"].finditer(text)}
    for m in pattern.finditer(text):
        # (nor a level word that starts inside a word of the question: 市 of "外国城市政府")
        if m.start() in inner or any(len(b) > len(m.group(0)) and text.startswith(b, m.start()) for b in lex.not_a_level) \
                or (m.group(0) in index.level_places and names_feature(text, m.start(), m.end())) \
                or lex.grammar["plan_name_after"].match(text[m.end():]) or m.start() in quoted:
            continue
        alias = m.group(0)
        level, foreign = aliases[alias]
        if _names_part(text, m.start(), m.end(), level or foreign, index):
            continue
        mentions.append((m.start(), _mention(text, m.start(), m.end(), level, aliases, lex, foreign)))
        for i in range(m.start(), m.end()):
            taken[i] = True

    city = next((lv for lv in index.levels[1:] if "市" in lex.level_covers.get(lv, ())), None)   # 市县 in a 省/市县 plan
    town = next((lv for lv in index.levels[1:] if re.search(r"乡|镇|街道", lv)), None)
    # A county or district the vocabulary does not know ("陆良县", "麒麟区") is at the plan's county level.
    county = next((lv for lv in index.levels if lv != (index.levels[0] if index.levels else None)
                   and re.search(r"县|区|旗", lv)), None)
    # A place of the national list outside the plan's area ("南宁市" for 钦州's plan) is elsewhere;
    # the plan's own place and the places above it ("广西") are no level mention.
    gaz = load_gazetteer()
    area = index.area
    for start, end, codes in (places if places is not None else gaz.scan(text)):
        if any(taken[start:end]):
            continue
        if area and not any(gaz.related(c, a) for c in codes for a in area):
            mentions.append((start, LevelMention(None, text[start:end], False, guessed=True, elsewhere=True)))
        elif not area and len(text[start:end]) == 2 and all(not c.endswith("00") for c in codes) and county:
            # A plan whose place is unknown (a page without its title): "临县" is at its county level
            # (longer names are placed by their suffix below).
            mentions.append((start, _mention(text, start, end, county, aliases, lex, guessed=True)))
        elif not area:
            # (a central plan's, or one whose place is unknown: "江苏的…" says where, it names no matter)
            mentions.append((start, LevelMention(None, text[start:end], False, guessed=True)))
        elif index.levels and text[end - 1] in "省市州盟" and any(c in area for c in codes) \
                and (lex.grammar["own_institution"].match(text[end:])
                     or any(p.match(text[end:]) for p in lex.grammar["level_roles"]["scope_after"])):
            # "钦州市知识产权保护中心", "咱们钦州市建的那个…": the top level's own
            mentions.append((start, LevelMention(index.levels[0], text[start:end], False)))
        for i in range(start, end):
            taken[i] = True
    own = _place_stem(index.meta("place"))
    for start, end in unknown_places(text, own, lex.grammar, lex.not_places):
        name = text[start:end]
        if any(taken[start:end]):
            continue
        # ("创新型县建设" of 国省级创新型城市（县、市）建设: a stem a listed matter's name says, in this plan or
        # another loaded one, is that name's word)
        if len(name) >= 3 and (name[:-1] in matter_words or any(name[:-1] in e.matter["name"] for e in index.matters)):
            continue
        level = city if name.endswith("市") else town if name.endswith(("乡", "镇")) else county
        # Where the plan's own counties are all known, another county is outside its area; a town
        # is inside one of them.
        elsewhere = bool(index.level_places) and not name.endswith(("乡", "镇"))
        if elsewhere:
            level = None
        # A place the plan cannot place is still a place: it names no matter (level None, no claim).
        mention = _mention(text, start, end, level, aliases, lex, guessed=True, elsewhere=elsewhere)
        mention.claim = mention.claim and bool(level)
        mentions.append((start, mention))
        for i in range(start, end):
            taken[i] = True
    # Single-character level words only as whole tokens ("市市场监管局" → 市 + 市场监管局).
    pos = 0
    for w in words:
        at = text.find(w, pos)
        if at < 0:
            continue
        pos = at + len(w)
        if len(w) == 1 and not any(taken[at:at + 1]):
            # "产业园区管委会…", "开在市区的…": the character ends a word that names no place (places.yaml)
            ends = {text[max(0, at + 1 - k):at + 1] for k in (2, 3, 4)} & lex.not_places
            if any(n not in index.level_aliases and n not in index.foreign_aliases for n in ends):
                continue
            if any(text.startswith(b, at) for b in lex.not_a_level) or at in quoted:   # "区市监局": 市 of 市监局 (市场监管)
                continue
            level = index.level_aliases.get(w)
            foreign = index.foreign_aliases.get(w) if level is None else None
            if level is None and w in ("省", "县", "乡", "镇"):
                foreign = {"省": "省", "县": "县", "乡": "乡镇", "镇": "乡镇"}[w]
                level = index.level_aliases.get(foreign)
                foreign = None if level else foreign
            elif level is None and w == "区":
                # "区市场监管局调解的…": a district, where the plan's county level takes in districts
                level = index.level_aliases.get("区级")
            if level or foreign:
                mentions.append((at, _mention(text, at, at + 1, level, aliases, lex, foreign)))
    given = lex.grammar["given"].search(text)
    recipient, located_at = lex.grammar["level_roles"]["recipient"], lex.grammar["level_roles"]["location"]
    parties = lex.grammar["level_roles"]["party_place"]
    kept, located, party = [], [], []
    for at, m in sorted(mentions, key=lambda p: p[0]):
        end = at + len(m.surface)
        # "既然是市县共同事权，…": what the user takes as given is not what is asked.
        if given and given.start() <= at < given.end():
            continue
        # "市财政局问：", "柬埔寨一个省的…": who asks, another country's level
        if _framed(lex.grammar["level_roles"]["aside"], text[:at], text[end:]):
            continue
        # "省里该出的那20%…": the level may name the part of a cost asked about (grammar.yaml cost_share); where the
        # plan lists that part, decide reads it so ("县区那块呢" after another matter is still the county's)
        if lex.grammar["cost_share"].match(text[end:]):
            m = replace(m, names_share=True)
        # "给县区补…", "报市里审定", "场地在钦南区，": the level receiving, approving or hosting is not the
        # payer asked about, nor the doer when the question names one; else it is whose work it is
        # ("市里要不要给钦北区补专利导航的钱": 钦北区's).
        if _framed(parties, text[:at], text[end:]):   # "灵山县的企业…": the party's place, last of all
            party.append((at, replace(m, claim=False)))
            continue
        aside = _framed(recipient + located_at, text[:at], text[end:]) is not None
        (located if aside else kept).append((at, replace(m, claim=False) if aside else m))
    doer = any(m.level and not m.claim for _, m in kept)
    fallback = [] if doer else located if any(m.level for _, m in located) else located + party
    return [x for _, m in sorted(kept + fallback, key=lambda p: p[0])
            for x in _split(_within(m, index, lex), index, lex)]


def _inside_words(text: str, words: list[str]) -> set[int]:
    """Offsets of the text that fall inside a word of its segmentation (not at a word's start)."""
    inside, at = set(), 0
    for w in words:
        start = text.find(w, at)
        if start < 0:
            continue
        inside.update(range(start + 1, start + len(w)))
        at = start + len(w)
    return inside


def _split(m: LevelMention, index: DocIndex, lex: Lexicon) -> list[LevelMention]:
    """"市县都要出钱" of a 市/县（市、区） plan: a level word the plan lacks that takes in several of its
    levels (levels.yaml `covers`) names each of them, in the same role."""
    if m.level or not m.foreign:
        return [m]
    covered = [lv for lv in index.levels if lex.level_tier.get(lv, lv) in lex.level_covers.get(m.foreign, ())]
    return [replace(m, level=lv, foreign=None) for lv in covered] if len(covered) >= 2 else [m]


def _names_part(text: str, start: int, end: int, level: str | None, index: DocIndex) -> bool:
    """"国家高速公路…" of a 市/县区 plan, "省级高速公路…": the level word begins the name of a listed
    matter that is not that level's (its outcomes are other levels'), so it is part of the name. (Not
    a level the compiler read as the item's scope, "省级应急救援队伍建设" → 应急救援队伍建设: not in the name.)"""
    pieces = {text[start:end + 3], text[start:end + 2]}   # "地方政府" of "与外国地方政府和地方组织…"
    return any(len(piece) - (end - start) >= 2 and any(
        piece in e.matter["name"] and level not in {o["level"] for o in e.matter["outcomes"]} for e in index.matters)
        for piece in pieces)


def _within(m: LevelMention, index: DocIndex, lex: Lexicon) -> LevelMention:
    """"镇上办的普法" in a 市/县区 plan: a doer below the plan's lowest level does the work inside
    that level's area, so that level's verdict applies (said in the answer). A claim stays foreign:
    "乡镇要不要分摊" is not a claim that the county pays."""
    rank = lex.level_rank
    if m.level or not m.foreign or m.claim or m.foreign not in rank or not index.levels:
        return m
    # ("县城里…" of a 中央/地方 plan: a level one of the plan's takes in is that level, not below it)
    tier = lex.level_tier.get(m.foreign, m.foreign)
    # ("市县的…" of a 中央/地方 plan: a level whose own parts the plan's level all takes in is inside it)
    parts = lex.level_covers.get(m.foreign, set()) - {m.foreign, tier}
    wider = next((lv for lv in index.levels if {m.foreign, tier} & lex.level_covers.get(lv, set())
                  or (parts and parts <= lex.level_covers.get(lv, set()))), None)
    if wider:
        return LevelMention(wider, m.surface, False, guessed=m.guessed, taken_in=True)
    ranked = [lv for lv in index.levels if lv in rank]
    lowest = max(ranked, key=lambda lv: rank[lv], default=None)
    # (only in a plan that divides between levels: a page with one level's rules, "省级…" of a 解读, says
    # nothing of the levels below it, whose work is not that level's)
    if lowest and rank[m.foreign] > rank[lowest] and len(ranked) >= 2:
        return LevelMention(lowest, m.surface, False, guessed=m.guessed, inside=m.foreign)
    return m


def _unknown_runs(words: list[str], text: str, lex: Lexicon) -> list[str]:
    """Words the segmenter does not know come out one character each ("专利年费减缴" → 专利 年 费 减 缴): the runs
    of three or more such characters, none a stopword, each read as one word."""
    asks = lex.intent_words
    out, run = [], []
    for w in list(words) + [""]:
        if len(w) == 1 and "\u4e00" <= w <= "\u9fff" and w not in lex.stopwords and w not in asks \
                and not lex.is_level_char(w):
            run.append(w)
            continue
        joined = "".join(run)
        # (not the question's own words typed apart: "各出几成")
        whole = len(run) >= 3 and joined in text and not any(len(a) >= 2 and a in joined for a in asks)
        out.extend([joined] if whole else [])
        run = []
    return out


def _units(words: list[str], mentions: list[LevelMention], index_aliases: set[str], lex: Lexicon) -> list[str]:
    intent_words = {w for ws in lex.intents.values() for w in ws}
    surfaces = {m.surface for m in mentions} | index_aliases
    out = []
    for w in words:
        if len(w) < 2 or w in lex.stopwords or w in intent_words or w in surfaces \
                or any(w in m.phrase for m in mentions) \
                or any(w in m.surface for m in mentions if len(m.surface) > len(w)):   # "城镇" of "林城镇"
            continue
        if re.fullmatch(r"[\d.%％零〇一二三四五六七八九十百千万]+", w) or re.fullmatch(r"[这那此该][一个部些块种项笔类方分面边]{1,3}", w):
            continue  # numbers and demonstratives ("这部分", "那一块") name no matter
        if w not in out:
            out.append(w)
    return out


def matter_span(text: str, words: list[str], index: DocIndex, lex: Lexicon, aliases: set[str],
                places: list | None = None, matter_words: Collection[str] = ()) -> tuple[list[LevelMention], list[str]]:
    """A question's level mentions for one plan, and its content words: what is left of the question
    without its level, place and question words and the plan's own field and place (the words that
    name the matter asked about)."""
    mentions = find_level_mentions(text, words, index, lex, places, matter_words)
    # a level word read as part of a matter's name ("…地方政府交流…" of 与外国地方政府…合作交流) is a matter word
    said = {m.surface for m in mentions}
    # (so is one that begins a word that is no level, levels.yaml not_a_level: "地方标准")
    named = {w for w in words if w in aliases and w not in said and len(w) >= 2
             and (_names_part(text, text.find(w), text.find(w) + len(w), index.level_aliases.get(w)
                              or index.foreign_aliases.get(w), index)
                  or any(len(b) > len(w) and text.startswith(b, text.find(w)) for b in lex.not_a_level))}
    units = _units(words, mentions, aliases - named, lex)
    # The document's own field and place name it, not a matter ("曲靖交通那块…").
    own = [w for w in (index.meta("field"), index.meta("place"), _place_stem(index.meta("place"))) if w]
    # (a piece of it from either end, 应急 or 救援 of 应急救援 — not one across its words: 急救 is first aid)
    units = [u for u in units if not any(w.startswith(u) or w.endswith(u) for w in own)]
    return _attached_scope(text, mentions, units, own, lex), units


def _attached_scope(text: str, mentions: list[LevelMention], units: list[str], own: list[str],
                    lex: Lexicon) -> list[LevelMention]:
    """"市级专利导航项目 资金拨到县区去执行": of two levels said as scope, neither a doer by its own verb nor joined
    to the other, the one standing right before the matter's words ("市级专利导航") is whose work it is; the
    other is where money or people go, not a second scope."""
    scopes = [m for m in mentions if m.level and not m.claim]
    if len({m.level for m in scopes}) < 2 or any(m.phrase for m in scopes):
        return mentions

    def attached(m: LevelMention) -> bool:
        rest = re.sub(r"^(级|性|本级)?(的)?", "", text[text.find(m.surface) + len(m.surface):])
        for w in own:   # past the plan's field word ("市里的知识产权运营平台")
            rest = rest[len(w):] if rest.startswith(w) else rest
        return any(rest.startswith(u) for u in units)
    joined = lex.grammar["level_roles"]["joined"]   # ("市里和县里的…": two levels joined stay both)

    def between(a: LevelMention, b: LevelMention) -> str:
        return text[text.find(a.surface) + len(a.surface):text.find(b.surface)]
    levels = {m.level for m in scopes if attached(m)}
    if len(levels) != 1 or any(len(between(a, b)) <= 1 and joined.match(between(a, b))
                               for a in scopes for b in scopes if text.find(a.surface) < text.find(b.surface)):
        return mentions
    return [m for m in mentions if not (m in scopes and m.level not in levels)]


def analyze(question: str, indexes: list[DocIndex], lex: Lexicon, tok: Tokenizer,
            catalog: Catalog | None = None, prepared: tuple[str, bool, str] | None = None,
            taught=None) -> Analysis:
    """Analyse a question against the plans in `indexes` (the candidates; the catalog knows them all).
    `prepared`: `question_text(question, lex)` when the caller has it already. `taught`: the help desk's
    teachings (`assistant.helpdesk.teach.Taught`) or None; see the hook below."""
    catalog = catalog or build_catalog(indexes)
    text, injection, plain = prepared or question_text(question, lex)
    if catalog.abbreviations:
        text = spell_out(text, catalog.abbreviations, tok, catalog.abbreviation_re)
    g = lex.grammar
    # "五五开" is the split asked about, never a matter's word; nor is a loaded plan's title ("按《…方案》，…").
    titles = {m["title"] for m in catalog.metas}
    said = _without_plan_names(re.sub(r"《([^》]*)》", lambda t: "，" if t.group(1) in titles else t.group(0), text),
                               catalog, g["plan_name_after"])
    said = PAGE_PICKED.sub("，", said)
    ratio = g["ratio_claim"].search(said)
    words = tok.words(said[:ratio.start()] + "，" + said[ratio.end():] if ratio else said)
    # ("市和县一起…": the segmenter's 和县 is 和, which joins levels, and the level 县)
    joins = g["level_roles"]["joined"]
    words = tuple(x for w in words for x in ((w[0], w[1]) if len(w) == 2 and joins.match(w)
                                              and lex.is_level_char(w[1]) else (w,)))
    intents = {name for name, ws in lex.intents.items() if name not in ("yes_no", "follow_up")
               and _contains_any(text, ws)}
    yes_no = bool(_contains_any(text, lex.intents["yes_no"]) or g["yes_no"].search(text)) \
        and not g["yes_no_not"].search(text)
    # "两家厂为外观设计抄没抄吵起来了 …调解这块开支谁出": a V没V told in an earlier clause; the question asks who
    last = _CLAUSE_BREAK.split(text.rstrip("？?！! "))[-1]
    if yes_no and re.search(r"谁|哪级|哪一级", last) and not _contains_any(last, lex.intents["yes_no"]) \
            and not g["yes_no"].search(last):
        yes_no = False
    if re.search(r"(吗|吧)[？?]?$", text):
        yes_no = True
    if "还是" in text and not re.search(r"(吗|吧)[？?]?$", text):
        yes_no = False   # "由市还是县区承担？" asks which, not whether
    follow_up = bool(g["follow_up"].search(text)) or "quote" in intents   # "出自第几条" asks about the last answer
    fact = next((key for key, spec in lex.facts.items() if matches_any(text, spec["patterns"])), None)
    # "县里出台扶持办法，起草和落实的钱谁出": who pays for the work, not who drafted the plan
    if fact and "payer" in intents and lex.facts[fact].get("not_with_payer"):
        fact = None
    all_aliases = catalog.aliases
    domain_words = catalog.domain_words(lex)
    # A place of the national list that no loaded plan's area is, contains or lies in.
    places = load_gazetteer().scan(text)
    other_place = next((text[s:e] for s, e, codes in places if catalog.areas and not catalog.related_place(codes)),
                       None)
    fields_named = [f for f in lex.fields if f + "领域" in text]
    other_field = None
    for f in lex.fields:
        if re.search(re.escape(f) + r"(领域|方面的财政事权|行业)", text) and f not in catalog.fields:
            other_field = f
            break
    other_field_words = catalog.other_domain_words(lex)
    hints = _contains_any(text, lex.out_of_scope_hints) + _one_of(other_field_words).findall(text)
    given = g["given"].search(text)
    asked = text[:given.start()] + text[given.end():] if given else text   # claims are read here

    analysis = Analysis(
        question=question, text=text, units=[], intents=intents, yes_no=yes_no, fact=fact,
        joint_claim=("authority" if g["joint_claim_authority"].search(asked)
                     else "payment" if g["joint_claim_payment"].search(asked)
                     else "separate" if g["separate_claim_payment"].search(asked) else None),
        principle_claim=("属地原则" if "属地" in text else "隶属关系" if "隶属" in text else None),
        injection=injection,
        # A hint word that a loaded plan itself uses ("公路" in a transport plan) is no hint; another
        # ("义务教育" beside the 学校 of 高等学校) still is.
        out_of_scope_hint=any(h not in catalog.doc_words and h not in domain_words for h in hints),
        off_topic=matches_any(text, lex.off_topic),
        own_costs=matches_any(text, lex.own_costs),
        # (a field word inside a rule the user offers, "按地理标志运用促进那条", says nothing of the work asked about)
        # (in the user's own words too: "知识产权课" read as 宣传教育 still says 知识产权)
        domain=any(_contains_any(g["matter_claim"].sub("，", t), domain_words) for t in (text, plain)),
        other_place=other_place,
        other_field=other_field,
        follow_up=follow_up, fields_named=fields_named, plain=plain,
        joint_scope=bool(g["joint_scope"].search(asked)), plans=tuple(catalog.metas),
        ratio=_ratio(ratio),
    )
    unknown = _unknown_runs(words, text, lex)   # (the same for every plan)
    for index in indexes:
        mentions, units = matter_span(text, words, index, lex, all_aliases, places, catalog.term_docs)
        # "战略规划": two words of different matters (知识产权战略, 知识产权规划) the segmenter ran together, that no
        # matter's name says as one, are two (not "正版软件": one matter holds both halves, 软件正版化, and the
        # whole then names something else)
        units = [p for u in units for p in ((u[:2], u[2:]) if len(u) == 4 and _two_matters_words(u, index)
                                            else (u,))]
        own = [w for w in (index.meta("field"), index.meta("place"), _place_stem(index.meta("place"))) if w]
        terms = [t for t in tok.terms(text) if t not in lex.stopwords and len(t) >= 2 and t not in own]
        # The help desk's hook: a phrasing taught for this plan (its matter span, with nothing else in the
        # question that names something) is read as the matter it was linked to — a match like any other,
        # whose verdict decide() takes from the rules — or as not listed. Otherwise it is None.
        reading = taught.read(index, units, mentions, text, lambda u: _significant(u, index, lex, tok, domain_words)) \
            if taught is not None else None
        if reading is not None:
            matches, unexplained, weights, mentions = reading.matches, reading.unexplained, reading.weights, \
                reading.mentions
        else:
            matches, unexplained, weights = match_matters(units, index, lex, tok, terms, text)
        serial = re.search(r"第\s*(\d+)\s*项|序号\s*(\d+)", text)
        if serial and not matches and reading is None:   # "清单里第9项是什么事项": the table row with that number
            n = int(serial.group(1) or serial.group(2))
            rows = [e for e in index.matters if e.matter.get("serial") == n]
            if rows:
                matches, unexplained = [MatterMatch(e, [], 1.0, True, 0.0) for e in rows], []
                units = [u for u in units if not re.search(r"\d", u)]
        if matches and unexplained and reading is None and _modifies_other(words, matches, unexplained, lex, tok, text):
            matches, unexplained = [], list(units)
        claim = g["matter_claim"].search(text)
        offered = _offered(claim)
        # "…教师队伍建设的培训经费，按人才队伍建设那条算谁的": the work is what is said outside the offered rule
        # (who takes part, "给企业做的…", tells no other work)
        outside = [u for u in units if u not in offered and u not in lex.parties] if offered else []
        if matches and outside:
            # (what names the work outside the offered rule must be a word of a matter's own name, not a
            # generic head noun: "高价值专利培育中心…跟保护中心一样吗" names no listed 中心)
            # (and every word outside it must be a matched matter's: "营业执照登记算不算授权确权那块" is not 作品登记)
            if not any(u in m.covered and u not in lex.head_nouns and u in m.entry.matter["name"]
                       for m in matches for u in outside) \
                    or not all(any(u in m.covered for m in matches) for u in outside if u not in claim.group(0)):
                matches, unexplained = [], list(units)
            else:   # "著作权转让备案跟作品登记一样…": the offered matter is not asked about
                telling = [u for u in outside if not all(u in m.covered for m in matches)]
                matches = [m for m in matches if any(u in m.covered for u in telling)] or matches
        if len(matches) > 1:
            matches = _same_doer(text, mentions, matches, lex)
        if matches and unexplained:
            # "维权援助服务": an activity word right after a matter's whole name is that matter's
            names = [m.entry.matter["name"] for m in matches]
            unexplained = [u for u in unexplained if not (u in lex.activity_suffixes and any(
                n + u in text and not any(n + u in e.matter["name"] for e in index.matters) for n in names))]
        if matches and unexplained:
            matches, unexplained = _qualified(text, words, units, matches, unexplained, index.meta("field"),
                                              domain_words, tok, lex, plain)
        analysis.units = units
        significant = [u for u in unexplained if _significant(u, index, lex, tok, domain_words) or u in other_field_words]
        if matches:
            # "推动高校和科研院所把专利卖给企业…让成果落地": a word only matters whose head the question does not name
            # hold (高等学校 of 高等学校知识产权学科…建设) tells who takes part in the matched work, not another matter
            significant = [u for u in significant if not _participant(u, matches, units, index, lex, tok)]
        # "专利年费减缴": words the segmenter does not know, said right after a matched word, are the head of what is
        # asked (a Chinese name ends in its head), so 专利 alone is not it. (Before it they qualify: "坭兴陶地标".)
        covered = {u for m in matches for u in m.covered}
        for run in unknown:
            at = text.find(run)
            if at > 0 and any(text.endswith(w, 0, at) for w in covered):
                unexplained.append(run)
                significant.append(run)
                weights[run] = max(weights.values(), default=1.0)
        # "12315消费维权服务站": another field's word (vocabulary.yaml domain) in one phrase right before a matched
        # word names that field's thing, not the plan's (units drop numbers, so it is read from the text)
        for hit in (_one_of(other_field_words).finditer(text) if other_field_words and covered else ()):
            ahead = text[hit.end():hit.end() + 12]
            # (a word the segmenter cut as such, not a piece of a longer one, "应急救援", "科研院所": that is what
            # the user says)
            if hit.group(0) in words and hit.group(0) not in unexplained and any(re.match(rf"[^，。？！,.;；:：\s]{{0,4}}?{re.escape(w)}", ahead)
                                                        for w in covered):
                unexplained.append(hit.group(0))
                significant.append(hit.group(0))
                weights[hit.group(0)] = max(weights.values(), default=1.0)
        if reading is not None and reading.not_listed:
            significant = list(unexplained)   # the plan's field, by the help desk's word
        # Another kind of spending ("…奖励"), or another field's work ("经济普查…统计调查"), is never context.
        naming = [u for u in significant if any(w in u for w in lex.distinct_spending) or u in other_field_words]
        # "企业被侵权了没门路，政府给的维权援助服务谁出钱": a clause before the one that names the matter, with
        # no word of it, tells the situation; its words are context, not another matter.
        # (A clause that tells an event, grammar.yaml `situation`; "县区管的美术馆，开放经费…" names the thing.)
        if matches and significant:
            first = min(_clause_of(text, u) for m in matches for u in m.covered)
            told = {i for i, c in enumerate(_CLAUSE_BREAK.split(text))
                    if (i < first and g["situation"].search(c)) or (i != first and g["concession"].search(c))}
            significant = [u for u in significant if u in naming or _clause_of(text, u) not in told]
        area = _unplaced_area(text, index, lex)
        analysis.docs.append(DocAnalysis(index, matches, unexplained, weights, mentions, significant,
                                         _named(text, index, mentions, catalog, g), naming=naming,
                                         taught_not_listed=reading.not_listed if reading is not None else None,
                                         own_level=catalog.size > 1 and any(
                                             m.level and not m.guessed and catalog.alias_docs.get(m.surface) == 1
                                             for m in mentions),
                                         own_place=_own_place(text, index),
                                         unplaced_area=None if _located(text, area, lex) else area,
                                         area_claimed=_area_claimed(text, area, g)))
    # "市本级的服务业监管，是区县出钱？": a claimed level and no question word make a yes/no question.
    # So do a claim of how the levels share it ("专利导航市县各管各的？") or of its principle ("…按隶属关系？").
    if not analysis.yes_no and not re.search(r"(谁|哪|什么|啥|怎么|如何|多少|几|还是)", text) \
            and (any(m.claim for d in analysis.docs for m in d.levels) or analysis.joint_claim
                 or analysis.principle_claim and re.search(r"[？?]$", text)):
        analysis.yes_no = True
    for d in analysis.docs:
        d.list_filter = _list_filter(analysis, d, lex)
    # "省里该出的那20%…": a level word said as a part of a cost (grammar.yaml cost_share, read with the level mentions)
    analysis.cost_share = any(m.names_share for d in analysis.docs for m in d.levels)
    return analysis


def _offered(m: re.Match | None) -> str:
    """The matter a question offers to compare the work with (grammar.yaml matter_claim, any form), or ""."""
    return next((v for k, v in m.groupdict().items() if k.startswith("what") and v), "") if m else ""


def _without_plan_names(text: str, catalog: Catalog, plan_name: re.Pattern) -> str:
    """"国家生态环境方案放射性污染防治…" → "，放射性污染防治…": a plan named by a level word is no matter."""
    ends = [m.end() for m in re.finditer("方案", text)][::-1]
    ordered = catalog.aliases_longest_first() if ends else []
    for end in ends:
        for start in range(max(0, end - 16), end):
            alias = next((a for a in ordered if text.startswith(a, start)), None)
            named = alias and plan_name.match(text[start + len(alias):end])
            if named and start + len(alias) + named.end() == end:
                text = text[:start] + "，" + text[end:]
                break
    return text


def _list_filter(a: Analysis, d: DocAnalysis, lex: Lexicon) -> dict | None:
    """For list questions: which matters to list (by joint authority, principle, category, level).

    A list is answered only when something says what to list, or when the question asks for
    the plan's matters as such; "钦州有什么好玩的" is not a list question.
    """
    flt = _filters(a, d, lex)
    asks_list = "list" in a.intents
    if flt.keys() - {"levels", "categories"}:
        return flt if (asks_list or (not d.matches and not a.yes_no)) else None
    if flt.get("categories") and asks_list:
        return flt
    # ("县区要自己掏钱的事有哪些": what a level pays for; words that name nothing, "我好对照着核", are context)
    if asks_list and re.search(r"(哪些|所有|全部|都有|列出|列举|列一下|清单)", a.text) \
            and (re.search(r"(事项|事权|支出责任|工作|的事|哪些事)", a.text) or "payer" in a.intents) \
            and not d.significant and not d.matches:
        return flt
    return None


_PRINCIPLE_WORDS = {"属地": "属地原则", "隶属": "隶属关系"}


def _filters(a: Analysis, d: DocAnalysis, lex: Lexicon) -> dict:
    flt: dict = {}
    # ("央地共同事权那个方案，城镇职工…": words that name the plan say nothing of what to list)
    said = lex.grammar["plan_named"].sub("", a.text)
    if re.search(r"共同(财政)?事权|共同承担|共担", said):
        flt["joint"] = True
    if re.search(r"共同(承担|负担)(支出责任)?|共担|一起(出|承担)", said):
        flt["joint_payment"] = True   # "…写明由市与县区共同承担支出责任的": the cost itself shared
    for word, principle in _PRINCIPLE_WORDS.items():
        if word in a.text:
            flt["principle"] = principle
    if "list" in a.intents and "办理" in a.text:   # "哪些事项要看是哪级部门办理的"
        flt["principle"] = "办理部门"
    # ("乡镇财政要承担哪些": a level the plan does not have lists nothing, not its county's matters as its own)
    levels = [m.level if not m.inside else "（方案没有的层级）" for m in d.levels if m.level]
    # "县区承担哪些" of a plan whose levels are 县/乡镇: the plan's level that the word covers; a
    # level the plan has nothing like lists nothing (never every level's matters).
    covers = lex.level_covers
    for m in d.levels:
        if m.foreign and not m.level:
            fitting = [lv for lv in d.index.levels if lv in covers.get(m.foreign, ()) or m.foreign in covers.get(lv, ())]
            levels.extend(fitting[:1] if len(fitting) == 1 else ["（方案没有的层级）"])
    if levels:
        flt["levels"] = list(dict.fromkeys(levels))   # (灵山县…县里…县里: one level, said three times)
    categories = []
    categories_of_matters = {m["category"] for m in d.index.rules["matters"]}
    for title, words in d.index.category_words.items():
        if title in categories_of_matters and any(u in words for u in a.units):
            categories.append(title)
    if categories:
        flt["categories"] = categories
    return flt
def _modifies_other(words: tuple[str, ...], matches: list[MatterMatch], unexplained: list[str],
                    lex: Lexicon, tok: Tokenizer, text: str = "") -> bool:
    """"特种设备安全监察": a matter's word between two words no matter explains is part of a
    different phrase, and the question is about that phrase, not the matter. (Not across a space or a
    comma: "…五年规划 编制经费…" ends the phrase at 规划.)"""
    covered = {u for m in matches for u in m.covered}

    def apart(a: str, b: str) -> bool:
        return bool(re.search(re.escape(a) + r"[\s，,；;。？?！!]+" + re.escape(b), text))
    inside = {w for i, w in enumerate(words) if w in covered and 0 < i < len(words) - 1
              and words[i - 1] in unexplained and words[i + 1] in unexplained
              and not apart(words[i - 1], w) and not apart(w, words[i + 1])}
    if not inside:
        return False
    # "参加健康体检的宣传动员经费": the matter is still named by its head outside that phrase.
    return not all(any(names_head(h, [u for u in m.covered if u not in inside], lex, tok) for h in m.entry.heads)
                   for m in matches)


def _qualified(text: str, words: tuple[str, ...], units: list[str], matches: list[MatterMatch], unexplained: list[str],
               field: str | None, domain_words: list[str], tok: Tokenizer, lex: Lexicon,
               plain: str = "") -> tuple[list[MatterMatch], list[str]]:
    """"宪法宣传周的普法" of "知识产权宣传教育和普法", "国有产权转让备案" of "著作权许可和转让备案": where a
    matter's name qualifies its work (the field, "知识产权…", or words before the words the question
    matched, "著作权许可和…") and the question says none of that but puts another word no matter explains
    right before the matter's words (or before 的 and them), that word names another kind ("宪法…普法",
    "政务外网的网络安全", "国有产权…"), so the matter is not what is asked. A word of the field ("侵权风险
    预警") specialises rather than contrasts; a dropped matter's words are unexplained in turn, and may
    qualify the next."""
    kept, loose = list(matches), {u for u in unexplained if u not in domain_words}
    consumed = plain and any(len(w) >= 2 and w in plain and w not in text for w in domain_words)
    changed = True
    while changed:
        changed = False
        for m in kept:
            name = lex.canonicalize(m.entry.matter["name"])
            first = min((name.find(w) for w in m.covered if w in name), default=-1)
            # the kinds of the field the name puts first (著作权), unless the question names a kind itself (县道);
            # where the name has such a kind, a field word it holds after it (许可 of 著作权许可…) names none
            # (食品经营许可备案 is another kind's)
            own = [w for w in tok.terms(name[:max(first, 0)]) if w in domain_words]
            names_kind = [u for u in units if u in domain_words and u not in loose and (u not in name or not own)]
            own = [] if names_kind else own
            qualifiers = ([field] if field and field in name else []) + own
            # "12315消费维权中心" of 快速维权中心建设: a body's name the user shortened (vocabulary.yaml synonyms,
            # 维权中心) drops its own qualifier (快速); another word right before it names another body.
            shortened = any(_shortened(u, plain, lex) and (at := words.index(u) if u in words else 0) > 0
                            and words[at - 1] in loose and words[at - 1] not in m.covered
                            and re.search(r"[\u4e00-\u9fff]", words[at - 1]) for u in m.covered)
            # (said in the user's own words too: "知识产权专员" read as 人才队伍建设 still says 知识产权)
            # ("企业专利质押": the field's kind is named)
            # (nor where a variant read canonical took the field's word with it: "打击…侵权假冒" read 执法 said 侵权)
            unqualified = qualifiers and not any(q in text or q in plain for q in qualifiers) \
                and not any(w in names_kind for w in m.covered) and not consumed
            if shortened or (unqualified and _another_kind_before(m, name, qualifiers, words, loose, text, lex)):
                kept.remove(m)
                loose |= set(m.covered) - {u for k in kept for u in k.covered}
                changed = True
                break
    left = set(unexplained) | (loose - set(domain_words))
    return kept, [u for u in units if u in left]


def _another_kind_before(m: MatterMatch, name: str, qualifiers: list[str], words: tuple[str, ...],
                         loose: set[str], text: str, lex: Lexicon) -> bool:
    """Does a word no matter explains stand right before one of the matter's words, in one phrase with it
    ("国外…文艺演出|交流" of 与外国…知识产权合作交流: where the name has its own qualifier)?"""
    for at in [i for i, w in enumerate(words) if w in m.covered and i]:
        # the word before, past 的 and single characters ("政务|外|网|的|网络安全")
        # (a word of letters, "zhichan" that pinyin could not read, names no kind)
        before = [w for w in words[:at] if len(w) > 1 and w != "的"]
        prev = before[-1] if before and re.search(r"[\u4e00-\u9fff]", before[-1]) else None
        # (not a word between two of its words, "评价|打分|考核": inside the phrase that names it — unless
        # the name has its qualifier there, "边境|禁毒|执法合作" of 边境国家…知识产权执法合作交流)
        if prev is None or prev not in loose or prev in m.covered \
                or (len(before) > 1 and before[-2] in m.covered
                    and not any(q in _between(name, before[-2], words[at]) for q in qualifiers)):
            continue
        start = text.find(prev)
        # ("村里那些报灾情的信息员": the clause describes the thing with a demonstrative, grammar.yaml described)
        clause = re.split(r"[，。？！,.;；:：\s]", text[:start])[-1]
        # (only before the word: "办不动产证用的那套登记信息系统" names what kind, then points at it)
        if lex.grammar["described"].search(clause):
            continue
        if not re.search(r"[，。？！,.;；:：\s]", text[start + len(prev):text.find(words[at], start)]):
            return True
    return False


def _between(name: str, a: str, b: str) -> str:
    """What a name says between two of its words ("" where it does not hold both in that order)."""
    i = name.find(a)
    j = name.find(b, i + len(a)) if i >= 0 else -1
    return name[i + len(a):j] if j >= 0 else ""


def _shortened(term: str, plain: str, lex: Lexicon) -> bool:
    """Did the user say a canonical term that names a body or facility by a generic head noun (中心, 平台, 站点:
    vocabulary.yaml body_heads) only by a shorter form of its own (维权中心 of 快速维权中心)?"""
    return term not in plain and any(v in term and v in plain and any(v.endswith(h) for h in lex.body_heads)
                                     for v in lex.synonyms.get(term, ()))


_place_stem = place_stem


# "按文档n01，…": the option that picks one of two pages of a plan (decide.py _distinct writes it); no words of the question
PAGE_PICKED = re.compile(r"^(?:按文档[^，]{1,60}，)+")


def _own_place(text: str, index: DocIndex) -> bool:
    """The question names this document by its 文号, title or own place ("张掖…" for 张掖's plan)."""
    if index.doc.doc_number and index.doc.doc_number in text or index.doc.title in text:
        return True
    if f"文档{index.doc_id}".lower() in text.lower():   # an option to tap between two pages of one plan
        return True
    stem = _place_stem(index.meta("place"))
    return bool(stem and stem in text)


def _named(text: str, index: DocIndex, mentions: list[LevelMention], catalog: Catalog, grammar: dict) -> int:
    """How strongly the question points at this document by itself."""
    if _own_place(text, index):
        return 2
    if any(m.level and m.surface in index.level_places for m in mentions):
        return 2
    # "国家应急救援方案里…", "中央那个方案…": a plan named by a level only it has, as by its place.
    if "方案" in text and any(grammar["plan_name_after"].match(text[m.end():]) for alias in index.level_aliases
                            if alias in text and catalog.alias_docs.get(alias) == 1
                            for m in re.finditer(re.escape(alias), text)):
        return 2
    field = index.meta("field")
    if field and field in text:
        return 1
    # Level words only this document knows ("乡镇", "省级") point at it.
    if catalog.size > 1 and any(m.level and not m.claim and not m.guessed
                                        and catalog.alias_docs.get(m.surface, 0) == 1 for m in mentions):
        return 1
    return 0


def _same_doer(text: str, mentions: list[LevelMention], matches: list[MatterMatch], lex: Lexicon) -> list[MatterMatch]:
    """"市里调拨给县里的物资，运输装卸费…" beside "省级调拨和前置…的物资运输" (市) and "市级调拨县（区）的…物资
    产生的运输…费用" (县区): where the question's level does a verb ("市里调拨") and only some matches name
    that level doing it ("市级调拨"), those are the ones asked about."""
    agree = []
    for m in mentions:
        level = m.level or m.foreign
        if not level or m.claim:
            continue
        at = text.find(m.surface)
        verb = text[at + len(m.surface):at + len(m.surface) + 2] if at >= 0 else ""
        if len(verb) < 2 or not re.fullmatch(r"[\u4e00-\u9fff]{2}", verb):
            continue
        forms = next((lv["names"] for lv in lex.levels if lv["name"] == level), None) or [level]
        doing = [x for x in matches if any(f + verb in x.entry.matter["name"] for f in forms)]
        # (where several do, the one whose name starts with it is that level's own: "省级调拨和前置…" before
        # "市级调拨县（区）的…以及省级调拨直达县（区）的物资…")
        leading = [x for x in doing if any(x.entry.matter["name"].startswith(f + verb) for f in forms)]
        doing = leading if leading and len(leading) < len(doing) else doing
        if doing and len(doing) < len(matches):
            agree = doing
            break
    return agree or matches


# Where one clause of a question ends: a comma or stop, or a space typed for one on a phone.
_CLAUSE_BREAK = re.compile(r"[，,；;。]|(?<=\S)\s+(?=\S)")


def _clause_of(text: str, word: str) -> int:
    """Which clause (between ，；。 or spaces, as typed on a phone) of the question a word is first said in."""
    at = text.find(word)
    return len(_CLAUSE_BREAK.findall(text[:at])) if at >= 0 else 0


def _unplaced_area(text: str, index: DocIndex, lex: Lexicon) -> str | None:
    """"中马钦州产业园区管委会自己搞…", "开在市区的…": an area either level may run, which the plan places at
    no level (a zone it places, "高新区" of "…开发区参照县区执行", is that level's)."""
    placed = [z for z in index.zones if z in text]
    return next((w for w in lex.unplaced_areas if w in text and not any(w in z for z in placed)), None)


def _located(text: str, area: str | None, lex: Lexicon) -> bool:
    """Is the area said as where the work is done ("在园区设点…", grammar.yaml location), not who does it?"""
    return bool(area) and any(b.search(text[:text.find(area)]) for b, _ in lex.grammar["level_roles"]["location"])


def spell_out(text: str, abbreviations: dict[str, str], tok: Tokenizer, pattern: re.Pattern | None = None) -> str:
    """"基本公卫" → 基本公共卫生: a loaded plan's words shortened (catalog.abbreviations), where the short
    form stands on its own in the segmentation ("大学知识产权" holds 学知 across two words: not one)."""
    pattern = pattern or re.compile("|".join(map(re.escape, abbreviations)))
    # (every short form is two characters: a search at each offset finds overlapping ones too)
    found = [m for i in range(len(text) - 1) if (m := pattern.match(text, i))]
    if not found:
        return text
    bounds, at = {0}, 0
    for piece in tok.pieces(text):
        at += len(piece)
        bounds.add(at)
    kept, end = [], 0
    for m in found:   # (in order; never two that overlap)
        if m.start() in bounds and m.end() in bounds and m.start() >= end:
            kept.append(m)
            end = m.end()
    for m in reversed(kept):
        text = text[:m.start()] + abbreviations[m.group(0)] + text[m.end():]
    return text


def _area_claimed(text: str, area: str | None, g: dict) -> bool:
    """Is the unplaced area said as the payer asked about ("那高新区要不要出建设钱")? (Its last mention.)"""
    if not area:
        return False
    at = text.rfind(area)
    return _role(text, at, at + len(area), {}, g)[0]


def _two_matters_words(unit: str, index: DocIndex) -> bool:
    """Are a four-character word's halves in different matters' names, and is the whole in none?"""
    names = [e.matter["name"] for e in index.matters]
    left = {n for n in names if unit[:2] in n}
    right = {n for n in names if unit[2:] in n}
    return bool(left and right and not left & right and not any(unit in n for n in names))


def _participant(unit: str, matches: list[MatterMatch], units: list[str], index: DocIndex, lex: Lexicon,
                 tok: Tokenizer) -> bool:
    """Is a left-over word one who takes part (vocabulary.yaml parties), held by no matter or only by matters
    other than the matched ones, none of which the question names by its head?"""
    if unit not in lex.parties:
        return False
    taken = {id(m.entry) for m in matches}
    others = [index.matters[i] for i in covering(unit, index, lex, tok)]
    return all(id(e) not in taken and not any(names_head(h, units, lex, tok) for h in e.heads) for e in others)


def _significant(unit: str, index: DocIndex, lex: Lexicon, tok: Tokenizer, domain_words: list[str]) -> bool:
    """Does an unexplained word name something (of the field, of the plan, a kind of spending)?

    Words that are none of these ("打算", "重点企业", "场地") are the user's context, not a
    different matter, and do not stop a matter the question names from being answered.
    """
    if unit in domain_words or any(w in unit for w in lex.distinct_spending):
        return True
    if covering(unit, index, lex, tok):
        return True
    return any(d in unit for d in domain_words if len(d) >= 2)


