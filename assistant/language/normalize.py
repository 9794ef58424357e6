"""Text normalization for documents (length-preserving, so spans map back) and for questions."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

# Half-width punctuation as it appears in pasted Chinese text, folded to the full-width forms
# the rule patterns are written in.
_PUNCT_TO_FULL = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "?": "？", "!": "！",
                                "〔": "〔", "［": "〔", "］": "〕", "﹝": "〔", "﹞": "〕", "【": "【",
                                "∶": "："})   # the ratio sign of "8∶2"
_CJK = r"\u3400-\u9fff\uf900-\ufaff"


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _fold_width(ch: str) -> str:
    code = ord(ch)
    # Full-width ASCII letters and digits → half-width; punctuation stays full-width.
    if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
        return chr(code - 0xFEE0)
    if ch == "\u3000":
        return " "
    return ch


def to_simplified(text: str) -> str:
    """Traditional → simplified; falls back to per-character conversion if a phrase changed length."""
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(c if len(c) == 1 else ch for ch, c in ((ch, _t2s().convert(ch)) for ch in text))


def fold_document(text: str) -> str:
    """Canonical form of document text with exactly one output char per input char.

    Rule extraction runs on this form; quotes are cut from the original at the same offsets,
    so they stay verbatim whatever mix of scripts and widths the source used.
    """
    text = to_simplified(text)
    text = "".join(_fold_width(ch) for ch in text)
    return text.translate(_PUNCT_TO_FULL)


_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}，。、；：？！（）《》“”])\s+|\s+(?=[{_CJK}，。、；：？！（）《》“”])")
_PHRASE_BEFORE = re.compile(rf"[{_CJK}]{{2}}$")
_PHRASE_AFTER = re.compile(rf"^[{_CJK}]{{2}}")


def _space(m: re.Match) -> str:
    """A space between two Chinese phrases separates them ("我们市 县里自己组织的…" is no "市县"); one
    beside a single character is a stray or a letter-spaced line ("质 押 融 资") and goes."""
    before, after = m.string[:m.start()], m.string[m.end():]
    return " " if _PHRASE_BEFORE.search(before) and _PHRASE_AFTER.match(after) else ""


_REPEATED_PUNCT = re.compile(r"([，。、；：？！…~～])\1+")
_CONTROL = re.compile(r"[\u200b-\u200f\ufeff\u00ad]")


def normalize_question(text: str) -> str:
    """What the user typed → one canonical string: simplified, folded widths, no stray spaces."""
    text = unicodedata.normalize("NFC", text or "")
    text = _CONTROL.sub("", text)
    text = fold_document(text).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    if re.search(rf"[{_CJK}]", text):
        text = re.sub(r"(?<!\d)\.|\.(?!\d)", "。", text)
    text = _SPACE_BETWEEN_CJK.sub(_space, text)
    text = re.sub(r"\s+", " ", text).strip()
    text = _REPEATED_PUNCT.sub(r"\1", text)
    return text.lower()


def strip_spaces_in_cjk(text: str) -> str:
    """Remove spaces that a layout put inside a Chinese title or line ("市以下 财政事权")."""
    return _SPACE_BETWEEN_CJK.sub("", text).strip()
