"""What the whole loaded corpus knows (titles, places, fields, level words), to pick the plans a
question is about before reading them."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.language.gazetteer import load_gazetteer, short_name
from assistant.language.lexicon import Lexicon, load_lexicon
from assistant.language.normalize import to_simplified

if TYPE_CHECKING:
    from assistant.document.index import DocIndex


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
    abbreviations: dict[str, str] = field(default_factory=dict)   # "公卫" → 公共卫生 (see `abbreviations`)

    @property
    def size(self) -> int:
        return len(self.metas)

    @property
    def abbreviation_re(self) -> re.Pattern:
        """The short forms, one search (compiled once per catalog)."""
        cached = self.__dict__.get("_abbreviation_re")
        if cached is None:
            cached = self.__dict__["_abbreviation_re"] = re.compile("|".join(map(re.escape, self.abbreviations)))
        return cached

    def domain_words(self, lex: Lexicon) -> list[str]:
        """The field words of the plans loaded (computed once per catalog)."""
        cached = self.__dict__.get("_domain_words")
        if cached is None:
            cached = self.__dict__["_domain_words"] = lex.domain_words(
                {m["field"] for m in self.metas if m.get("field")})
        return cached

    def aliases_longest_first(self) -> list[str]:
        """Every level word and place, longest first, ties in order (deterministic; computed once)."""
        cached = self.__dict__.get("_aliases_longest_first")
        if cached is None:
            cached = self.__dict__["_aliases_longest_first"] = sorted(self.aliases, key=lambda a: (-len(a), a))
        return cached

    def other_domain_words(self, lex: Lexicon) -> frozenset[str]:
        """The field words of fields no loaded plan is about ("公租房" beside an IP plan): a question made
        of them is out of scope, not a matter the plan leaves unlisted."""
        cached = self.__dict__.get("_other_domain_words")
        if cached is None:
            loaded = set(self.domain_words(lex))
            cached = self.__dict__["_other_domain_words"] = frozenset(
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

    @property
    def national(self) -> bool:
        """Is a plan of the central government loaded (中央/地方: every place in the country is its)? (Once per catalog.)"""
        found = self.__dict__.get("_national")
        if found is None:
            tiers = load_lexicon().level_tier
            found = self.__dict__["_national"] = any(tiers.get(lv, lv) == "中央" for m in self.metas
                                                     for lv in m.get("levels", ()))
        return found

    def related_place(self, codes: tuple[str, ...]) -> bool:
        """Is a named place one of the loaded plans' places, inside one, or above one?"""
        if self.national:
            return True
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
        # (a four-character word a plan's index holds only as its halves, 计划生育 of 计划|生育方面, counts by them)
        words = tuple(words) + tuple(h for w in words if len(w) == 4 and w not in self.term_docs for h in (w[:2], w[2:]))
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
            "matters": len(ix.matters), "area": list(ix.area), "levels": list(ix.levels), "division": division(ix)}


def division(ix: DocIndex) -> list[str]:
    """The levels a plan divides between, as its title says ("庆阳市科技领域市与县区…" → 市, 县区; "…市以下…" →
    市 and every lower level of the plan); all its levels when the title says none. A level its rules only
    mention (庆阳's 中央 and 省, of a joint rule) is no level it divides between."""
    title = to_simplified(ix.doc.title or "").replace("(", "（").replace(")", "）")
    place = ix.meta("place") or ""
    if place and title.startswith(place):
        title = title[len(place):]
    labels = {lv: {lv, ix.label_of(lv)} for lv in ix.levels}
    said = [lv for lv in ix.levels if any(w and w in title for w in labels[lv])]
    rank = load_lexicon().level_rank
    top = min((rank.get(lv, 9) for lv in said), default=9)
    if said and "以下" in title:
        said = [lv for lv in ix.levels if lv in said or rank.get(lv, 9) > top]
    return said or list(ix.levels)


def place_stem(place: str | None) -> str | None:
    if not place:
        return None
    stem = short_name(place)   # "黔东南苗族侗族自治州" → 黔东南, "黔东南州" → 黔东南
    return stem if len(stem) >= 2 else place


def abbreviations(indexes, tok) -> dict[str, str]:
    """"公卫" of 公共卫生, "计生" of 计划生育: the first characters of two two-character words said one after
    the other in a matter's name (a longer word is such words when each two characters of it are one),
    the way a clerk shortens it. Kept only where the pair is no common word of the segmenter's dictionary
    (公文 is not 公共文化; 计生, a rare word, is 计划生育: vocabulary.yaml abbreviation_max_freq), names no
    level, and stands for one phrase only."""
    lex = load_lexicon()
    common = lex.abbreviation_max_freq
    found: dict[str, set[str]] = {}
    for ix in indexes:
        for e in ix.matters:
            words: list[str] = []
            for w in tok.words(e.matter["name"]):
                chunks = [w[i:i + 2] for i in range(0, len(w), 2)]
                words.extend(chunks if len(w) % 2 == 0 and all(tok.known(c) for c in chunks) else [w])
            for first, second in zip(words, words[1:]):
                if len(first) == 2 and len(second) == 2:
                    found.setdefault(first[0] + second[0], set()).add(first + second)
    return {a: next(iter(full)) for a, full in sorted(found.items())
            if len(full) == 1 and tok.frequency(a) < common and a not in lex.stopwords
            and not any(lex.is_level_char(ch) for ch in a)}


def build_catalog(indexes, tok=None) -> Catalog:
    """`tok`: the segmenter the plans were read with; without it no abbreviations are read."""
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
        names.append((f"文档{ix.doc_id}".lower(), i))   # an option that tells two pages of one plan apart
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
                   above_areas={a for m in metas for c in m["area"] for a in load_gazetteer().ancestors(c)},
                   abbreviations=abbreviations(indexes, tok) if tok else {})
