"""The assistant's facade: load corpus and rules once, then answer (pure per question).

    eng = Assistant.load(data_dir=None)          # None → project's corpus/ and rules/ (or $ASSISTANT_DATA)
    result, context = eng.ask(question, context)  # context: JSON-able dict | None (previous turn state)
    eng.documents()                               # [{"doc_id","title","doc_number","issuer","date_issued",...}]
    eng.document(doc_id)                          # parsed tree for the source viewer, or None

`result` is the core JSON contract {"status", "answer", "findings", "citations", "suggestions"};
each citation also carries "anchor", the paragraph's id in the source viewer.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.compose import Composer
from assistant.config import Settings, load_settings
from assistant.lexicon import Lexicon, load_lexicon
from assistant.resolve import resolve
from assistant.indexcache import index_cache_path, read_index_cache, write_index_cache
from assistant.retrieve import DocIndex, build_catalog, build_index, matter_words
from assistant.rules import load_documents, load_overrides, load_rules
from assistant.tokenize import Tokenizer
from assistant.understand import analyze, question_text


class Assistant:
    def __init__(self, indexes: list[DocIndex], lexicon: Lexicon, tokenizer: Tokenizer,
                 default_doc: str | None = None) -> None:
        self.indexes = indexes
        self.lexicon = lexicon
        self.tokenizer = tokenizer
        self.composer = Composer(lexicon)
        self.catalog = build_catalog(indexes)
        self._by_id = {ix.doc_id: ix for ix in indexes}
        self._position = {ix.doc_id: i for i, ix in enumerate(indexes)}
        # Document-level questions that name no document go to the default (the seed plan).
        self.default_doc = default_doc if default_doc in self._by_id else (indexes[0].doc_id if indexes else None)

    @classmethod
    def load(cls, data_dir: Path | str | None = None, settings: Settings | None = None) -> "Assistant":
        """Load every plan of the corpus; a prebuilt index in the cache makes this one file read."""
        settings = settings or load_settings(data_dir=data_dir)
        lexicon = load_lexicon()
        cache = index_cache_path(settings)
        built = read_index_cache(cache)
        if built is None:
            docs = load_documents(settings.corpus_dir)
            overrides = load_overrides(settings.rules_dir)
            rules = [load_rules(settings.rules_dir, doc, overrides) for doc in docs]
            words = set(lexicon.words())
            for r in rules:
                for m in r["matters"]:
                    words.update(matter_words(m))
            tokenizer = Tokenizer(words, settings.cache_dir / "jieba")
            indexes = [build_index(doc, r, lexicon, tokenizer) for doc, r in zip(docs, rules)]
            write_index_cache(cache, indexes, tokenizer)
        else:
            indexes, state = built
            tokenizer = Tokenizer.from_state(state)
        return cls(indexes, lexicon, tokenizer, settings.default_doc)

    def ask(self, question: str, context: dict | None = None) -> tuple[dict[str, Any], dict]:
        text, _ = question_text(question or "", self.lexicon)
        always = [self._position[d] for d in (self.default_doc, (context or {}).get("doc_id")) if d in self._position]
        chosen = self.catalog.candidates(self.tokenizer.words(text), text, always)
        analysis = analyze(question or "", [self.indexes[i] for i in chosen], self.lexicon, self.tokenizer,
                           self.catalog)
        resolution = resolve(analysis, context, self.default_doc)
        result = self.composer.compose(resolution, self.indexes)
        return result, resolution.context

    def documents(self) -> list[dict]:
        return [{"doc_id": ix.doc_id, "title": ix.doc.title, "doc_number": ix.doc.doc_number,
                 "issuer": ix.meta("issuer"), "date_issued": ix.meta("date_issued"),
                 "date_effective": ix.meta("date_effective"), "matters": len(ix.matters)}
                for ix in self.indexes]

    def document(self, doc_id: str) -> dict | None:
        ix = self._by_id.get(doc_id)
        return ix.doc.tree() if ix else None
