"""jieba, loaded once and quietly, with the domain's words added; punctuation never comes out."""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Iterable

import jieba

_WORD = re.compile(r"[\w\u3400-\u9fff]")


class Tokenizer:
    def __init__(self, words: Iterable[str], cache_dir: Path) -> None:
        jieba.setLogLevel(logging.WARNING)
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._jieba = jieba.Tokenizer()
        self._jieba.tmp_dir = str(cache_dir)
        self._jieba.initialize()
        for word in sorted(set(words)):
            if 2 <= len(word) <= 20 and not re.search(r"[，、。；：\s]", word):
                self._jieba.add_word(word, freq=max(2000, 300 * len(word)))
                # Without the tune, jieba may still prefer splitting a long word.
                self._jieba.suggest_freq(word, tune=True)

    def words(self, text: str) -> list[str]:
        """Precise segmentation, no punctuation or spaces."""
        return [w for w in self._jieba.lcut(text, HMM=False) if _WORD.search(w)]

    def terms(self, text: str) -> list[str]:
        """Search-mode segmentation: long words and the dictionary words inside them."""
        return [w for w in self._jieba.lcut_for_search(text, HMM=False) if _WORD.search(w)]
