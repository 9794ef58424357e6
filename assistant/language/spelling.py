"""Homophone typos and pinyin input, read back into the plan's own words.

People type on a phone with a pinyin keyboard: "专利倒航" for 专利导航, "作品登纪" for 作品登记,
or the pinyin itself ("zhuanli daohang"). A stretch of the question that is no word the plan or
the dictionary knows, and whose toneless pinyin is exactly that of one word the plan uses, is read
as that word. Only the plan's own words are candidates, so a correction can only lead to a matter
the plan lists; the answer says what was read (never silently).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_LATIN_RUN = re.compile(r"[a-z]+(?:\s+[a-z]+)*")


@lru_cache(maxsize=65536)
def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin   # loaded on the first typo only: its tables take ~0.2 s

    return "".join(lazy_pinyin(text))


@dataclass(frozen=True)
class Fix:
    written: str     # as the user typed it ("倒航", "zhuanli daohang")
    read: str        # the plan's word it was read as ("导航", "专利导航")


class Homophones:
    """The words of one or more plans, by their toneless pinyin."""

    def __init__(self, words: set[str], is_word, segment) -> None:
        self.words = {w for w in words if 2 <= len(w) <= 8 and _HAN_RUN.fullmatch(w)}
        self.is_word = is_word          # the segmenter's dictionary: real words are never "fixed"
        self.segment = segment          # text → tokens, spaces and punctuation kept
        self._by_sound: dict[str, set[str]] | None = None

    def _sounds(self) -> dict[str, set[str]]:
        if self._by_sound is None:
            table: dict[str, set[str]] = {}
            for w in sorted(self.words):
                table.setdefault(_pinyin(w), set()).add(w)
            self._by_sound = table
        return self._by_sound

    def _one(self, sound: str, length: int | None = None) -> str | None:
        found = [w for w in self._sounds().get(sound, ()) if length is None or len(w) == length]
        return found[0] if len(found) == 1 else None

    def correct(self, text: str) -> tuple[str, list[Fix]]:
        """The text with each homophone typo or pinyin run replaced by the plan's word. Only runs of
        whole tokens are read again ("教育经费" never yields "育经"), and a run of dictionary words
        only as a long name ("地里标志" → 地理标志)."""
        fixes: list[Fix] = []
        tokens = self.segment(text)
        out, i = [], 0
        while i < len(tokens):
            for j in range(min(len(tokens), i + 6), i + 1, -1) if _HAN_RUN.fullmatch(tokens[i]) or \
                    re.fullmatch(r"[\u4e00-\u9fff]", tokens[i]) else ():
                piece = "".join(tokens[i:j])
                if not re.fullmatch(r"[\u4e00-\u9fff]{2,8}", piece) or piece in self.words or self.is_word(piece):
                    continue
                if all(len(t) > 1 for t in tokens[i:j]) and len(piece) < 4:
                    continue
                word = self._one(_pinyin(piece), len(piece))
                if word and word != piece:
                    fixes.append(Fix(piece, word))
                    out.append(word)
                    i = j
                    break
            else:
                out.append(tokens[i])
                i += 1
        fixed = "".join(out)

        def latin(m: re.Match) -> str:
            run = m.group(0)
            word = self._one(run.replace(" ", ""))
            if word:
                fixes.append(Fix(run, word))
                return word
            parts = [self._one(p) for p in run.split()]
            if all(parts):
                fixes.append(Fix(run, "".join(parts)))
                return "".join(parts)
            return run

        return _LATIN_RUN.sub(latin, fixed), fixes
