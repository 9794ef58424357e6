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
_LATIN_RUN = re.compile(r"([\u4e00-\u9fff]{0,6})([a-z]+(?:\s+[a-z]+)*)")   # (with the characters before it)


@lru_cache(maxsize=65536)
def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin   # loaded on the first typo only: its tables take ~0.2 s

    return "".join(lazy_pinyin(text))


def _readings(word: str, most: int = 8) -> set[str]:
    """Every toneless reading of a word whose characters have several ("调解" is tiaojie, and diaojie
    as a typist may hear 调): a typo typed by either reading finds it. At most `most` readings."""
    from pypinyin import Style, pinyin

    readings = [""]
    for options in (pinyin(c, style=Style.NORMAL, heteronym=True)[0] for c in word):   # per character
        readings = [r + o for r in readings for o in dict.fromkeys(options)][:most]
    return set(readings)


@dataclass(frozen=True)
class Fix:
    written: str     # as the user typed it ("倒航", "zhuanli daohang")
    read: str        # the plan's word it was read as ("导航", "专利导航")


class Homophones:
    """The words of one or more plans, by their toneless pinyin."""

    def __init__(self, words: set[str], is_word, segment, syllables: dict[str, str] | None = None,
                 names: set[str] | None = None) -> None:
        self.words = {w for w in words if 2 <= len(w) <= 8 and _HAN_RUN.fullmatch(w)}
        self.names = {n for n in names or () if len(n) >= 6}   # the plans' matter names, whole
        self.syllables = syllables or {}   # one-character words a pinyin run may hold ("shi" → 市, "de" → 的)
        self.is_word = is_word          # the segmenter's dictionary: real words are never "fixed"
        self.segment = segment          # text → tokens, spaces and punctuation kept
        self._by_sound: dict[str, set[str]] | None = None
        self._by_other: dict[str, set[str]] = {}

    def _sounds(self, other: bool = False) -> dict[str, set[str]]:
        """Words by their usual reading; with `other`, by their characters' other readings."""
        if self._by_sound is None:
            usual: dict[str, set[str]] = {}
            rest: dict[str, set[str]] = {}
            for w in sorted(self.words):
                usual.setdefault(_pinyin(w), set()).add(w)
                for sound in _readings(w) - {_pinyin(w)}:
                    rest.setdefault(sound, set()).add(w)
            self._by_sound, self._by_other = usual, rest
        return self._by_other if other else self._by_sound

    def _one(self, sound: str, length: int | None = None) -> str | None:
        for other in (False, True):   # the usual reading first: an other reading only if none has it
            found = [w for w in self._sounds(other).get(sound, ()) if length is None or len(w) == length]
            if found:
                return found[0] if len(found) == 1 else None
        return None

    def _syllable(self, sound: str) -> str | None:
        return self._one(sound) or self.syllables.get(sound)

    def _real_word_typos(self, tokens: list[str], fixes: list[Fix]) -> str:
        """"特别重大事故调差处理": a real word (调差) is a typo only where the plan's word of its sound (调查) makes
        the question say one of the plan's matter names whole that it did not say before. `tokens`: the question
        as segmented, other typos read."""
        text = "".join(tokens)
        for i, token in enumerate(tokens):
            if len(token) < 2 or not _HAN_RUN.fullmatch(token) or token in self.words:
                continue
            word = self._one(_pinyin(token), len(token))
            if not word or word == token:
                continue
            again = "".join(tokens[:i]) + word + "".join(tokens[i + 1:])
            if any(word in n and n in again and n not in text for n in self.names):
                fixes.append(Fix(token, word))
                tokens = tokens[:i] + [word] + tokens[i + 1:]
                text = again
        return text

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
        fixed = self._real_word_typos(out, fixes)

        def latin(m: re.Match) -> str:
            before, run = m.group(1), m.group(2)
            word = self._one(run.replace(" ", ""))
            if word:
                fixes.append(Fix(run, word))
                return before + word
            # "商标品牌zhidaozhan建设": a word typed half in characters, half in pinyin — the characters right
            # before the run, sounded out, and the run make one of the plan's words.
            for k in range(len(before), 0, -1):
                word = self._one(_pinyin(before[-k:]) + run.replace(" ", ""))
                if word:
                    fixes.append(Fix(before[-k:] + run, word))
                    return before[:-k] + word
            # "zhuanli daohang shili de shui chu qian": the longest runs of syllables that sound like
            # one known word each, the rest left as typed; kept only if some word was read.
            parts, out, i, read = run.split(), [], 0, 0
            while i < len(parts):
                j = next((j for j in range(len(parts), i, -1) if self._syllable("".join(parts[i:j]))), None)
                if j is None:
                    out.append(parts[i])
                    i += 1
                    continue
                out.append(self._syllable("".join(parts[i:j])))
                read += j - i
                i = j
            if read == len(parts):   # every syllable read: it is pinyin, not English (or a level left out)
                fixed_run = "".join(out)
                fixes.append(Fix(run, fixed_run))
                return before + fixed_run
            return before + run

        return _LATIN_RUN.sub(latin, fixed), fixes
