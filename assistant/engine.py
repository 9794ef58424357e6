"""The assistant's facade: load corpus and rules once, then answer (pure per question).

    eng = Assistant.load(data_dir=None)          # None → project's corpus/ and rules/ (or $ASSISTANT_DATA)
    result, context = eng.ask(question, context)  # context: JSON-able dict | None (previous turn state)
    eng.documents()                               # [{"doc_id","title","doc_number","issuer","date_issued",...}]
    eng.document(doc_id)                          # parsed tree for the source viewer, or None

`result` is the core JSON contract {"status", "answer", "findings", "citations", "suggestions"};
each citation also carries "anchor", the paragraph's id in the source viewer. `ask` never raises: a
question that cannot be asked (empty, too long, not valid text) or that the engine fails on gets
status "error" with a polite Chinese answer, and the context it was given.
"""
from __future__ import annotations

import re

import copy
import logging
import sys
from pathlib import Path
from typing import Any

from assistant.question.compose import Composer, plan_examples
from assistant.config import Settings, load_settings
from assistant.service.inputs import MESSAGES, QuestionError, check_question, error_result, picked_option
from assistant.language.lexicon import Lexicon, load_lexicon
from assistant.question.decide import resolve
from assistant.indexcache import index_cache_path, read_index_cache, write_index_cache
from assistant.document.catalog import Catalog, build_catalog
from assistant.document.index import build_index, homophone_words, matter_words
from assistant.language.spelling import Homophones
from assistant.language.tokenize import Tokenizer
from assistant.language.prepare import question_text
from assistant.question.frame import analyze, spell_out

log = logging.getLogger("assistant.engine")


def _rules_for(settings: Settings, doc, overrides: dict) -> dict:
    """A plan's rules; where a data folder's rules were compiled by an older version and no longer
    match the text as this version reads it, compile them again from the text (never hand-written:
    the rules are the compiler's output) and say so."""
    from assistant.document.compile import compile_document
    from assistant.document.rules import RuleError, apply_overrides, load_rules

    try:
        return load_rules(settings.rules_dir, doc, overrides)
    except RuleError as err:
        if not settings.data_dir:
            raise   # the project's own rules: `assistant compile --check` keeps them in step
        print(f"提示：{err}；已按当前版本从原文重新编译（可运行 assistant compile 写回）。", file=sys.stderr)
        compiled, _ = compile_document(doc)
        return apply_overrides(compiled, overrides)


def _may_be_misspelt(analysis) -> bool:
    """No matter found, words left that no matter explains ("行政栽决"), or a place no plan knows
    ("钦楠区"): the question may hold a typo."""
    if analysis.fact:
        return False
    return not all(d.matches and not d.unexplained for d in analysis.docs) \
        or any(m.elsewhere for d in analysis.docs for m in d.levels)


def _narrower(parts: list, whole: list) -> bool:
    """Has every matter the whole answer gave, answered by a part that names no level of its own, only outcomes
    the whole gave it (and is the answer another: other outcomes, or more matters)? A part that names its level
    answers for that level ("…和县区自己的统计"); one that names none may have lost a level said after it."""
    def outcomes(verdicts: list) -> dict:
        out: dict = {}
        for v in verdicts:
            out.setdefault(v.matter["id"], set()).update((o["level"], o["payer"]) for o in v.outcomes)
        return out
    before = outcomes(whole)
    unscoped = outcomes([v for v in parts if not v.scope])
    return all(o <= before[m] for m, o in unscoped.items() if m in before) and outcomes(parts) != before


def _unread(analysis) -> tuple[int, int]:
    """(places no plan knows, words no matter explains): what a typo fix must lessen."""
    return (sum(m.elsewhere is not None and m.elsewhere is not False for d in analysis.docs for m in d.levels),
            min((len(d.unexplained) if d.matches else len(analysis.units) + 1 for d in analysis.docs), default=0))


class Assistant:
    def __init__(self, indexes, lexicon: Lexicon, tokenizer: Tokenizer, default_doc: str | None = None,
                 catalog: Catalog | None = None) -> None:
        self.indexes = indexes            # a list, or LazyIndexes reading each plan when first needed
        self.lexicon = lexicon
        self.tokenizer = tokenizer
        self.composer = Composer(lexicon)
        self._homophones: dict[tuple[str, ...], Homophones] = {}
        self.catalog = catalog or build_catalog(indexes)
        self._position = {m["doc_id"]: i for i, m in enumerate(self.catalog.metas)}
        # Document-level questions that name no document go to the default (the seed plan).
        self.default_doc = default_doc if default_doc in self._position else \
            (self.catalog.metas[0]["doc_id"] if self.catalog.metas else None)
        # The help desk's teachings (assistant.helpdesk.teach.TaughtSource): `current()` gives the reviewed
        # phrasings in force now. None: none are read. They only say which matter a phrasing names.
        self.teachings = None

    def with_teachings(self, source) -> "Assistant":
        """This engine (the same loaded plans) reading the teachings of `source` instead of its own: what a
        new teaching would change is answered by a copy before it is saved."""
        other = copy.copy(self)
        other.teachings = source
        return other

    @classmethod
    def load(cls, data_dir: Path | str | None = None, settings: Settings | None = None) -> "Assistant":
        """Load the corpus; with a prebuilt index in the cache this reads the catalog only, and each
        plan's index when a question first needs it."""
        settings = settings or load_settings(data_dir=data_dir)
        lexicon = load_lexicon()
        cache = index_cache_path(settings)
        built = read_index_cache(cache)
        if built is not None:
            catalog, state, indexes = built
            lexicon = lexicon.for_fields({m.get("field") for m in catalog.metas})
            return cls(indexes, lexicon, Tokenizer.from_state(state), settings.default_doc, catalog)
        # Compiling (the compiler, numpy) is imported only when no prebuilt index can be read.
        from assistant.document.rules import load_documents, load_overrides

        docs = load_documents(settings.corpus_dir)
        lexicon = lexicon.for_fields({(d.meta.get("field") or {}).get("value") for d in docs})
        overrides = load_overrides(settings.rules_dir)
        rules = [_rules_for(settings, doc, overrides) for doc in docs]
        words = set(lexicon.words())
        for r in rules:
            for m in r["matters"]:
                words.update(matter_words(m))
        tokenizer = Tokenizer(words, settings.cache_dir / "jieba")
        indexes = [build_index(doc, r, lexicon, tokenizer) for doc, r in zip(docs, rules)]
        catalog = build_catalog(indexes, tok=tokenizer)
        write_index_cache(cache, indexes, catalog, tokenizer)
        return cls(indexes, lexicon, tokenizer, settings.default_doc, catalog)

    def ask(self, question: str, context: dict | None = None) -> tuple[dict[str, Any], dict]:
        """Answer one question; never raises (see the module's docstring)."""
        try:
            check_question(question)
        except QuestionError as err:
            return error_result(err.message), dict(context or {})
        try:
            result, context, _ = self._answer(question, context)
            return result, context
        except Exception:  # noqa: BLE001 - one bad question must not take a batch, a reply or a server down
            log.exception("internal error answering %r", question[:200])
            return error_result(MESSAGES["internal"]), dict(context or {})

    def explain(self, question: str, context: dict | None = None) -> dict[str, Any]:
        """The answer with its trace: the frame, the candidates and their evidence, the decision."""
        from assistant.question.explain import trace

        check_question(question)
        result, _, (analysis, resolution) = self._answer(question, context)
        return {**trace(analysis, resolution), "answer": result}

    def _answer(self, question: str, context: dict | None):
        # "2" after "您问的是不是：1. … 2. …": the option picked by its number.
        question = picked_option(question, context) or question
        taught = self.teachings.current() if self.teachings is not None else None
        # Taught synonyms read the question as the plan words it (they never change how a plan is read).
        lex = taught.lexicon if taught is not None and taught.lexicon is not None else self.lexicon
        prepared = question_text(question or "", lex)
        # "…，那要是在灵山县登的呢？": the stated case is the previous turn of the follow-up asked.
        split = lex.grammar["premise_then_ask"].match(prepared[2])
        if split:
            _, context, _ = self._answer(split.group("premise"), context)
            prepared = question_text(split.group("ask"), lex)
        text = prepared[0]
        # ("计生那块…": a loaded plan's word said short is that plan's word when choosing the plans to read)
        if self.catalog.abbreviations:
            text = spell_out(text, self.catalog.abbreviations, self.tokenizer, self.catalog.abbreviation_re)
        always = [self._position[d] for d in (self.default_doc, (context or {}).get("doc_id")) if d in self._position]
        chosen = self.catalog.candidates(self.tokenizer.words(text), text, always)
        indexes = [self.indexes[i] for i in chosen]
        analysis = analyze(question or "", indexes, lex, self.tokenizer, self.catalog, prepared, taught)
        if _may_be_misspelt(analysis):
            analysis = self._respelt(question or "", indexes, prepared, analysis, lex, taught)
        resolution = resolve(analysis, context, self.default_doc)
        # ("A和B分别谁出" answered for A alone: each part asked on its own may answer B too)
        if (resolution.kind in ("not_listed", "clarify") or resolution.kind == "verdict"
                and lex.grammar["each_asked"].search(prepared[2])) and not analysis.yes_no:
            resolution = self._by_parts(question or "", prepared, context, indexes, lex, analysis, taught,
                                        whole=resolution) or resolution
        result = self.composer.compose(resolution, self.catalog.metas)
        return result, resolution.context, (analysis, resolution)

    def _by_parts(self, question: str, prepared: tuple[str, bool, str], context: dict | None, indexes: list,
                  lex: Lexicon, whole_analysis, taught=None, whole=None):
        """"专利导航和专利资助分别谁出", not answered as a whole: each coordinated part is asked on its own with the
        question's ask (grammar.yaml coordinated); when the parts the plan lists name their matters strongly and
        the rest are not listed, the listed ones are answered and the rest said not listed. None otherwise."""
        g = lex.grammar
        plain = prepared[2]
        ask = g["coordinated_ask"].search(plain)
        if not ask:
            return None
        head, tail = plain[:ask.start()], plain[ask.start():]
        cuts = list(g["coordinated"].finditer(head))
        pieces = [head[a:b].strip(" ，,") for a, b in zip([0] + [m.end() for m in cuts], [m.start() for m in cuts] + [len(head)])]
        if not 2 <= len(pieces) <= 3 or any(len(p) < 2 for p in pieces):
            return None
        # "县里的专利检索系统、机房和网络安全谁出": a level said as the doer at the head of the first part, with 的,
        # is the doer of every part (each part is asked with it).
        # (not the parts that name a level of their own: "县里的专利导航和市级知识产权规划分别谁出")
        doers = [m.surface for d in whole_analysis.docs for m in d.levels if m.level and not m.claim]
        lead = next((s + t.group(0) for s in doers if pieces[0].startswith(s)
                     for t in [g["level_lead"].match(pieces[0][len(s):])] if t), None)
        if lead:
            pieces = [pieces[0]] + [p if lex.level_word_re.search(p) else lead + p for p in pieces[1:]]
        answered, unlisted, seen = [], [], set()
        for piece in pieces:
            sub = piece + tail
            part = analyze(sub, indexes, lex, self.tokenizer, self.catalog, question_text(sub, lex), taught)
            res = resolve(part, context, self.default_doc)
            if res.kind == "not_listed" and res.status == "not_listed":
                unlisted.append(piece)
            # (one matter twice only at the levels each part names: "全市的统计和县区自己的统计各谁出")
            elif res.kind == "verdict" and any(m.coverage >= 0.6 for d in part.docs for m in d.matches) \
                    and not (seen & {v.matter["id"] for v in res.verdicts} and not all(v.scope for v in res.verdicts)):
                seen |= {v.matter["id"] for v in res.verdicts}
                answered.append(res)
            else:
                return None
        if not answered or len({r.index.doc_id for r in answered}) > 1:
            return None
        # (a whole already answered is never undone by a part that, read alone, is not listed: "知识产权规划和政策分别谁出"
        # has 政策 alone name nothing)
        if unlisted and whole is not None and whole.kind == "verdict":
            return None
        # (every part listed, "A和B分别谁出": the parts read one by one, each with its own level, where they answer
        # every matter the whole did — "市级行政裁决和县区维权援助分别谁出" is 市's 裁决 and 县区's 维权援助)
        # (and only to say less: a part read alone may lose a level said after it, "专利导航和作品登记 钦南区的分别谁出",
        # so no matter may get a level the whole did not give it)
        if not unlisted and (len(answered) < 2 or whole is None or whole.kind != "verdict"
                             or not {v.matter["id"] for v in whole.verdicts} <= seen
                             or not _narrower([v for r in answered for v in r.verdicts], whole.verdicts)):
            return None
        # (never where the 和 is a matter's own: "与外国地方政府和地方组织的交流补贴" is not 合作交流 + a part)
        # (nor "执法合作和交流的补贴", whose two sides are one name, 执法合作交流, without it)
        joins = [j for m in cuts for j in (head[max(0, m.start() - 2):m.end() + 2],
                                           head[max(0, m.start() - 2):m.start()] + head[m.end():m.end() + 2])]
        names = [n for r in answered for v in r.verdicts for n in [v.matter["name"], *(v.matter.get("written") or [])]]
        if any(j in n for j in joins for n in names):
            return None
        merged = answered[0]
        merged.verdicts = [v for r in answered for v in r.verdicts]
        merged.unlisted = unlisted
        merged.context = {**merged.context, "matters": [v.matter["id"] for v in merged.verdicts]}
        merged.injection = prepared[1]
        return merged

    def _respelt(self, question: str, indexes: list, prepared: tuple[str, bool, str], analysis, lex: Lexicon,
                 taught=None):
        """Read homophone typos and pinyin as the plans' own words; keep that reading only when it
        names a matter the first reading did not find (the answer then says what was read)."""
        key = tuple(ix.doc_id for ix in indexes)
        homophones = self._homophones.get(key)
        if homophones is None:   # its pinyin table is built once per set of plans, on the first typo
            words: set[str] = set()
            for ix in indexes:
                words |= homophone_words(ix)
            words |= set(self.lexicon.intents["payer"])   # "shui chu qian" → 谁出钱
            # a plan word's listed short forms ("zhichan" → 知产 → 知识产权), read back through the synonyms
            words |= {v for c, vs in self.lexicon.synonyms.items() if c in words for v in vs
                      if re.fullmatch(r"[\u4e00-\u9fff]{2,}", v)}
            if len(self._homophones) > 64:
                self._homophones.clear()
            names = {n for ix in indexes for e in ix.matters for n in [e.matter["name"], *(e.matter.get("written") or [])]}
            homophones = self._homophones[key] = Homophones(words, self.tokenizer.known, self.tokenizer.pieces,
                                                            self.lexicon.syllables, names)
        fixed, fixes = homophones.correct(prepared[2])
        # ("我们是扩权县…": a piece a loaded plan writes as it stands, 扩权县, is the user's word, not a typo of another)
        if not fixes or any(f.written[0] >= "\u4e00" and any(f.written in b.folded for ix in indexes for b in ix.doc.blocks)
                            for f in fixes):
            return analysis
        again = analyze(question, indexes, lex, self.tokenizer, self.catalog,
                        (lex.canonicalize(fixed), prepared[1], fixed), taught)
        # Pinyin is what the user meant to type; a homophone is kept only if it finds a matter, or
        # explains words the first reading left over.
        if not any(not f.written[0] >= "\u4e00" for f in fixes) and \
                (not any(d.matches for d in again.docs) or _unread(again) >= _unread(analysis)):
            return analysis
        again.corrections = fixes
        return again

    def index_of(self, doc_id: str):
        """The loaded plan's index (its rules, levels and matters), or None for a plan not loaded."""
        i = self._position.get(doc_id)
        return self.indexes[i] if i is not None else None

    def documents(self) -> list[dict]:
        return [dict(m) for m in self.catalog.metas]

    def examples(self) -> list[str]:
        """Questions the default plan answers, made from its own matters and places (welcome page)."""
        i = self._position.get(self.default_doc) if self.default_doc else None
        index = self.indexes[i] if i is not None else (self.indexes[0] if len(self.indexes) else None)
        return plan_examples(index, self.lexicon.templates)

    def document(self, doc_id: str) -> dict | None:
        i = self._position.get(doc_id)
        return self.indexes[i].doc.tree() if i is not None else None
