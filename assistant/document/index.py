"""A plan's search index, built once from its compiled rules: BM25 over its matters and paragraphs,
each matter's words and head words, its level words, places and zones."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.document.catalog import place_stem
from assistant.document.parse import Block, Document, heading_title
from assistant.language.gazetteer import area_places, load_gazetteer
from assistant.language.lexicon import Lexicon
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
    topic: set[str] = field(default_factory=set)        # words of its heading and its topic label only


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
    shares: dict[str, MatterEntry] = field(default_factory=dict)   # a matter's name → the share of its cost a level bears

    @property
    def every_matter(self) -> list[MatterEntry]:
        """The matters and the shares of their costs (what a conversation's last answer may have been about)."""
        return self.matters + list(self.shares.values())

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


_ALTERNATE = re.compile(r"([\u4e00-\u9fff]{2,})[（(]([\u4e00-\u9fff]{1,2})[）)]")


def _bracket_alternates(name: str) -> list[str]:
    """The name as its bracketed alternative ending spells it ("文化馆（站）" → 文化站, "科技创新基地（平台）" →
    科技创新平台): a question says one of them."""
    return [name[:m.start()] + m.group(1)[:-len(m.group(2))] + m.group(2) + name[m.end():]
            for m in _ALTERNATE.finditer(name)]


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
        if obj and after and all(w in lex.actions for w in tok.words(after)):
            words = [w for w in tok.words(obj) if w not in stop and len(w) >= 2]
            heads.extend(words[-1:])
        words = [w.lstrip("的") for w in tok.words(piece)]
        words = [w for w in words if w not in stop and len(w) >= 2]
        # "…防治规划制定" is named by 防治规划, "基本公共卫生服务" by 公共卫生
        while len(words) > 1 and (words[-1] in lex.tail_verbs or words[-1] in lex.tail_nouns):
            words.pop()
        # "分站等分支机构": what comes before 等 is listed by name too
        before = piece.split("等")[0] if "等" in piece[1:] else ""
        listed = [w for w in tok.words(before) if w not in stop and len(w) >= 2] if before else []
        heads.extend(listed[-1:])
        if words:
            heads.append(words[-1])
            # Two two-character words are a coordinate pair ("执法司法", "宣传教育"): either names it —
            # unless the second is a head noun the first modifies ("保护体系", "运营平台").
            if len(words) == 2 and len(words[0]) == len(words[1]) == 2 and words[1] not in lex.head_nouns:
                heads.append(words[0])
            # "涉外知识产权纠纷应对|机制": a generic head noun after a long term of its own — the term names it too
            elif len(words) >= 2 and words[-1] in lex.head_nouns and len(words[-2]) >= 4:
                heads.append(words[-2])
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
        # "铁岭" is the plan's own city (铁岭市), not its county 铁岭县 (which keeps its full name)
        if alias not in (place, place_stem(place)):
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
        other = _bracket_alternates(matter["name"])
        text = lex.canonicalize("，".join([matter["name"], *other, *matter.get("written", []),
                                         *(matter.get("aliases") or []), *shares]))
        vocab = set(tok.terms(text)) | set(tok.words(text))
        name = lex.canonicalize("，".join([matter["name"], *other]))
        clauses = tuple(o["clause"] for o in matter["outcomes"] if o.get("clause"))
        raw = "，".join(dict.fromkeys([matter.get("category") or "", matter.get("topic") or "", *(o["quote"] for o in matter["outcomes"])]))
        said = raw + "，" + lex.canonicalize(raw)   # as written too: "运营补助" stays a 补助
        heads = list(dict.fromkeys(h for n in [matter["name"], *other] for h in _heads(n, tok, lex, clauses, own)))
        # (what describing its work tells: "…查处商标侵权的案子" of 执法, vocabulary.yaml work_parts)
        parts = {w for work, ws in lex.work_parts.items() if work in name for w in ws}
        topic = heading_title(matter.get("category") or "") + "，" + (matter.get("topic") or "")
        entries.append(MatterEntry(matter, vocab, heads, text,
                                   set(tok.terms(name)) | set(tok.words(name)),
                                   vocab | set(tok.terms(said)) | set(tok.words(said)) | parts,
                                   {w for w in set(tok.terms(topic)) | set(tok.words(topic))
                                    if not any(w in o for o in own)}))
    # A share of a matter's cost ("生均公用经费（应由我省承担部分）") says the same words as the matter: it is reached
    # through it when a share is asked (decide._share_part), never searched or counted beside it.
    shares = {e.matter["share_of"]: e for e in entries if e.matter.get("share_of")}
    entries = [e for e in entries if not e.matter.get("share_of")]
    paragraphs = [b for b in doc.blocks if b.kind != "heading"]
    pvocab = [set(tok.terms(lex.canonicalize(b.folded))) for b in paragraphs]
    index = DocIndex(
        doc=doc, rules=rules, levels=levels,
        level_aliases=lex.user_level_aliases(levels), foreign_aliases=lex.foreign_level_aliases(levels),
        level_places=level_places, matters=entries,
        matter_bm25=BM25([sorted(e.vocab) for e in entries]),
        paragraphs=paragraphs, paragraph_vocab=pvocab,
        paragraph_bm25=BM25([tok.terms(lex.canonicalize(b.folded)) for b in paragraphs]),
        area=area, zones=zones, shares=shares,
    )
    index.vocab = set().union(*(e.vocab for e in entries)) if entries else set()
    index.doc_words = set().union(*pvocab) if pvocab else set()
    for block in doc.blocks:
        if block.kind == "heading":
            title = heading_title(block.text)
            index.category_words[block.text] = {w for w in tok.terms(title)
                                                if w not in lex.stopwords and w not in own and len(w) >= 2}
    return index
