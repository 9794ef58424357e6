"""One gate for a question, whichever door it came in by: the command line, the HTTP API, WeChat/WeCom,
and the engine itself (so a caller that skipped the gate still cannot crash it).

    check_question(text) -> str      the question with controls dropped and whitespace collapsed;
                                     raises QuestionError (code + Chinese message) when it is empty,
                                     longer than MAX_QUESTION_CHARS, or not valid Unicode text
    decode_line(raw) -> str          bytes from stdin → text; invalid UTF-8 is kept as lone surrogates,
                                     which check_question then refuses with a clear message
    error_result(message) -> dict    the engine's contract for a question that got no answer (status "error")
    picked_option(question, context) the "您问的是不是…" option a question picks (its text or its number), or None
    picked_pair(question, before, after, result)   that pick as (the phrasing asked → the matter answered), or None

Stdlib only: the command line imports this before anything heavy.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

# The HTTP schema (maxLength), the API, the channels, the CLI and the engine all use this one number.
# It counts characters (code points) as given, before whitespace is collapsed, as JSON Schema does.
MAX_QUESTION_CHARS = 500

MESSAGES = {
    "empty": "问题不能为空。",
    "too_long": "问题过长：最多 {limit} 个字，当前 {length} 个字。请精简后再问。",
    "invalid_text": "问题中含有无法识别的字符（不是有效的 UTF-8 文本），请检查编码后重新输入。",
    "internal": "抱歉，回答这个问题时系统出现了内部错误（已记录）。请换个说法再问，或稍后再试。",
}

_BREAKS = {"Cc", "Zl", "Zp"}        # controls (tab, newline…) and line/paragraph separators: a space
_FORMAT = "Cf"                      # zero-width and direction marks: nothing (they sit inside words)
_SPACES = re.compile(r"\s+")


class QuestionError(ValueError):
    """A question that cannot be asked; `code` is one of MESSAGES' keys, `message` is for the user."""

    def __init__(self, code: str, length: int = 0) -> None:
        self.code = code
        self.length = length
        self.message = MESSAGES[code].format(limit=MAX_QUESTION_CHARS, length=length)
        super().__init__(self.message)


def collapse(text: str) -> str:
    """Collapse whitespace and drop control/zero-width characters; the engine does the linguistic part."""
    if not text.isprintable():      # printable text has none of those and no whitespace but " "
        text = "".join(" " if (cat := unicodedata.category(ch)) in _BREAKS else "" if cat == _FORMAT else ch
                       for ch in text)
    return _SPACES.sub(" ", text).strip()


def dropped_code_points() -> list[int]:
    """Every code point `collapse` removes or turns into a space (the OpenAPI schema needs the set)."""
    return [code for code in range(0x110000)
            if not 0xD800 <= code <= 0xDFFF and ((ch := chr(code)).isspace() or (
                not ch.isprintable() and unicodedata.category(ch) in (*_BREAKS, _FORMAT)))]


def is_valid_text(text: str) -> bool:
    """False for lone surrogates (undecodable bytes smuggled into a str): UTF-8 cannot encode them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_question(text: Any) -> str:
    """The question as the engine should see it, or QuestionError with a message for the user."""
    if not isinstance(text, str):
        raise QuestionError("empty" if text is None else "invalid_text")
    if len(text) > MAX_QUESTION_CHARS:      # first: the rest is linear, but why read 300 MB
        raise QuestionError("too_long", len(text))
    if not is_valid_text(text):
        raise QuestionError("invalid_text")
    cleaned = collapse(text)
    if not cleaned:
        raise QuestionError("empty")
    return cleaned


def decode_line(raw: bytes) -> str:
    """A line of bytes as text, invalid UTF-8 kept as lone surrogates (refused by check_question)."""
    return raw.decode("utf-8", "surrogateescape")


def error_result(message: str) -> dict[str, Any]:
    """The answer contract for a question that was not answered: a polite message, nothing else."""
    return {"status": "error", "answer": message, "findings": [], "citations": [], "suggestions": [], "options": []}


_OPTION_NUMBER = re.compile(r"\s*([1-9])\s*[.。、]?\s*")


def picked_option(question: str, context: dict | None) -> str | None:
    """The option of the previous turn ("您问的是不是：1. … 2. …", kept in the context as `options`) that
    a question picks: a tapped button sends the option's own question, a WeChat reply its number ("2").
    None when the question is anything else."""
    offered = (context or {}).get("options") or []
    if not offered or not isinstance(question, str):
        return None
    number = _OPTION_NUMBER.fullmatch(question)
    if number:
        n = int(number.group(1))
        return offered[n - 1] if n <= len(offered) else None
    question = collapse(question)
    return question if question in offered else None


def picked_pair(question: str, before: dict | None, after: dict | None, result: dict) -> dict | None:
    """When a question picked an option that the previous turn offered for a phrasing (`before["asked"]`) and
    was answered with one matter: {"question": that phrasing, "doc_id", "matter_id"} — a user's own pairing of
    their words with a listed matter (the help desk's candidate teachings). None otherwise."""
    if not before or not before.get("asked") or picked_option(question, before) is None:
        return None
    matters = (after or {}).get("matters") or []
    if result.get("status") != "answered" or len(matters) != 1 or not (after or {}).get("doc_id"):
        return None
    return {"question": before["asked"], "doc_id": after["doc_id"], "matter_id": matters[0]}
