"""HTTP API and web pages over the engine (issue 3).

API: POST /api/ask, GET /api/sessions/{id}, GET /api/documents, GET /api/documents/{doc_id},
GET /api/health; OpenAPI UI at /docs with its assets served locally (the portal runs on an intranet).
Pages (plain files from web/): / (chat), /embed (compact chat for an iframe), /embed.js (floating
button snippet for any page), /doc/{doc_id} (source viewer).

Errors always have one shape: {"error": {"code", "message" (Chinese), "fields": [{"field", "message"}]}}.
Every request body is limited to MAX_BODY_BYTES as it arrives (BodyLimit: chunked bodies too); /api/ask and
/api/feedback take JSON only, by a real parse of Content-Type (415 otherwise). The OpenAPI schema's limits
come from the same constants the handlers enforce.

POST /api/ask, the one route under load, is answered ahead of the middleware stack when its request is
the common one (AskFastPath, with the same response as the route); everything else goes through the
stack as usual.
"""
from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import queue
import re
import sys
import threading
import zlib
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from email.message import Message
from functools import lru_cache
from time import perf_counter, time_ns
from typing import Any, Literal, NamedTuple

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.config import PROJECT_ROOT, Settings, load_settings
from assistant.service.inputs import (MAX_QUESTION_CHARS, QuestionError, check_question, collapse, dropped_code_points,
                                      picked_pair)
from assistant.service.sessions import SESSIONS, Conversation, ConversationStore, DatabaseStore, MemoryStore, open_state

log = logging.getLogger("assistant.service.api")

WEB_DIR = PROJECT_ROOT / "web"
MAX_BODY_BYTES = 64 * 1024        # a 500-character question is ~2 KB of JSON; refuse floods early
HISTORY_TURNS = 20                # turns kept per conversation for redisplay after a page reload
MAX_LISTENER_BATCH = 256
# Text shrinks a lot on a phone's connection: the long list answer's 11 KB of JSON to 1.5 KB, chat.js
# from 28 KB to 9 KB. Level 6 is zlib's default (9 costs more CPU for little); bodies under 1 KB are
# sent as they are. GZipMiddleware and /api/ask's fast path (AskFastPath) both use these.
GZIP_MINIMUM_SIZE = 1024
GZIP_LEVEL = 6
ANSWER_CACHE_SIZE = 4096          # the engine is pure, so equal (question, context) give equal answers
SESSION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DOC_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")
UNANSWERED = frozenset({"not_listed", "out_of_scope", "clarify", "error"})   # replies that get the contact

AnswerListener = Callable[[dict[str, Any]], None]


# --------------------------------------------------------------------------- request models

normalize_question = collapse      # the API's name for the shared sanitizer's whitespace/control step


@lru_cache(maxsize=1)
def kept_character_pattern() -> str:
    """JSON Schema `pattern` for "has a character the sanitizer keeps": a question of only whitespace,
    controls and zero-width marks is empty to the server, so the schema must not call it valid."""
    ranges: list[list[int]] = []
    for code in dropped_code_points():
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    body = "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in ranges)
    return f"[^{body}]"


def new_id() -> str:
    """A UUIDv7 (RFC 9562) as 32 hex digits: the Unix time in milliseconds, then 74 random bits.

    Session and answer ids are the primary keys of the shared state and of the question log. Random
    keys (uuid4) land each new row on a random page of the key's index, so every row of a group
    commit dirtied a page of its own (SQLite: one more 4 KB frame in the write-ahead log, and later
    in the checkpoint); keys that grow with time are appended to the same few pages. The question
    log's writer thread went from about 32 to 7 µs of CPU per row. 74 random bits still make an id
    unguessable; what an id gives away is when it was made.
    """
    b = bytearray((time_ns() // 1_000_000).to_bytes(6, "big") + os.urandom(10))
    b[6] = (b[6] & 0x0F) | 0x70
    b[8] = (b[8] & 0x3F) | 0x80
    return b.hex()


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={
        "examples": [{"question": "钦南区开展专利导航，谁出钱？", "session_id": None}]})

    question: str = Field(description=f"问题：1–{MAX_QUESTION_CHARS} 个字（去掉控制字符、合并空白后不能为空）",
                          json_schema_extra=lambda schema: schema.update(
                              minLength=1, maxLength=MAX_QUESTION_CHARS, pattern=kept_character_pattern()))
    session_id: str | None = Field(default=None, description="上一轮返回的会话 ID；为空则开始新会话",
                                   pattern=SESSION_ID_RE.pattern)

    @field_validator("question")
    @classmethod
    def _check_question(cls, value: str) -> str:
        return check_question(value)     # QuestionError is a ValueError: its message becomes the 422's


class Finding(BaseModel):
    matter: str
    level: str | None = None
    authority: str | None = None
    payer: str | None = None
    principle: str | None = None
    citation: int | None = None


class Citation(BaseModel):
    doc_id: str
    doc_number: str | None = None
    title: str | None = None
    path: list[str] = []
    paragraph: int | None = None
    label: str | None = None
    anchor: str | None = None
    quote: str | None = None


class Option(BaseModel):
    label: str = Field(description="方案列明的事项名称")
    question: str = Field(description="点选后发送的问题")


class AskResponse(BaseModel):
    """The engine's contract plus the ids this API adds. Documentation only (responses are built directly)."""
    status: Literal["answered", "not_listed", "out_of_scope", "clarify", "error"]
    answer: str
    findings: list[Finding]
    citations: list[Citation]
    suggestions: list[str]
    options: list[Option] = Field(default=[], description="“您问的是不是”：可点选的方案事项")
    session_id: str
    answer_id: str = Field(description="本次回答的 ID（用于 /api/feedback）")
    contact: str | None = Field(default=None, description="未能回答时的咨询方式（配置了 ASSISTANT_CONTACT 时）")
    session_expired: bool = Field(default=False, description="请求带的 session_id 已过期或不存在：之前的对话上下文已不在，"
                                                             "本次按新会话回答（session_id 为新的）")


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: list[dict[str, str]] = []


class ErrorResponse(BaseModel):
    error: ErrorBody


# --------------------------------------------------------------------------- errors

TOO_LARGE = f"请求体过大：最多 {MAX_BODY_BYTES // 1024} KB。"
NOT_JSON = "请求体必须是 JSON（Content-Type: application/json）。"


def error_response(status: int, code: str, message: str, fields: list[dict[str, str]] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "fields": fields or []}}, status_code=status,
                        headers=headers)


def is_json_media_type(content_type: str | None) -> bool:
    """True for application/json (or application/*+json) in UTF-8, by a real parse of the header.

    A substring test would let `text/plain; x=json` through: a form or text post another site can send
    without a CORS preflight. The email package parses the header as MIME defines it.
    """
    if not content_type:
        return False
    header = Message()
    header["content-type"] = content_type
    kind = header.get_content_type()            # "text/plain" when the value does not parse
    if kind != "application/json" and not (kind.startswith("application/") and kind.endswith("+json")):
        return False
    charset = header.get_param("charset")
    return charset is None or (isinstance(charset, str) and charset.lower() in ("utf-8", "utf8"))


class UnsupportedMediaType(StarletteHTTPException):
    def __init__(self) -> None:
        super().__init__(415, NOT_JSON)


def require_json(request: Request) -> None:
    """415 unless the request says its body is JSON (call before reading the body)."""
    if not is_json_media_type(request.headers.get("content-type")):
        raise UnsupportedMediaType()


_FIELD_NAMES = {"question": "question（问题）", "session_id": "session_id（会话 ID）"}


def _validation_message(err: dict[str, Any]) -> tuple[str, str]:
    """Map one pydantic error to (field, Chinese message)."""
    loc = [str(p) for p in err.get("loc", ()) if p != "body"]
    field = loc[0] if loc else "body"
    kind = err.get("type", "")
    name = _FIELD_NAMES.get(field, field)
    if kind == "json_invalid":
        return "body", "请求体不是合法的 JSON。"
    if field == "body" or (loc and loc[0].isdigit()):
        if kind == "missing":
            return "body", '缺少请求体：请以 JSON 发送，例如 {"question": "…"}。'
        return "body", '请求体必须是 JSON 对象，例如 {"question": "…"}。'
    if kind == "missing":
        return field, f"缺少字段 {name}。"
    if kind == "string_type":
        return field, f"{name}必须是字符串。" if field == "question" else f"{name}必须是字符串或 null。"
    if kind == "string_pattern_mismatch":
        return field, f"{name}格式不正确。"
    if kind == "value_error" and isinstance(reason := err.get("ctx", {}).get("error"), QuestionError):
        return field, reason.message
    return field, f"{name}的值不正确。"


_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def allowed_methods(request: Request, fallback: str) -> str:
    """The methods the OpenAPI document gives the request's path: Starlette's 405 names those of the first
    route of the path only, and a path may have one route per method (GET and POST /api/admin/teachings).
    A path the document does not list keeps Starlette's `fallback`."""
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            return ", ".join(sorted(m.upper() for m in operations if m in _HTTP_METHODS))
    return fallback


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = []
        for err in exc.errors():
            field, message = _validation_message(err)
            if not any(f["field"] == field for f in fields):
                fields.append({"field": field, "message": message})
        return error_response(422, "invalid_request", " ".join(f["message"] for f in fields), fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # FastAPI's body parsing gave up (e.g. invalid UTF-8): to the client that is still "not JSON".
            return error_response(422, "invalid_request", "请求体不是合法的 JSON。",
                                  [{"field": "body", "message": "请求体不是合法的 JSON。"}])
        messages = {404: ("not_found", "未找到请求的地址。"), 405: ("method_not_allowed", "不支持该请求方法。"),
                    413: ("too_large", TOO_LARGE), 415: ("unsupported_media_type", NOT_JSON)}
        code, message = messages.get(exc.status_code, ("http_error", "请求无法处理。"))
        if isinstance(exc.detail, str) and exc.status_code not in messages and exc.detail:
            message = exc.detail
        # The headers matter: Allow on a 405, Connection: close on a 413.
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request, (headers or {}).get("Allow", ""))}
        return error_response(exc.status_code, code, message, headers=headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "服务器内部错误，请稍后再试。")


# --------------------------------------------------------------------------- headers (pure ASGI: cheap per request)

def valid_origins(origins: list[str]) -> list[str]:
    """Keep well-formed origins only: they go verbatim into CSP and CORS headers."""
    good = []
    for origin in origins:
        origin = origin.rstrip("/")
        if origin == "*" or ORIGIN_RE.match(origin):
            good.append(origin)
        else:
            log.warning("ignoring malformed embedding origin %r", origin)
    return good


_PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
             "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; ")
# Swagger UI starts itself with an inline script.
_DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
             "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'")


def page_security_headers() -> list[tuple[bytes, bytes]]:
    """The security headers of every response but /embed's and the API docs' (the API's too)."""
    return [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
            (b"content-security-policy", (_PAGE_CSP + "frame-ancestors 'self'").encode()),
            (b"x-frame-options", b"SAMEORIGIN")]


class SecurityHeaders:
    """CSP with frame-ancestors: /embed may be framed by the allowed origins, everything else by itself only."""

    def __init__(self, app: Any, origins: list[str]) -> None:
        self.app = app
        ancestors = " ".join(["'self'", *origins])
        common = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
        self.embed = common + [(b"content-security-policy", (_PAGE_CSP + f"frame-ancestors {ancestors}").encode())]
        self.page = page_security_headers()
        self.docs = common + [(b"content-security-policy", _DOCS_CSP.encode()), (b"x-frame-options", b"SAMEORIGIN")]

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        extra = (self.embed if path == "/embed" else
                 self.docs if path.startswith(("/docs", "/static-docs")) else self.page)
        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadOnPages:
    """HEAD on a page (link checkers and uptime probes use it) is its GET without the body: FastAPI's
    routes take only the methods they list. The API's routes keep their documented methods."""

    API_PREFIXES = ("/api/", "/wechat/", "/wecom/")

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or scope["path"].startswith(self.API_PREFIXES):
            await self.app(scope, receive, send)
            return

        async def headers_only(message: dict) -> None:
            if message["type"] == "http.response.start":
                await send(message)
            elif not message.get("more_body"):       # the last piece of the body (or a pathsend): end it empty
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class BodyTooLarge(StarletteHTTPException):
    """Raised from `receive` once a body passes the limit; the error handler turns it into the 413."""

    def __init__(self) -> None:
        super().__init__(413, TOO_LARGE, headers={"Connection": "close"})


class BodyLimit:
    """Refuses request bodies over `limit` bytes on every route and method.

    Content-Length is checked up front, but a chunked body has none: the bytes are counted as they
    arrive, and reading stops at the first chunk past the limit. The connection is closed after the 413
    (the rest of the body is never read).
    """

    def __init__(self, app: Any, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                await self._refuse(scope, receive, send)
                return
        received = 0
        started = False

        async def limited_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge()
            return message

        async def watched_send(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge:
            # Routes turn it into the 413 themselves; this is for code that caught nothing (e.g. a mount).
            if started:
                raise
            await self._refuse(scope, receive, send)

    @staticmethod
    async def _refuse(scope: dict, receive: Callable, send: Callable) -> None:
        exc = BodyTooLarge()
        await error_response(413, "too_large", TOO_LARGE, headers=exc.headers)(scope, receive, send)


# --------------------------------------------------------------------------- the app

class Answer(NamedTuple):
    """One cached answer. Treat it as read-only: the cache hands the same one to every asker."""
    result: dict[str, Any]          # the engine's reply
    context_json: str               # the conversation's new context, canonical JSON
    body: bytes                     # `result` as JSON
    status: str | None              # for the question log's record:
    matters: tuple[str, ...]        #   the findings' matters, each once, in order
    anchors: tuple[str, ...]        #   the citations' labels


class Answerer:
    """Engine front with an LRU of answers.

    The engine is pure (context in, context out), so the same question in the same context gets the
    same answer; popular questions then cost a dict lookup instead of milliseconds of engine CPU.
    Contexts are kept as canonical JSON: that is the cache key, and each engine call gets a fresh copy
    to work on. The answer's JSON and what the question log records of it are cached too, so a hit
    serializes only the ids.
    """

    def __init__(self, engine: Any, cache_size: int = ANSWER_CACHE_SIZE) -> None:
        self.engine = engine
        self._ask = lru_cache(maxsize=cache_size)(self._ask_engine) if cache_size > 0 else self._ask_engine
        self._taught_version: int | None = None

    def _ask_engine(self, question: str, context_json: str | None) -> Answer:
        context = json.loads(context_json) if context_json is not None else None
        result, new_context = self.engine.ask(question, context)
        body = json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        matters = tuple(dict.fromkeys(f.get("matter") for f in result.get("findings") or [] if f.get("matter")))
        anchors = tuple(c.get("label") for c in result.get("citations") or [] if c.get("label"))
        return Answer(result, json.dumps(new_context, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
                      body, result.get("status"), matters, anchors)

    def ask(self, question: str, context_json: str | None) -> Answer:
        """The answer (read-only: the cache hands the same one to every asker). The cached
        answers are dropped when the help desk's teachings in force change (their version, any worker's)."""
        source = getattr(self.engine, "teachings", None)
        if source is not None:
            version = source.current().version
            if version != self._taught_version:
                self._taught_version = version
                if hasattr(self._ask, "cache_clear"):
                    self._ask.cache_clear()
        return self._ask(question, context_json)


class ListenerDispatcher:
    """Calls the answer listeners on one background thread, in answer order.

    Listeners may write to a database: on the event loop that would stall every request, and one
    threadpool task per answer has dozens of threads fighting the loop for the GIL. `deliver`
    completes once every listener has seen the record; the request awaits it after its response is
    sent (so the connection moves on, and test clients see the record stored). A listener with
    `before_response` is called on the event loop instead, before the response (`before_response`).
    """

    def __init__(self, listeners: Callable[[], list[AnswerListener]]) -> None:
        self.listeners = listeners      # read at call time: app.state.answer_listeners may be replaced
        self._queue: queue.SimpleQueue[tuple[dict[str, Any], Future[None]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def before_response(self, record: dict[str, Any]) -> bool:
        """Give the record to the listeners that take it on the event loop, before the response is sent:
        `listener.before_response(record)`, which must be quick and must not wait for I/O (the help
        desk's question log appends to a local file). True when other listeners remain: `deliver`
        gives it to those. Failures are logged, never raised."""
        rest = False
        for listener in self.listeners():
            hook = getattr(listener, "before_response", None)
            if hook is None:
                rest = True
                continue
            try:
                hook(record)
            except Exception:  # noqa: BLE001 - a listener is someone else's code
                log.exception("answer listener %r failed", listener)
        return rest

    async def deliver(self, record: dict[str, Any]) -> None:
        """Queue the record; return once every listener has been called with it."""
        done: Future[None] = Future()
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="answer-listeners", daemon=True)
                    self._thread.start()
        self._queue.put((record, done))
        await asyncio.wrap_future(done)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            batch = [item]
            # Take whatever queued up meanwhile: a listener with `many` then stores it in one transaction.
            while len(batch) < MAX_LISTENER_BATCH:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    break
                batch.append(nxt)
            notify_listeners(self.listeners(), [record for record, _ in batch])
            for _, done in batch:
                done.set_result(None)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None


class AskHandler:
    """What POST /api/ask does once its body is valid: load the conversation, answer (from the cache when
    it can), store the turn, hand the record to the listeners. Shared by the route and AskFastPath."""

    def __init__(self, state: Any, contact: str | None) -> None:
        self.state = state              # the app's state: sessions, answerer and listeners are read per call
        self.contact = contact
        self.contact_json = json.dumps(contact, ensure_ascii=False) if contact else None

    async def answer(self, body: AskRequest, channel: str, client: str | None) -> tuple[bytes, dict[str, Any] | None]:
        """(the response's JSON, the record still owed to the listeners that run after the response,
        or None). The turn is committed and the early listeners have the record when this returns."""
        started = perf_counter()
        state = self.state
        store: ConversationStore = state.sessions
        conversation = await store.load(body.session_id) if body.session_id else None
        # An unknown or expired id starts a new conversation under a fresh id (ids are never client-chosen),
        # and the reply says so: a follow-up that needed the old context must not look like a bare clarify.
        expired = conversation is None and body.session_id is not None
        session_id = body.session_id if conversation is not None else new_id()
        answer_id = new_id()
        # Inline on the event loop: the engine is pure CPU, so a threadpool hop would only add overhead
        # under the GIL (and would call the shared engine from several threads).
        answer = state.answerer.ask(body.question, conversation.context if conversation else None)
        # Both ids match [A-Za-z0-9_-]+, so they go into the JSON without escaping.
        head = (f'{{"session_id":"{session_id}","answer_id":"{answer_id}",'
                f'"session_expired":{"true" if expired else "false"},')
        if self.contact_json and answer.status in UNANSWERED:
            head += f'"contact":{self.contact_json},'
        response = head.encode() + answer.body[1:]
        # Turns are kept as finished JSON: a reload replays them without re-serializing, and bytes
        # aren't tracked by the garbage collector (thousands of stored sessions stay cheap).
        turn = b'{"question":' + json.dumps(body.question, ensure_ascii=False).encode() + b',"result":' + response + b"}"
        turns = conversation.turns[-(HISTORY_TURNS - 1):] if conversation else ()
        # Stored (committed) before the answer is sent: a follow-up on any worker or host finds it, and
        # no crash after this point can lose a turn the user has seen.
        await store.save(session_id, Conversation(answer.context_json, (*turns, turn)))
        if not state.answer_listeners:
            return response, None
        record = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "channel": "web" if channel.lower() == "web" else "api",
            "session_id": session_id,
            "question": body.question,
            "status": answer.status,
            "matters": list(answer.matters),       # fresh lists: a listener may keep or change its record
            "anchors": list(answer.anchors),
            "latency_ms": (perf_counter() - started) * 1000,
            "answer_id": answer_id,
            "client": client,
        }
        # A tap on one of the last turn's "您问的是不是…" options (the context knows what was asked).
        if conversation is not None and '"asked"' in conversation.context:
            picked = picked_pair(body.question, json.loads(conversation.context), json.loads(answer.context_json),
                                 answer.result)
            if picked:
                record["picked"] = picked
        return response, (record if state.listener_dispatch.before_response(record) else None)


JSON_CONTENT_TYPES = frozenset({b"application/json", b"application/json; charset=utf-8",
                                b"application/json;charset=utf-8", b"application/json; charset=UTF-8"})


class AskFastPath:
    """POST /api/ask answered as a plain ASGI app, ahead of FastAPI's middleware stack and router.

    The stack (error and exception middlewares, telemetry, our headers, gzip, routing, the dependency
    machinery, Request and Response objects) cost more CPU per answer than the answer itself once the
    answer cache is warm. This does the same for the common request: a JSON body that validates.
    Its response is the one the stack would send: the same body (AskHandler), the same headers in the
    same order (CORSMiddleware's when embedding origins are configured, the security headers, then
    GZipMiddleware's Vary and Content-Encoding for bodies of GZIP_MINIMUM_SIZE bytes or more), the
    listeners called the same way, a crash turned into the same 500 by the app's handler.
    tests/test_api.py holds the two paths to that.

    Anything else goes to the stack, with the body it has read so far given back: a Content-Type
    other than the usual spellings of application/json (the route parses the header properly), a body
    that does not validate (the route's 422 says why), a declared or counted body over the limit
    (BodyLimit's 413), a client that went away.
    """

    def __init__(self, app: FastAPI, stack: Callable, handler: AskHandler, origins: list[str]) -> None:
        self.app = app                  # for its exception handlers
        self.stack = stack              # the middleware stack, router and all
        self.handler = handler
        # CORS as CORSMiddleware answers a POST (a browser sends Origin with every POST, same-origin ones
        # too): the Origin mirrored back when it is an allowed one ("*": allow all), "Vary: Origin" always.
        self.cors = bool(origins)
        self.allow_all = "*" in origins
        self.allowed = {o.encode("latin-1") for o in origins}
        self.security = page_security_headers()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["path"] != "/api/ask" or scope["method"] != "POST":
            await self.stack(scope, receive, send)
            return
        content_type = channel = encoding = origin = None
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value if content_type is None else content_type
            elif name == b"content-length":
                if not value.isdigit() or int(value) > MAX_BODY_BYTES:
                    await self.stack(scope, receive, send)
                    return
            elif name == b"accept-encoding":
                encoding = value if encoding is None else encoding
            elif name == b"x-assistant-channel":
                channel = value if channel is None else channel
            elif name == b"origin":
                origin = value if origin is None else origin
        if content_type not in JSON_CONTENT_TYPES or scope.get("root_path"):
            await self.stack(scope, receive, send)
            return
        messages = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > MAX_BODY_BYTES or not message.get("more_body", False):
                break
        raw = b"".join(m.get("body", b"") for m in messages)
        body = None
        if messages[-1]["type"] == "http.request" and size <= MAX_BODY_BYTES:
            try:
                body = AskRequest.model_validate_json(raw)
            except ValidationError:
                pass
        if body is None:
            await self.stack(scope, _replay(messages, receive), send)
            return

        started = False
        try:
            client = scope.get("client")
            response, record = await self.handler.answer(body, channel.decode("latin-1") if channel else "",
                                                         client[0] if client else None)
            headers = [(b"content-length", b""), (b"content-type", b"application/json")]
            vary = b""
            if self.cors:
                if origin is not None and (self.allow_all or origin in self.allowed):
                    headers.append((b"access-control-allow-origin", b"*" if self.allow_all else origin))
                vary = b"Origin"
                headers.append((b"vary", vary))
            headers += self.security
            if len(response) >= GZIP_MINIMUM_SIZE:
                if vary:        # GZipMiddleware adds to the Vary header there is, where it is
                    headers[headers.index((b"vary", vary))] = (b"vary", vary + b", Accept-Encoding")
                else:
                    headers.append((b"vary", b"Accept-Encoding"))
                if encoding is not None and b"gzip" in encoding:
                    packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
                    response = packer.compress(response) + packer.flush()
                    headers.append((b"content-encoding", b"gzip"))
            headers[0] = (b"content-length", str(len(response)).encode())
            started = True
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": response})
            if record is not None:
                await self.handler.state.listener_dispatch.deliver(record)
        except Exception as exc:
            # What ServerErrorMiddleware does, with the app's handler for Exception (_crash): the 500 in
            # the error shape, then the exception goes on to the server, which logs it.
            if not started:
                crash = self.app.exception_handlers.get(Exception) or self.app.exception_handlers.get(500)
                reply = await crash(Request(scope), exc) if crash else PlainTextResponse("Internal Server Error", 500)
                await reply(scope, receive, send)
            raise


def _replay(messages: list[dict], receive: Callable) -> Callable:
    """`receive` that gives the messages already read first, then the rest from the client."""
    pending = list(messages)

    async def replayed() -> dict:
        if pending:
            return pending.pop(0)
        return await receive()
    return replayed


def install_ask_fast_path(app: FastAPI, handler: AskHandler, origins: list[str]) -> None:
    """Put AskFastPath outside the middleware stack Starlette builds at the first request (outside
    ServerErrorMiddleware too: it does that one's work itself)."""
    build = app.build_middleware_stack

    def build_with_fast_path() -> Any:
        return AskFastPath(app, build(), handler, origins)

    app.build_middleware_stack = build_with_fast_path  # type: ignore[method-assign]


def notify_listeners(listeners: list[AnswerListener], records: list[dict[str, Any]]) -> None:
    """Give every listener the records: `listener.many(records)` if it has that method (one batch, e.g.
    one database transaction), else `listener(record)` for each; listeners with `before_response` had
    them already (`ListenerDispatcher.before_response`). Failures are logged, never raised."""
    for listener in list(listeners):
        if hasattr(listener, "before_response"):
            continue
        many = getattr(listener, "many", None)
        calls = [(many, records)] if callable(many) else [(listener, r) for r in records]
        for call, arg in calls:
            try:
                call(arg)
            except Exception:  # noqa: BLE001 - a listener is someone else's code
                log.exception("answer listener %r failed", listener)


def _page(name: str, status: int = 200) -> FileResponse:
    return FileResponse(WEB_DIR / name, status_code=status, media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})


def create_app(settings: Settings | None = None, engine: Any = None, *,
               answer_cache_size: int = ANSWER_CACHE_SIZE) -> FastAPI:
    """Build the app. `engine` is injected by tests; otherwise the engine loads once at startup."""
    settings = settings or load_settings()
    origins = valid_origins(settings.allowed_origins)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "answerer", None) is None:
            from assistant.engine import Assistant
            _set_engine(app, Assistant.load(settings.data_dir), answer_cache_size)
            # The engine's tables live as long as the process: keep them out of the garbage collector's
            # full passes, which otherwise show up as latency spikes.
            gc.freeze()
        yield
        app.state.listener_dispatch.close()
        if app.state.shared_state is not None:
            app.state.shared_state.close()

    app = FastAPIOffline(
        title="政策问答助手 API",
        description="财政事权和支出责任划分方案问答：结论、依据与原文引用。",
        version="0.1.0", redoc_url=None, static_url="/static-docs", lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.shared_state = None
    app.state.sessions = _session_store(app, settings)
    app.state.answer_listeners = []
    app.state.listener_dispatch = ListenerDispatcher(lambda: app.state.answer_listeners)
    app.state.answerer = None
    app.state.engine_hooks = []
    if engine is not None:
        _set_engine(app, engine, answer_cache_size)

    _install_error_handlers(app)
    app.add_middleware(BodyLimit)          # innermost of ours: SecurityHeaders and CORS see its 413s
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "X-Assistant-Channel"], max_age=600)
    app.add_middleware(SecurityHeaders, origins=origins)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE, compresslevel=GZIP_LEVEL)
    app.add_middleware(HeadOnPages)

    handler = AskHandler(app.state, settings.contact)
    _api_routes(app, handler)
    _page_routes(app, origins)
    _lazy_openapi(app)

    try:
        from assistant.helpdesk import admin as helpdesk
    except ModuleNotFoundError as exc:  # the help desk lands separately; the chat works without it
        if exc.name != "assistant.helpdesk.admin":
            raise
        log.warning("assistant.helpdesk.admin is missing: no question log, no feedback endpoint")
    else:
        helpdesk.install(app, settings)
    install_ask_fast_path(app, handler, origins)
    return app


def _session_store(app: FastAPI, settings: Settings) -> ConversationStore:
    """Conversations in the shared database (every worker and host sees them; they survive restarts),
    or in this process's memory when ASSISTANT_SESSION_STORE=memory."""
    if settings.session_store == "memory":
        return MemoryStore(settings.session_max, settings.session_ttl_seconds)
    app.state.shared_state = open_state(settings.db_url, settings.state_dir)
    return DatabaseStore(app.state.shared_state, SESSIONS, settings.session_ttl_seconds, settings.session_max)


def _set_engine(app: FastAPI, engine: Any, cache_size: int) -> None:
    app.state.engine = engine
    # What the help desk gives the engine once it is loaded (its teachings), before the first answer.
    for hook in app.state.engine_hooks:
        hook(engine)
    app.state.answerer = Answerer(engine, cache_size)


def parse_ask(content_type: str, raw: bytes) -> AskRequest:
    """Validate a /api/ask body: no body → 422 (missing), not JSON by its Content-Type → 415 (requiring
    JSON also makes a cross-site post need a CORS preflight), other failures → 422 in the error shape."""
    if raw and not is_json_media_type(content_type):
        raise UnsupportedMediaType()
    try:
        return AskRequest.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None


# The documented errors of a route that takes a JSON body (the schema lists every status it can return).
BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorResponse, "description": "请求体过大"},
    415: {"model": ErrorResponse, "description": "请求体不是 JSON"},
    422: {"model": ErrorResponse, "description": "请求不合法"},
}
ASK_BODY: dict[str, Any] = {}      # filled when the schema is first built (see _lazy_openapi)


def _lazy_openapi(app: FastAPI) -> None:
    """Build the /api/ask body schema when the OpenAPI document is first asked for, not at start-up:
    its `pattern` comes from a scan of all of Unicode (about half a second)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            ASK_BODY["schema"] = AskRequest.model_json_schema()
        return build()

    app.openapi = openapi  # type: ignore[method-assign]


def _api_routes(app: FastAPI, handler: AskHandler) -> None:
    @app.post("/api/ask", response_model=AskResponse, responses=BODY_ERRORS, tags=["问答"],
              summary="提问（同一会话内可追问）",
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": ASK_BODY}}})
    async def ask(request: Request) -> Response:
        # Most requests never get here: AskFastPath answers them before the middleware stack. This route
        # takes the rest (other Content-Types, invalid bodies, CORS, ...) and documents the endpoint.
        # The body is parsed here rather than by FastAPI's dependency machinery: same pydantic model and
        # error handler, a good part less overhead.
        body = parse_ask(request.headers.get("content-type", ""), await request.body())
        response, record = await handler.answer(body, request.headers.get("x-assistant-channel", ""),
                                                request.client.host if request.client else None)
        background = BackgroundTask(request.app.state.listener_dispatch.deliver, record) if record else None
        return Response(response, media_type="application/json", background=background)

    @app.get("/api/sessions/{session_id}", tags=["问答"], summary="取回会话记录（页面刷新后恢复对话）",
             responses={404: {"model": ErrorResponse}})
    async def session_history(session_id: str, request: Request) -> Response:
        conversation = await request.app.state.sessions.load(session_id) if SESSION_ID_RE.match(session_id) else None
        if conversation is None:
            return error_response(404, "session_not_found", "会话不存在或已过期。")
        turns = b",".join(conversation.turns)
        return Response(b'{"session_id":"%s","turns":[%s]}' % (session_id.encode(), turns), media_type="application/json")

    @app.get("/api/documents", tags=["文件"], summary="文件列表")
    async def documents(request: Request) -> Response:
        engine = request.app.state.engine
        return JSONResponse({"documents": engine.documents(), "examples": engine.examples()})

    @app.get("/api/documents/{doc_id}", tags=["文件"], summary="文件全文（带锚点的段落树，供原文查看）",
             responses={404: {"model": ErrorResponse}})
    async def document(doc_id: str, request: Request) -> Response:
        tree = request.app.state.engine.document(doc_id) if DOC_ID_RE.match(doc_id) else None
        if tree is None:
            return error_response(404, "document_not_found", f"未找到文件：{doc_id[:128]}")
        return JSONResponse(tree)

    pid = os.getpid()

    @app.get("/api/health", tags=["运维"], summary="健康检查（pid：回答的工作进程）")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "pid": pid}


def embed_script(origins: list[str]) -> bytes:
    """web/embed.js with the allowed embedding origins written in, so that on a host page that may not
    frame /embed the script shows nothing (and says why) instead of a button that opens an error."""
    source = (WEB_DIR / "embed.js").read_text(encoding="utf-8")
    return source.replace("/*ALLOWED_ORIGINS*/null", json.dumps(origins)).encode("utf-8")


def _page_routes(app: FastAPI, origins: list[str]) -> None:
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    embed_js = embed_script(origins)

    @app.get("/", include_in_schema=False)
    async def chat_page() -> Response:
        return _page("index.html")

    @app.get("/embed", include_in_schema=False)
    async def embed_page() -> Response:
        return _page("embed.html")

    @app.get("/embed.js", include_in_schema=False)
    async def embed_js_route() -> Response:
        return Response(embed_js, media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=300"})

    @app.get("/doc/{doc_id}", include_in_schema=False)
    async def doc_page(doc_id: str, request: Request) -> Response:
        found = DOC_ID_RE.match(doc_id) and request.app.state.engine.document(doc_id) is not None
        return _page("doc.html", 200 if found else 404)


def _end_with_parent() -> None:
    """Linux: end with the supervisor when it dies (even by kill -9) rather than serve on as an orphan
    with the port. At once, as the supervisor did: the worker's question-log journal is left for the
    next start to write, which it can only do once the journal's owner is gone."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)            # PR_SET_PDEATHSIG
    except (OSError, AttributeError):            # not Linux: systemd's KillMode still ends the workers
        return
    if os.getppid() == 1:                        # the supervisor died before the call
        os.kill(os.getpid(), signal.SIGKILL)


def create_worker_app() -> FastAPI:
    """The app of one of `serve --workers N`'s processes (uvicorn's factory; settings from the environment)."""
    _end_with_parent()
    return create_app()


def default_workers() -> int:
    """The number of cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def serve(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None, *,
          workers: int = 1, answer_cache_size: int = ANSWER_CACHE_SIZE, access_log: bool = True) -> None:
    """`assistant serve`: uvicorn with `workers` processes (each loads the engine and keeps its own
    question-log journal; conversations are shared through the database). Several workers each listen
    with a socket of their own under a small supervisor (`assistant.service.workers`), or, where
    SO_REUSEPORT is missing, in uvicorn's multi-process mode. X-Forwarded-For and X-Forwarded-Proto are
    believed only from the addresses in ASSISTANT_TRUSTED_PROXIES. Raises SystemExit when it cannot serve."""
    import uvicorn

    from assistant.service import workers as multi

    settings = settings or load_settings()
    if workers > 1 and settings.session_store == "memory":
        raise SystemExit("ASSISTANT_SESSION_STORE=memory 时会话只在一个进程内，不能使用多个工作进程（--workers 1）。")
    options = {"log_level": "info", "access_log": access_log, "timeout_graceful_shutdown": 10,
               "proxy_headers": bool(settings.trusted_proxies),
               "forwarded_allow_ips": ",".join(settings.trusted_proxies) or None}
    if workers <= 1:
        uvicorn.run(create_app(settings, answer_cache_size=answer_cache_size), host=host, port=port, **options)
        return
    # Each worker process builds its own app from the environment: hand the data folder over there.
    if settings.data_dir is not None:
        os.environ["ASSISTANT_DATA"] = str(settings.data_dir)
    if answer_cache_size != ANSWER_CACHE_SIZE:
        raise ValueError("answer_cache_size can only be changed with one worker")
    if not multi.reuseport_available():
        print("本机不支持 SO_REUSEPORT：改用 uvicorn 的多进程模式（各工作进程共用一个监听端口，连接可能分配不均）。",
              file=sys.stderr)
        uvicorn.run(multi.WORKER_APP, factory=True, workers=workers, host=host, port=port, **options)
        return
    try:
        multi.check_port(host, port)
    except OSError as exc:
        raise SystemExit(f"无法监听 {host}:{port}：{exc.strerror or exc}（端口已被占用？）") from None
    if multi.Supervisor(workers, host, port, options).run():
        raise SystemExit(1)
