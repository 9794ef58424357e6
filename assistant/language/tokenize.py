"""jieba, loaded once and quietly, with the domain's words added; punctuation never comes out."""
from __future__ import annotations

import logging
import os
import pickle
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import sys as _sys

# jieba imports pkg_resources (~0.1 s, most of its import) only to find its own data files, and
# opens them by path when that import fails: let it fail, for the CLI's cold start.
_saved = _sys.modules.get("pkg_resources")
_sys.modules["pkg_resources"] = None   # type: ignore[assignment]
try:
    import jieba
finally:
    if _saved is None:
        del _sys.modules["pkg_resources"]
    else:
        _sys.modules["pkg_resources"] = _saved

_WORD = re.compile(r"[\w\u3400-\u9fff]")


class Tokenizer:
    def __init__(self, words: Iterable[str], cache_dir: Path | None = None, *,
                 _jieba: jieba.Tokenizer | None = None) -> None:
        if _jieba is not None:
            self._jieba = _jieba
        else:
            self._jieba = _load_jieba(cache_dir)
            for word in sorted(set(words)):
                if 2 <= len(word) <= 20 and not re.search(r"[，、。；：\s]", word):
                    self._jieba.add_word(word, freq=max(2000, 300 * len(word)))
                    # Without the tune, jieba may still prefer splitting a long word.
                    self._jieba.suggest_freq(word, tune=True)

        self._memoize()

    @property
    def state(self) -> tuple[dict, int]:
        """jieba's prefix table with the domain's words in it, to rebuild this tokenizer from a cache."""
        return self._jieba.FREQ, self._jieba.total

    @classmethod
    def from_state(cls, state: tuple[dict, int]) -> "Tokenizer":
        jieba.setLogLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        tk.FREQ, tk.total = state
        tk.initialized = True
        return cls((), _jieba=tk)

    def _memoize(self) -> None:
        # Segmentation is a pure function of the text: memoize it (bounded).
        self.words = lru_cache(maxsize=50_000)(self._words)
        self.terms = lru_cache(maxsize=50_000)(self._terms)

    def frequency(self, word: str) -> int:
        """How common a word is in the segmenter's dictionary (0: not a word of it)."""
        return self._jieba.FREQ.get(word, 0) or 0

    def known(self, word: str) -> bool:
        """Is this a word of the segmenter's dictionary (jieba's, with the domain's words)?"""
        return self._jieba.FREQ.get(word, 0) > 0

    def pieces(self, text: str) -> list[str]:
        """Precise segmentation that keeps every character (joined, the pieces are the text)."""
        return self._jieba.lcut(text, HMM=False)

    def _words(self, text: str) -> tuple[str, ...]:
        """Precise segmentation, no punctuation or spaces."""
        return _clean(self._jieba.lcut(text, HMM=False))

    def _terms(self, text: str) -> tuple[str, ...]:
        """Search-mode segmentation: long words and the dictionary words inside them."""
        return _clean(self._jieba.lcut_for_search(text, HMM=False))


def _clean(tokens: list[str]) -> tuple[str, ...]:
    """Drop punctuation and spaces; split off the particle 的 that jieba glues to a word ("的征地拆迁")."""
    out: list[str] = []
    for w in tokens:
        if not _WORD.search(w):
            continue
        if len(w) > 2 and w[0] == "的":
            out.extend(("的", w[1:]))
        else:
            out.append(w)
    return tuple(out)


def _load_jieba(cache_dir: Path) -> jieba.Tokenizer:
    """jieba's dictionary, from a pickle of its prefix table when we have one.

    jieba's own marshal cache takes about three times as long to read as a pickle of the same
    table, and that read is most of the CLI's cold start.
    """
    jieba.setLogLevel(logging.WARNING)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tk = jieba.Tokenizer()
    stat = os.stat(Path(jieba.__file__).parent / "dict.txt")
    cache = cache_dir / f"jieba-{jieba.__version__}-{stat.st_size}-{int(stat.st_mtime)}.pkl"
    try:
        with open(cache, "rb") as fh:
            tk.FREQ, tk.total = pickle.load(fh)
        tk.initialized = True
        return tk
    except (OSError, EOFError, pickle.UnpicklingError, ValueError):
        pass
    tk.tmp_dir = str(cache_dir)
    tk.initialize()
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        pickle.dump((tk.FREQ, tk.total), fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, cache)
    return tk
