"""BM25 candidates over a document's matters and paragraphs, and the term coverage that decides.

BM25 ranks; it never decides. Coverage does: a matter is a match only when the question's
content words are accounted for by the matter's own words (or their listed broader terms),
so "知识产权保险" never borrows the verdict of "知识产权质押融资".
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from assistant.document.parse import Block, Document
from assistant.language.gazetteer import area_places, load_gazetteer, short_name
from assistant.language.lexicon import Lexicon, load_lexicon
from assistant.language.tokenize import Tokenizer


class BM25:
    """BM25Plus over pre-tokenized units, scored through postings; stable ties.

    rank_bm25's BM25Plus (its IDF never reaches 0, unlike Okapi's on small corpora) fits the
    model; scoring walks only the units that contain a query term. BM25Plus gives every unit the
    same δ·Σidf for the query's terms; `top` returns the scores without that constant, which
    leaves the ranking unchanged and makes "no query term here" a score of 0.
    """

    def __init__(self, units: list[list[str]]) -> None:
        from rank_bm25 import BM25Plus   # numpy and rank_bm25 only when an index is built, not on a cached start

        self.size = len(units)
        model = BM25Plus([list(u) for u in units] if units else [[""]])
        # Plain floats: a cached index then unpickles without numpy.
        self.idf = {term: float(v) for term, v in model.idf.items()}
        k1, b = float(model.k1), float(model.b)
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for i, freqs in enumerate(model.doc_freqs[: self.size]):
            norm = k1 * (1 - b + b * float(model.doc_len[i]) / float(model.avgdl))
            for term, tf in freqs.items():
                self.postings.setdefault(term, []).append((i, float(tf * (k1 + 1) / (norm + tf))))

    def scores(self, query: list[str]) -> dict[int, float]:
        out: dict[int, float] = {}
        for term in query:
            idf = self.idf.get(term)
            for i, part in self.postings.get(term, ()):
                out[i] = out.get(i, 0.0) + idf * part
        return out

    def top(self, query: list[str], k: int = 10) -> list[tuple[int, float]]:
        ranked = sorted(self.scores(query).items(), key=lambda p: (-round(p[1], 9), p[0]))
        return ranked[:k]


@dataclass
class MatterEntry:
    matter: dict
    vocab: set[str]            # words of its name, the enumeration it came from, aliases and shares
    heads: list[str]
    text: str
    name_vocab: set[str] = field(default_factory=set)   # words of its own name only
    context: set[str] = field(default_factory=set)      # words of its sentences and its heading


@dataclass
class DocIndex:
    doc: Document
    rules: dict
    levels: list[str]
    level_aliases: dict[str, str]
    foreign_aliases: dict[str, str]
    level_places: dict[str, str]
    matters: list[MatterEntry]
    matter_bm25: BM25
    paragraphs: list[Block]
    paragraph_vocab: list[set[str]]
    paragraph_bm25: BM25
    vocab: set[str] = field(default_factory=set)
    doc_words: set[str] = field(default_factory=set)
    category_words: dict[str, set[str]] = field(default_factory=dict)   # heading → its content words
    cover_cache: dict[str, frozenset[int]] = field(default_factory=dict, repr=False)
    area: tuple[str, ...] = ()   # division codes of the plan's place (data/divisions.tsv)
    zones: dict[str, dict] = field(default_factory=dict)   # what users call an area placed at a level → its rule

    @property
    def doc_id(self) -> str:
        return self.doc.doc_id

    def meta(self, key: str):
        fact = self.doc.meta.get(key)   # one fact is a dict; upper_documents is a list of them (no one value)
        return fact.get("value") if isinstance(fact, dict) else None

    def label_of(self, level: str) -> str:
        for lv in self.rules.get("levels", []):
            if lv["name"] == level:
                return lv["label"]
        return level


_HEAD_NOUNS = {"体系", "机制", "平台", "中心", "制度", "服务", "设施", "能力", "队伍", "网络", "系统", "项目", "基地",
               "站点", "中心站", "工程", "规划", "标准", "政策"}


_ACTIONS = {"建设", "运行", "维护", "运行维护", "管理", "运营", "养护", "改造", "维修", "修缮", "更新", "购置", "与", "和",
            "及", "建设与运行维护", "建设和运行"}


def _heads(name: str, tok: Tokenizer, lex: Lexicon, clauses: tuple[str, ...] = (),
           own: frozenset[str] = frozenset()) -> list[str]:
    """The last content word of each listed piece of a matter's name ("规划、政策" → 规划, 政策).
    `own`: the plan's field and place words, which name every matter of the plan and so none."""
    heads = []
    stop = lex.stopwords | own
    # "与港澳台开展…合作交流": the partner names the matter as much as its last word does.
    partner = re.match(r"^与(.+?)(开展|进行)", name)
    if partner:
        words = [w for w in tok.words(lex.canonicalize(partner.group(1))) if w not in stop and len(w) >= 2]
        heads.extend(words[:1])
    # "农村公路（县道、乡道、村道）的建设": the name without its brackets, and what they list
    canonical = lex.canonicalize(name)
    plain = re.sub(r"（[^）]*）|\([^)]*\)", "", canonical)
    inside = "、".join(re.findall(r"（([^）]*)）|\(([^)]*)\)", canonical) and
                       [a or b for a, b in re.findall(r"（([^）]*)）|\(([^)]*)\)", canonical)])
    # "…，所需宣传动员等工作经费由乡镇承担": what a branch clause says a level pays for names it too
    for clause in clauses:
        m = re.search(r"(?:所需|的)?([^，。；所需的]{2,12}?)等?(?:工作)?(?:经费|费用|资金)由", lex.canonicalize(clause))
        if m:
            words = [w for w in tok.words(m.group(1)) if w not in stop and len(w) >= 2]
            heads.extend(words[-1:])
    for piece in re.split(r"[、，]|和|及|或", plain + ("、" + inside if inside else "")):
        # "…监测站点的建设与运行维护": what is built and run names the matter, not the verbs.
        obj, _, after = piece.rpartition("的")
        if obj and after and all(w in _ACTIONS for w in tok.words(after)):
            words = [w for w in tok.words(obj) if w not in stop and len(w) >= 2]
            heads.extend(words[-1:])
        words = [w.lstrip("的") for w in tok.words(piece)]
        words = [w for w in words if w not in stop and len(w) >= 2]
        # "分站等分支机构": what comes before 等 is listed by name too
        before = piece.split("等")[0] if "等" in piece[1:] else ""
        listed = [w for w in tok.words(before) if w not in stop and len(w) >= 2] if before else []
        heads.extend(listed[-1:])
        if words:
            heads.append(words[-1])
            # Two two-character words are a coordinate pair ("执法司法", "宣传教育"): either names it —
            # unless the second is a head noun the first modifies ("保护体系", "运营平台").
            if len(words) == 2 and len(words[0]) == len(words[1]) == 2 and words[1] not in _HEAD_NOUNS:
                heads.append(words[0])
    return list(dict.fromkeys(heads)) or [name]


def matter_words(matter: dict) -> list[str]:
    """Words of a matter worth keeping whole in segmentation."""
    out = [matter["name"]] + list(matter.get("aliases") or [])
    for piece in re.split(r"[、，（）()和及]", matter["name"]):
        out.append(piece)
    # Long names stay out: as one token they would hide the words users actually type.
    return [w for w in out if 2 <= len(w) <= 6]


def homophone_words(ix: "DocIndex") -> set[str]:
    """The words a typo in a question about this plan may stand for: its matters' words, level
    words and places (computed once per plan)."""
    cached = ix.__dict__.get("_homophone_words")
    if cached is None:
        cached = set(ix.level_aliases) | set(ix.level_places)
        for e in ix.matters:
            cached |= e.name_vocab | set(matter_words(e.matter))
        ix.__dict__["_homophone_words"] = cached
    return cached


def zone_aliases(name: str, place: str | None, lex: Lexicon) -> list[str]:
    """"曲靖经济技术开发区" → also 经济技术开发区, 曲靖经开区, 经开区 (abbreviations in places.yaml)."""
    names = [name]
    stem = place_stem(place)
    for prefix in (place, stem):
        if prefix and name.startswith(prefix) and len(name) - len(prefix) >= 3:
            names.append(name[len(prefix):])
    for full, short in (lex.zone_abbreviations or {}).items():
        names += [n.replace(full, short) for n in names if full in n]
    return list(dict.fromkeys(names))


def build_index(doc: Document, rules: dict, lex: Lexicon, tok: Tokenizer) -> DocIndex:
    levels = [lv["name"] for lv in rules.get("levels", [])]
    place = (doc.meta.get("place") or {}).get("value")
    level_places: dict[str, str] = {}
    for name, spec in lex.places.items():
        if place and (name == place or name.startswith(place) or place.startswith(name)):
            for level, names in (spec.get("level_places") or {}).items():
                for n in names:
                    if level in levels:
                        level_places[n] = level
    # The plan's counties (or cities) by the national list; places.yaml above takes precedence.
    gaz = load_gazetteer()
    area = tuple(gaz.locate(place, (doc.meta.get("issuer") or {}).get("value") or doc.title or ""))
    for alias, level in area_places(gaz, list(area), levels).items():
        level_places.setdefault(alias, level)
    zones: dict[str, dict] = {}
    for zone in rules.get("zones") or []:
        for alias in zone_aliases(zone["name"], place, lex):
            zones.setdefault(alias, zone)
            level_places.setdefault(alias, zone["level"])
    field_word = (doc.meta.get("field") or {}).get("value")
    own = frozenset(w for w in (field_word, place, place_stem(place)) if w)
    entries = []
    for matter in rules.get("matters", []):
        shares = [o["shares"] for o in matter["outcomes"] if isinstance(o.get("shares"), str)]
        shares += [o["clause"] for o in matter["outcomes"] if o.get("clause")]
        text = lex.canonicalize("，".join([matter["name"], *matter.get("written", []), *(matter.get("aliases") or []),
                                         *shares]))
        vocab = set(tok.terms(text)) | set(tok.words(text))
        name = lex.canonicalize(matter["name"])
        clauses = tuple(o["clause"] for o in matter["outcomes"] if o.get("clause"))
        raw = "，".join(dict.fromkeys([matter.get("category") or "", *(o["quote"] for o in matter["outcomes"])]))
        said = raw + "，" + lex.canonicalize(raw)   # as written too: "运营补助" stays a 补助
        entries.append(MatterEntry(matter, vocab, _heads(matter["name"], tok, lex, clauses, own), text,
                                   set(tok.terms(name)) | set(tok.words(name)),
                                   vocab | set(tok.terms(said)) | set(tok.words(said))))
    paragraphs = [b for b in doc.blocks if b.kind != "heading"]
    pvocab = [set(tok.terms(lex.canonicalize(b.folded))) for b in paragraphs]
    index = DocIndex(
        doc=doc, rules=rules, levels=levels,
        level_aliases=lex.user_level_aliases(levels), foreign_aliases=lex.foreign_level_aliases(levels),
        level_places=level_places, matters=entries,
        matter_bm25=BM25([sorted(e.vocab) for e in entries]),
        paragraphs=paragraphs, paragraph_vocab=pvocab,
        paragraph_bm25=BM25([tok.terms(lex.canonicalize(b.folded)) for b in paragraphs]),
        area=area, zones=zones,
    )
    index.vocab = set().union(*(e.vocab for e in entries)) if entries else set()
    index.doc_words = set().union(*pvocab) if pvocab else set()
    for block in doc.blocks:
        if block.kind == "heading":
            title = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]?", "", block.text)
            index.category_words[block.text] = {w for w in tok.terms(title)
                                                if w not in lex.stopwords and w not in own and len(w) >= 2}
    return index


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
    if any(h in vocab for h in lex.hypernyms.get(unit, ())):
        return True
    if len(unit) >= 2 and any(unit in v or _abbreviated_at(unit, v) >= 0 for v in vocab if len(v) > len(unit)):
        return True
    parts = [p for p in tok.terms(unit) if len(p) >= 2 and p != unit]
    content = [p for p in parts if p not in lex.stopwords and p not in lex.intent_words]
    return bool(content) and all(p in vocab or any(h in vocab for h in lex.hypernyms.get(p, ())) for p in content) \
        and sum(len(p) for p in parts) >= len(unit)


def covering(unit: str, index: DocIndex, lex: Lexicon, tok: Tokenizer) -> frozenset[int]:
    """Indices of the matters whose words account for a question word (memoized per document)."""
    found = index.cover_cache.get(unit)
    if found is None:
        found = frozenset(i for i, e in enumerate(index.matters) if covers(unit, e.vocab, lex, tok))
        if len(index.cover_cache) < 100_000:
            index.cover_cache[unit] = found
    return found


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
    # A whole name kept as one token still ends in a generic word ("通用机场建设").
    for tail in ("建设", "工作", "管理", "事项"):
        if core.endswith(tail) and len(core) - len(tail) >= 2:
            core = core[: -len(tail)]
            break
    return core if len(core) >= 2 else "\uffff"


def names_head(head: str, units: list[str], lex: Lexicon, tok: Tokenizer) -> bool:
    """Does the question name the matter's head word, not just a fragment of it?"""
    if len(units) == 1 and units[0] in _HEAD_NOUNS:
        return False   # a generic head noun alone ("那个中心", "市县的系统呢") names no one matter
    for u in units:
        # A fragment counts only as the head's own right end ("导航" of "专利导航", not "专利").
        if u == head or head in u or (head.endswith(u) and 2 * len(u) >= len(head)):
            return True
        if head in lex.hypernyms.get(u, ()):
            return True
    parts = [p for p in tok.terms(head) if len(p) >= 2 and p != head and p not in lex.stopwords]
    return bool(parts) and all(any(p == u or p in u for u in units) for p in parts) or _spelled(head, units)


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
    candidates = []
    for i, score in index.matter_bm25.top(terms + units, k=12):
        entry = index.matters[i]
        covered = [u for u in units if i in covering(u, index, lex, tok)]
        if not covered:
            continue
        head = any(names_head(h, said, lex, tok) or (_head_core(h, lex, tok) in text
                                                     and _head_core(h, lex, tok) not in _HEAD_NOUNS)
                   for h in entry.heads)
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
        if accepted and gain and not same_as_best and not any(_name_df(u, index, lex, tok) <= 1 for u in gain) \
                and not any(len(_head_core(h, lex, tok)) >= 3 and _head_core(h, lex, tok) in text
                            for h in cand.entry.heads) \
                and _quoted_piece(cand.entry, text, lex) is None:
            continue
        if gain or same_as_best:
            accepted.append(cand)
            explained.update(cand.covered)
    accepted = _prefer_named(accepted, units, tok, lex, text)
    # Of matters explaining the same words, the one whose whole name the question says ("自然灾害
    # 调查评估" beside 特别重大自然灾害调查评估 and 其他事故调查处理) is the one asked about: both sides hold.
    whole = [m for m in accepted if len(m.covered) >= 2 and _fully_named(m, units, tok, lex)]
    verdicts = {frozenset(o["payer"] for o in m.entry.matter["outcomes"]) for m in accepted}
    if len(whole) == 1 and len(verdicts) > 1 and all(set(m.covered) <= set(whole[0].covered) for m in accepted):
        accepted = whole
    accepted += _level_versions(accepted, candidates, text, lex)
    unexplained = [u for u in units if u not in explained]
    # Words many matters share ("监管", "保护") name none of them: with other words left over
    # ("共享单车的监管"), the question is about something else.
    # A word that only one matter has, in its name or in what its sentence says it pays for
    # ("宣传动员…经费由乡镇承担"), does name it.
    if accepted and unexplained and not any(_name_df(u, index, lex, tok) <= 1 or len(covering(u, index, lex, tok)) == 1
                                            for m in accepted for u in m.covered) \
            and not (len(whole) == 1 and accepted[0] is whole[0]) \
            and not any(len(_head_core(h, lex, tok)) >= 3
                        and (_head_core(h, lex, tok) in text or (len(accepted) == 1 and _spelled(h, m.covered)))
                        for m in accepted for h in m.entry.heads):
        return [], list(units), weights
    return accepted, unexplained, weights


def _contradicts(text: str, entry: MatterEntry, lex: Lexicon) -> bool:
    """Does the question qualify the work the opposite way from the matter's own name ("外国作者的
    作品登记" against 国内作者…作品登记)? Qualifier groups are data (vocabulary.yaml `contrasts`)."""
    name = entry.matter["name"]
    for group in lex.contrasts:
        own = [w for w in group if w in name]
        # Only where the question names none of the matter's own qualifiers ("专利导航和商标品牌
        # 指导站" names both kinds of right and so contradicts neither).
        if own and not any(o in text for o in own) \
                and any(w in text and not any(w in o or o in w for o in own) for w in group):
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
                  text: str = "") -> list["MatterMatch"]:
    """Of matters that explain the very same words but disagree on who pays, keep the ones the
    question names in full ("铁路项目资本金" → 项目资本金, not the whole "资本金和征地拆迁")."""
    if len(accepted) < 2:
        return accepted
    first = set(accepted[0].covered)
    tied = [m for m in accepted if set(m.covered) == first]
    payers = {frozenset(o["payer"] for o in m.entry.matter["outcomes"]) for m in tied}
    if len(payers) < 2:
        return accepted

    named = [m for m in tied if _fully_named(m, units, tok, lex)]
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


@dataclass
class Catalog:
    """What the whole loaded corpus knows, to pick the plans a question is about before reading
    them. It holds no plan's index, so it loads fast whatever the number of plans."""
    metas: list[dict]                 # per plan: doc_id, title, doc_number, issuer, dates, field, place
    aliases: set[str]                 # every level word and place name of any plan
    alias_docs: dict[str, int]        # how many plans know each of them
    fields: set[str]
    places: list[str]
    doc_words: set[str]
    names: list[tuple[str, int]]      # (文号, place stem or county name, plan) — words that name one plan
    term_docs: dict[str, list[int]]   # a matter's word → the plans that have it
    field_docs: dict[str, set[int]]

    name_docs: dict[str, set[int]] = field(default_factory=dict)   # the same names, for lookup
    areas: set[str] = field(default_factory=set)                  # division codes of the plans' places
    above_areas: set[str] = field(default_factory=set)            # and the divisions above them
    longest_name: int = 0

    @property
    def size(self) -> int:
        return len(self.metas)

    def domain_words(self, lex: Lexicon) -> list[str]:
        """The field words of the plans loaded (computed once per catalog)."""
        cached = self.__dict__.get("_domain_words")
        if cached is None:
            cached = self.__dict__["_domain_words"] = lex.domain_words(
                {m["field"] for m in self.metas if m.get("field")})
        return cached

    def other_domain_words(self, lex: Lexicon) -> list[str]:
        """The field words of fields no loaded plan is about ("公租房" beside an IP plan): a question made
        of them is out of scope, not a matter the plan leaves unlisted."""
        cached = self.__dict__.get("_other_domain_words")
        if cached is None:
            loaded = set(self.domain_words(lex))
            cached = self.__dict__["_other_domain_words"] = sorted(
                {w for ws in lex.domain.values() for w in ws} - loaded)
        return cached

    def named_in(self, text: str) -> set[int]:
        """The plans a question names, by looking its substrings up (not scanning every name:
        with a thousand plans there are a hundred thousand names)."""
        out: set[int] = set()
        for start in range(len(text)):
            for end in range(start + 2, min(len(text), start + self.longest_name) + 1):
                out |= self.name_docs.get(text[start:end], set())
        return out

    def related_place(self, codes: tuple[str, ...]) -> bool:
        """Is a named place one of the loaded plans' places, inside one, or above one?"""
        gaz = load_gazetteer()
        return any(c in self.areas or c in self.above_areas or any(a in self.areas for a in gaz.ancestors(c))
                   for c in codes)

    def candidates(self, words: tuple[str, ...], text: str, always: list[int], limit: int = 4) -> list[int]:
        """The plans worth reading for a question: those it names, else the always-read ones (the
        default plan, the previous turn's) and the few whose matters share most of its words —
        among the plans of a field the question names, when it names one."""
        named = sorted(self.named_in(text))
        if named:
            return named
        fields = [f for f in self.field_docs if f in text]
        pool = set().union(*(self.field_docs[f] for f in fields)) if fields else None
        scores: dict[int, float] = {}
        for w in set(words):
            docs = self.term_docs.get(w)
            if docs:
                for i in docs:
                    if pool is None or i in pool:
                        scores[i] = scores.get(i, 0.0) + 1.0 / math.log(2 + len(docs))
        best = sorted(scores, key=lambda i: (-scores[i], i))[:limit]
        if pool and not best:
            best = sorted(pool)[:limit]
        return sorted(set(always) | set(best))


def plan_meta(ix: DocIndex) -> dict:
    return {"doc_id": ix.doc_id, "title": ix.doc.title, "doc_number": ix.meta("doc_number"),
            "issuer": ix.meta("issuer"), "date_issued": ix.meta("date_issued"),
            "date_effective": ix.meta("date_effective"), "field": ix.meta("field"), "place": ix.meta("place"),
            "matters": len(ix.matters), "area": list(ix.area), "levels": list(ix.levels)}


def place_stem(place: str | None) -> str | None:
    if not place:
        return None
    stem = short_name(place)   # "黔东南苗族侗族自治州" → 黔东南, "黔东南州" → 黔东南
    return stem if len(stem) >= 2 else place


def build_catalog(indexes) -> Catalog:
    alias_docs: dict[str, int] = {}
    names: list[tuple[str, int]] = []
    term_docs: dict[str, list[int]] = {}
    field_docs: dict[str, set[int]] = {}
    doc_words: set[str] = set()
    aliases: set[str] = set()
    metas = []
    own_words = {lv["name"]: set(lv["user"]) | set(lv["names"]) for lv in load_lexicon().levels}
    for i, ix in enumerate(indexes):
        metas.append(plan_meta(ix))
        # Words of a plan's own levels and places: "州里" is the 州 plan's, not a 中央/地方 plan's (there it
        # is only taken in by 地方), so it still points at the one plan with a 州.
        direct = {a for a, lv in ix.level_aliases.items() if a in own_words.get(lv, ())}
        for alias in direct | set(ix.level_places):
            alias_docs[alias] = alias_docs.get(alias, 0) + 1
        aliases |= set(ix.foreign_aliases)
        if ix.doc.doc_number and ix.doc.doc_number != ix.doc_id:
            names.append((ix.doc.doc_number, i))
        stem = place_stem(ix.meta("place"))
        if stem:
            names.append((stem, i))
        names.extend((p, i) for p in ix.level_places)
        for w in ix.vocab:
            term_docs.setdefault(w, []).append(i)
        if ix.meta("field"):
            field_docs.setdefault(ix.meta("field"), set()).add(i)
        doc_words |= ix.doc_words
    name_docs: dict[str, set[int]] = {}
    for name, i in names:
        name_docs.setdefault(name, set()).add(i)
    return Catalog(metas, aliases | set(alias_docs), alias_docs, set(field_docs),
                   [m["place"] for m in metas if m["place"]], doc_words, names, term_docs, field_docs, name_docs,
                   longest_name=max(map(len, name_docs), default=0),
                   areas={c for m in metas for c in m["area"]},
                   above_areas={a for m in metas for c in m["area"] for a in load_gazetteer().ancestors(c)})
