"""The reviewable word lists (assistant/data/*.yaml) loaded into one object."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache

from assistant.config import PACKAGE_DATA
from assistant.config import yaml_load as _yaml_load


def _load(name: str) -> dict:
    return _yaml_load((PACKAGE_DATA / name).read_text(encoding="utf-8")) or {}


@dataclass
class Lexicon:
    synonyms: dict[str, list[str]]
    hypernyms: dict[str, list[str]]
    intents: dict[str, list[str]]
    stopwords: set[str]
    domain: dict[str, list[str]]
    fields: list[str]
    out_of_scope_hints: list[str]
    injection_markers: list[str]
    distinct_spending: list[str]
    instruction_verbs: list[str]
    levels: list[dict]
    not_a_level: list[str]
    places: dict[str, dict]
    facts: dict[str, dict]
    templates: dict[str, str]
    zone_abbreviations: dict[str, str] = field(default_factory=dict)
    field_aliases: dict[str, list[str]] = field(default_factory=dict)
    off_topic: list[str] = field(default_factory=list)
    own_costs: list[str] = field(default_factory=list)   # a person's or an office's own costs ("加班费")
    grammar: dict = field(default_factory=dict)     # grammar.yaml, patterns compiled
    contrasts: list[list[str]] = field(default_factory=list)   # qualifiers that exclude each other
    deniable: list[str] = field(default_factory=list)   # qualifiers a question denies with 不/非 ("不跨界")
    activity_suffixes: list[str] = field(default_factory=list)   # "…服务" after a whole name: the same work
    work_parts: dict[str, list[str]] = field(default_factory=dict)   # a work → what describing it tells (执法: 案子)
    parties: frozenset[str] = frozenset()   # who takes part in a work ("高校", "企业"), never a matter of their own
    head_tails: tuple[str, ...] = ()   # generic work words a name ends in that a question leaves off ("…建设")
    thesaurus: dict[str, list[dict]] = field(default_factory=dict)   # field → reviewed paraphrases
    syllables: dict[str, str] = field(default_factory=dict)   # pinyin of one-character words ("shi" → 市)
    not_places: frozenset[str] = frozenset()   # words with a place suffix that are no place ("景区")
    unplaced_areas: list[str] = field(default_factory=list)   # areas either level may run ("园区", "市区")
    head_nouns: set[str] = field(default_factory=set)   # generic nouns a matter's name ends in ("体系", "中心")
    body_heads: frozenset[str] = frozenset()   # of those, the ones that name a body or facility ("中心", "平台")
    actions: set[str] = field(default_factory=set)      # what is done to a named object ("建设", "运行维护")
    tail_verbs: set[str] = field(default_factory=set)   # verbs a name ends in that do not name it ("…规划制定")
    tail_nouns: set[str] = field(default_factory=set)   # generic nouns a name ends in that do not name it ("…服务")
    unsaid_tails: set[str] = field(default_factory=set)   # work a name ends in that may go unsaid ("…污染防治")
    abbreviation_max_freq: int = 100   # a shortened name that is a commoner word than this is that word (公文)
    phrase_end: dict[str, list[str]] = field(default_factory=dict)   # variants read only where a phrase ends
                                                                    # or goes on with these ("…人才 钱谁出", not 人才公寓)
    phrase_end_particles: str = ""   # characters after which a phrase has ended ("…人才的钱")
    office_suffixes: str = ""   # characters that end an office's name ("统计局"): no lengthening variant before them
    separable: list[str] = field(default_factory=list)   # verbs said with 个/了 inside ("备个案")
    gap: dict = field(default_factory=dict)   # a term said with words inside ("查处商标侵权" of 查处侵权)
    _synonym_re: re.Pattern | None = field(default=None, repr=False)
    _canonical: dict[str, str] = field(default_factory=dict, repr=False)   # canonicalize's memo (names asked again)

    @cached_property
    def action_words(self) -> frozenset[str]:
        """What is done to a named object, as words (actions of two characters or more: 建设, 运行维护)."""
        return frozenset(w for w in self.actions if len(w) >= 2)

    @cached_property
    def work_words(self) -> frozenset[str]:
        """The work a name may end in: action_words and unsaid_tails (防治)."""
        return self.action_words | {w for w in self.unsaid_tails if len(w) >= 2}

    @cached_property
    def work_word_re(self) -> re.Pattern:
        """One of work_words, longest first."""
        return re.compile("|".join(map(re.escape, sorted(self.work_words, key=len, reverse=True))) or "(?!)")

    @cached_property
    def work_tail_re(self) -> re.Pattern:
        """The work a name ends in, one or more joined ("…配置和维护", "…防治")."""
        return re.compile(rf"(?:(?:{self.work_word_re.pattern})(?:和|与|及|、)?)+$")

    @cached_property
    def own_level_words(self) -> dict[str, set[str]]:
        """Level → the words that name that level itself (its names and user aliases), not one it takes in."""
        return {lv["name"]: set(lv.get("user") or []) | set(lv.get("names") or []) for lv in self.levels}

    @cached_property
    def level_covers(self) -> dict[str, set[str]]:
        """Level → the levels it takes in (市县 → 市, 县; 县（市、区） → 县, 市)."""
        return {lv["name"]: set(lv.get("covers") or []) for lv in self.levels}

    def domain_words(self, fields) -> list[str]:
        """The words of the loaded plans' fields ("公路" is a transport plan's word, out of an IP plan's scope)."""
        keys = set()
        for f in fields:
            keys.update(k for k in self.domain if k in f or f in k)
            for alias, domains in self.field_aliases.items():
                if alias in f:
                    keys.update(domains)
        return [w for k in sorted(keys) for w in self.domain[k]]

    @cached_property
    def level_tier(self) -> dict[str, str]:
        """Level → its tier of government (levels.yaml `tier`, default the level itself: 县区 → 县)."""
        return {lv["name"]: lv.get("tier", lv["name"]) for lv in self.levels}

    @cached_property
    def level_rank(self) -> dict[str, int]:
        """Level → its height (levels.yaml `rank`: 0 中央 … 4 乡镇); levels without one are unranked."""
        return {lv["name"]: lv["rank"] for lv in self.levels if "rank" in lv}

    @property
    def intent_words(self) -> set[str]:
        return {w for ws in self.intents.values() for w in ws}

    def for_fields(self, fields) -> "Lexicon":
        """This lexicon with the paraphrases of the loaded plans' fields (thesaurus.yaml) among its
        synonyms; questions and plans are both read through it, so they stay in step."""
        entries = [e for key, es in sorted(self.thesaurus.items()) for e in es
                   if any(f and (key in f or f in key) for f in fields)]
        if not entries:
            return self
        synonyms = {k: list(v) for k, v in self.synonyms.items()}
        for e in entries:
            synonyms.setdefault(e["canonical"], [])
            synonyms[e["canonical"]] += [v for v in e["variants"] if v not in synonyms[e["canonical"]]]
        return replace(self, synonyms=synonyms, _synonym_re=None, _canonical={})

    @cached_property
    def _level_chars(self) -> frozenset[str]:
        return frozenset(w for lv in self.levels for w in [*lv["names"], *lv["user"]] if len(w) == 1)

    @cached_property
    def _level_words(self) -> list[str]:
        """Every level's names and users' words for it, longest first."""
        return sorted({w for lv in self.levels for w in [*lv["names"], *lv["user"]]}, key=len, reverse=True)

    @cached_property
    def levels_at_end(self) -> re.Pattern:
        """Level words closing a phrase ("法律援助中心的经费 市县", "…工资 市里出" → its 市县, 市里出), to trim them off a
        topic."""
        return re.compile(r"(\s*(" + "|".join(map(re.escape, self._level_words)) + r")[和与跟、]?)+(?:出钱|出|掏钱|掏|承担|负担)?$")

    @cached_property
    def level_word_re(self) -> re.Pattern:
        """Any level word of two characters or more ("市级", "县里", "区里"): a part of a question that says one."""
        return re.compile("|".join(re.escape(w) for w in self._level_words if len(w) >= 2) or "(?!)")

    def is_level_char(self, ch: str) -> bool:
        """Is this one character a level's name or a user's word for one (市, 县, 省…)?"""
        return ch in self._level_chars

    # -- synonyms ---------------------------------------------------------------
    def canonicalize(self, text: str) -> str:
        """Replace users' variants by the canonical term, never inside a canonical term already there."""
        if self._synonym_re is None:
            variants = {v: c for c, vs in self.synonyms.items() for v in vs}
            alternatives = sorted(set(variants) | set(self.synonyms), key=len, reverse=True)
            self._variants = variants
            # (a variant that also begins other names, 人才 of 人才公寓, only where no other word follows it)
            def end(a: str) -> str:
                goes_on = "".join(f"|{re.escape(w)}" for w in self.phrase_end[a])
                return rf"(?=$|[^\u4e00-\u9fff]|[{self.phrase_end_particles}]{goes_on})"
            def lengthens(a: str) -> bool:
                return bool(self.office_suffixes) and variants.get(a, a).startswith(a) and variants.get(a, a) != a
            self._synonym_re = re.compile("|".join(
                re.escape(a) + (end(a) if a in self.phrase_end else "")
                + (f"(?![{self.office_suffixes}])" if lengthens(a) else "") for a in alternatives))
        known = self._canonical.get(text)
        if known is not None:
            return known
        said = text
        # Again until nothing changes: a variant can appear only once an abbreviation is spelled
        # out (保护地标 → 保护地理标志 → 地理标志保护); canonical terms match themselves, so no loop.
        for _ in range(3):
            done = self._synonym_re.sub(lambda m: self._variants.get(m.group(0), m.group(0)), text)
            if done == text:
                break
            text = done
        if len(self._canonical) < 50_000:
            self._canonical[said] = text
        return text

    def gather(self, text: str) -> str:
        """A term of four characters or more said with a few words inside it ("查处商标侵权" of 查处侵权,
        "中介机构的监管" of 中介机构监管): the inserted words go before the term, which is read canonical
        (vocabulary.yaml `gap`). Questions only; applied after canonicalize, once."""
        if not self.gap or not any(text[i:i + 2] in self._gap_starts for i in range(len(text) - 1)):
            return text   # (most questions: no term's first part at all)
        negations = self._gap_rules[2]
        # (never into a term already said whole: "网络安全防护" holds no 网络…防护, "专利转移转化促进" no 专利…转化)
        inside_term = [False] * (len(text) + 1)
        for m in self._term_re.finditer(text):
            for k in range(m.start() + 1, m.end()):
                inside_term[k] = True
        out, i = [], 0
        while i < len(text):
            # (nor right after a negation: "不涉外的知识产权纠纷…" keeps its 不 beside 涉外)
            found = None if inside_term[i] or (i > 0 and text[i - 1] in negations) else self._gap_at(text, i, inside_term)
            if found:
                inside, term, i = found
                out.append(inside + self._variants.get(term, term))
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    def _gap_at(self, text: str, i: int, inside_term: list[bool]) -> tuple[str, str, int] | None:
        """The term whose first part starts at `i`, said with words inside it: (those words, the term, where it
        ends), longest first part first; or None."""
        most, breaks, _ = self._gap_rules
        for width in self._gap_starts.get(text[i:i + 2], ()):
            if i + width > len(text) or inside_term[i + width]:
                continue
            for right, term in self._gap_lefts.get(text[i:i + width], ()):
                for j in range(i + width + 1, min(i + width + most, len(text)) + 1):
                    ch = text[j - 1]
                    if ch in breaks or not "\u4e00" <= ch <= "\u9fff":
                        break
                    # (before a generic head noun only 的: "维权热线中心" is another body than 维权中心)
                    if text.startswith(right, j) and not inside_term[j] and not inside_term[j + len(right)] \
                            and (right not in self.head_nouns or text[i + width:j] == "的"):
                        return text[i + width:j], term, j + len(right)
        return None

    @cached_property
    def _gap_rules(self) -> tuple[int, frozenset[str], frozenset[str]]:
        """vocabulary.yaml `gap`: at most how many characters inside, those never inside, those never before."""
        return (int(self.gap.get("max", 4)), frozenset(self.gap.get("breaks", "")),
                frozenset(self.gap.get("not_after", "")))

    @cached_property
    def _gap_lefts(self) -> dict[str, list[tuple[str, str]]]:
        """First part of a term → (the rest, the term), longest terms first."""
        self.canonicalize("")   # (builds self._variants)
        lefts: dict[str, list[tuple[str, str]]] = {}
        for t in sorted(set(self._variants) | set(self.synonyms), key=lambda t: (-len(t), t)):
            # (not a word read only where a phrase ends: "人才公寓建设" is no 人才…建设)
            if len(t) >= 4 and not any(t.startswith(w) for w in self.phrase_end):
                for i in range(2, len(t) - 1):
                    lefts.setdefault(t[:i], []).append((t[i:], t))
        return lefts

    @cached_property
    def _gap_starts(self) -> dict[str, list[int]]:
        """The first two characters of a term's first part → the lengths of such first parts, longest first."""
        starts: dict[str, set[int]] = {}
        for k in self._gap_lefts:
            starts.setdefault(k[:2], set()).add(len(k))
        return {k: sorted(v, reverse=True) for k, v in starts.items()}

    @cached_property
    def _term_re(self) -> re.Pattern:
        """Canonical terms of two characters or more, longest first."""
        terms = sorted((t for t in self.synonyms if len(t) >= 2), key=len, reverse=True)
        return re.compile("|".join(map(re.escape, terms)) or "(?!)")

    def rejoin(self, text: str) -> str:
        """Put back together a separable verb the user said with 个/了/过 inside ("备个案" → 备案,
        vocabulary.yaml `separable`)."""
        if not self.separable:
            return text
        return self._separable_re.sub(lambda m: m.group(0)[0] + m.group(0)[-1], text)

    def pair_levels(self, text: str) -> str:
        """Two level characters run together before 两级 ("市区两级" of a 市/区 plan, "省市两级") are two levels,
        "市、区两级", not a place (市区 is also a city's urban area); grammar.yaml level_pair."""
        # (not a pair that is one level's own name, 县区 or 市县)
        return self.grammar["level_pair"].sub(
            lambda m: m.group(0) if self.level_word_re.fullmatch(m.group(0)) else m.group("a") + "、" + m.group("b"), text)

    @cached_property
    def _separable_re(self) -> re.Pattern:
        # (each separable verb is two characters: its first, the inserted word, its second)
        return re.compile("|".join(f"{re.escape(w[0])}(?:个|了|过|一下){re.escape(w[1])}"
                                   for w in self.separable if len(w) == 2))

    def words(self) -> set[str]:
        """Every term the segmenter must keep whole."""
        out: set[str] = set()
        for canonical, variants in self.synonyms.items():
            out.add(canonical)
            out.update(variants)
        out.update(self.hypernyms)
        for values in self.hypernyms.values():
            out.update(values)
        for values in self.intents.values():
            out.update(v for v in values if len(v) >= 2)
        for values in self.domain.values():
            out.update(values)
        for lv in self.levels:
            out.update(lv["user"])
            out.update(lv["names"])
        for place in self.places.values():
            for names in (place.get("level_places") or {}).values():
                out.update(names)
        out.update(self.out_of_scope_hints)
        out.update(self.distinct_spending)
        out.update(w for w in self.stopwords if len(w) >= 3)
        return {w for w in out if len(w) >= 2}

    def user_level_aliases(self, doc_levels: list[str]) -> dict[str, str]:
        """What users call each of a document's levels: alias → level, for this document only."""
        out: dict[str, str] = {}
        for lv in self.levels:
            if lv["name"] in doc_levels:
                for alias in lv["user"] + lv["names"]:
                    out.setdefault(alias, lv["name"])
        # A level the document lacks may be part of one it has (市 and 县 are 市县 in a 省/市县 plan).
        for lv in self.levels:
            if lv["name"] not in doc_levels:
                continue
            for part in lv.get("covers") or []:
                if part in doc_levels:
                    continue
                for other in self.levels:
                    if other["name"] == part:
                        for alias in other["user"] + other["names"]:
                            out.setdefault(alias, lv["name"])
        # An alias listed under a level the document lacks may still name one it has ("县里" → 县区).
        for lv in self.levels:
            for alias in lv["user"]:
                if alias in out:
                    continue
                for candidate in self.levels:
                    if candidate["name"] in doc_levels and alias in candidate["user"]:
                        out[alias] = candidate["name"]
        return out

    def foreign_level_aliases(self, doc_levels: list[str]) -> dict[str, str]:
        """Level words of levels a document does not have (省里, 中央 …), for premises."""
        known = self.user_level_aliases(doc_levels)
        out = {}
        for lv in self.levels:
            if lv["name"] in doc_levels:
                continue
            for alias in lv["user"] + lv["names"]:
                if alias not in known and len(alias) >= 2:
                    out[alias] = lv["name"]
        return out


def _compile_grammar(g: dict, hypernyms: dict[str, list[str]], parties: list[str] = ()) -> dict:
    """grammar.yaml with every pattern compiled once (the examples stay in the file). {parties} in a scope
    pattern stands for vocabulary.yaml's parties, longest first."""
    roles = g["level_roles"]
    party_words = "|".join(map(re.escape, sorted(parties, key=len, reverse=True))) or "(?!)"
    abroad = sorted((w for w, broader in hypernyms.items() if set(broader) & set(roles["abroad_broader"])),
                    key=lambda w: (-len(w), w)) + roles["abroad_broader"]
    abroad_words = "|".join(map(re.escape, abroad))
    return {
        "level_roles": {
            "scope_after": [re.compile(e["pattern"].replace("{parties}", party_words)) for e in roles["scope_after"]],
            "claim_before": [re.compile(e["pattern"]) for e in roles["claim_before"]],
            "scope_cleft": [(re.compile(e["before"]), re.compile(e["after"])) for e in roles["scope_cleft"]],
            "claim_after": [re.compile(e["pattern"]) for e in roles["claim_after"]],
            "joined": re.compile(roles["joined"]),
            "joined_before": re.compile(roles["joined_before"]),
            "recipient": [(re.compile(e["before"]), re.compile(e["after"])) for e in roles["recipient"]],
            "location": [(re.compile(e["before"]), re.compile(e["after"])) for e in roles["location"]],
            "party_place": [(re.compile(e["before"]), re.compile(e["after"])) for e in roles["party_place"]],
            "aside": [(re.compile(e["before"].replace("{abroad}", abroad_words)), re.compile(e["after"]))
                      for e in roles["aside"]],
        },
        "exclusive_doer": (re.compile(g["exclusive_doer"]["before"]), re.compile(g["exclusive_doer"]["after"])),
        # several forms of one role, one search: each form's "what" group numbered (what0, what1…)
        "matter_claim": re.compile("|".join(f"(?:{e['pattern'].replace('(?P<what>', f'(?P<what{i}>')})"
                                            for i, e in enumerate(g["matter_claim"]))),
        **{k: re.compile(g[k]["pattern"]) for k in ("exclusive", "exclusive_before", "own_claim", "aid_claim", "negated", "joint_scope", "premise_then_ask", "given", "own_institution", "plan_name_after", "level_quoted", "follow_up", "yes_no", "yes_no_not",
                                               "joint_claim_authority", "joint_claim_payment", "separate_claim_payment", "exclusion",
                                               "majority", "ratio_claim", "carve_out", "situation", "authority_claim",
                                               "denied_head", "kind_named", "rest_of_list", "plan_named", "coordinated",
                                               "coordinated_ask", "each_asked", "first_person", "level_pair", "not_a_grade", "level_lead",
                                               "topic_plan_lead", "topic_end", "asks_who", "asks_listed", "share_claim", "cost_share", "other_predicate",
                                               "negated_before", "rhetorical", "one_phrase_gap", "same_claim", "concession",
                                               "described", "self_initiated", "self_initiated_name", "private_doer", "carve_out_span")},
    }


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    vocab = _load("vocabulary.yaml")
    levels = _load("levels.yaml")
    return Lexicon(
        synonyms=vocab["synonyms"], hypernyms=vocab["hypernyms"], intents=vocab["intents"],
        stopwords=set(vocab["stopwords"]), domain=vocab["domain"], fields=vocab["fields"],
        field_aliases=vocab.get("field_aliases") or {}, off_topic=vocab.get("off_topic") or [],
        own_costs=vocab.get("own_costs") or [],
        out_of_scope_hints=vocab["out_of_scope_hints"], injection_markers=vocab["injection_markers"],
        instruction_verbs=vocab["instruction_verbs"], distinct_spending=vocab["distinct_spending"],
        levels=levels["levels"], not_a_level=levels["not_a_level"],
        places={k: v for k, v in _load("places.yaml").items() if isinstance(v, dict) and k != "zone_abbreviations"},
        not_places=frozenset(_load("places.yaml").get("not_places") or []),
        unplaced_areas=_load("places.yaml").get("unplaced_areas") or [],
        zone_abbreviations=_load("places.yaml").get("zone_abbreviations") or {}, facts=_load("facts.yaml"), templates=_load("templates.yaml"),
        grammar=_compile_grammar(_load("grammar.yaml"), vocab["hypernyms"], vocab.get("parties") or []), contrasts=vocab.get("contrasts") or [],
        deniable=vocab.get("deniable") or [],
        activity_suffixes=vocab.get("activity_suffixes") or [], work_parts=vocab.get("work_parts") or {}, parties=frozenset(vocab.get("parties") or []),
        head_tails=tuple(vocab.get("head_tails") or ()),
        thesaurus=_load("thesaurus.yaml"), syllables=vocab.get("pinyin_syllables") or {},
        head_nouns=set(vocab["head_nouns"]), body_heads=frozenset(vocab.get("body_heads") or []), actions=set(vocab["actions"]),
        tail_verbs=set(vocab.get("tail_verbs") or []), tail_nouns=set(vocab.get("tail_nouns") or []),
        unsaid_tails=set(vocab.get("unsaid_tails") or []),
        abbreviation_max_freq=int(vocab.get("abbreviation_max_freq") or 100),
        phrase_end=vocab.get("phrase_end_variants") or {},
        phrase_end_particles=vocab.get("phrase_end_particles") or "",
        office_suffixes=vocab.get("office_suffixes") or "",
        separable=vocab.get("separable") or [],
        gap=vocab.get("gap") or {},
    )

