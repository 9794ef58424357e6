"""Messaging channels: a WeChat Official Account and a WeCom (企业微信) app.

    GET/POST /wechat/callback   ASSISTANT_WECHAT_TOKEN; plaintext mode, or safe mode (AES) when
                                ASSISTANT_WECHAT_AES_KEY and ASSISTANT_WECHAT_APPID are set
    GET/POST /wecom/callback    ASSISTANT_WECOM_TOKEN, ASSISTANT_WECOM_AES_KEY, ASSISTANT_WECOM_CORP_ID

Signatures, AES and message objects come from wechatpy. Bodies are capped in size and checked by
defusedxml (no DTDs, no entities) before wechatpy's own parser sees them. A bad signature is refused
(403) and logged, never answered; so is a signed request whose timestamp is outside the freshness window
(`channel_max_age_seconds`, a replay), and within the window a message already answered (same MsgId) gets
its first reply again without being answered or logged twice. Text messages are answered within the platforms' 5 s with the
conclusion, a shortened quote and its citation label; other messages get a polite reply. Every
answer is logged through `app.state.answer_listeners`, like the web API's answers.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response
from wechatpy import parse_message as parse_wechat
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise import parse_message as parse_wecom
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.enterprise.replies import TextReply as WeComTextReply
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from assistant.config import Settings
from assistant.service.inputs import (MESSAGES, MAX_QUESTION_CHARS, QuestionError, check_question, error_result,
                                      picked_pair)
from assistant.helpdesk.log import UNANSWERED, QuestionLog
from assistant.service.sessions import Conversation, DatabaseStore, MemoryStore, SharedState

log = logging.getLogger("assistant.helpdesk.channels")

MAX_BODY_BYTES = 64 * 1024      # platform messages are a few KB
REPLY_BUDGET_S = 4.0            # the platforms give up after 5 s
MAX_REPLY_CHARS = 600           # a text reply may be at most 2048 bytes (UTF-8)
QUOTE_CHARS = 60
DEDUPE_SECONDS = 60.0           # platforms retry a message they got no reply to (at least this long)

TEXT_ONLY = "您好！目前只能回答文字提问，请直接用文字发送您的问题，例如：“钦南区开展专利导航，谁出钱？”"
WELCOME = "您好，欢迎使用政策问答助手！请直接发送您想了解的政策问题，例如：“钦南区开展专利导航，谁出钱？”"
EMPTY_QUESTION = "请发送您想咨询的问题。"
TOO_LONG = f"问题过长，请精简到 {MAX_QUESTION_CHARS} 字以内再发送。"
BUSY = "正在查询，请稍候再发送一次您的问题。"


class BadRequest(Exception):
    """A body that is too large, not XML, or not a platform message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# --------------------------------------------------------------------------- replies

def _shorten(text: str, limit: int, keep_lines: bool = False) -> str:
    if keep_lines:
        text = "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
    else:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def excerpt(quote: str, keyword: str | None, limit: int = QUOTE_CHARS) -> str:
    """The quote shortened to `limit` characters, moved to show `keyword` when it would be cut off."""
    quote = " ".join((quote or "").split())
    if keyword and keyword in quote and len(quote) > limit:
        at = quote.index(keyword)
        if at + len(keyword) > limit - 1:
            start = max(0, min(at - 12, len(quote) - limit + 1))
            return _shorten("…" + quote[start:], limit)
    return _shorten(quote, limit)


def _conclusion(answer: str) -> str:
    lines = []
    for line in (answer or "").splitlines():
        if line.strip().startswith(("依据", "原文", "出处")):
            break
        if line.strip():
            lines.append(line.strip())
    return "\n".join(lines) or (answer or "").strip()


def format_reply(result: dict[str, Any], contact: str | None = None) -> str:
    """A channel reply: conclusion, a shortened quote with its citation label, help-desk contact."""
    conclusion = _shorten(_conclusion(result.get("answer", "")), 300, keep_lines=True)
    parts = [conclusion]
    citations = [c for c in result.get("citations") or [] if c.get("quote") or c.get("label")]
    if citations:
        first = citations[0]
        index = (result.get("citations") or []).index(first)
        matter = next((f.get("matter") for f in result.get("findings") or []
                       if f.get("citation") == index and f.get("matter")), None)
        quote = excerpt(first.get("quote") or "", matter)
        label = first.get("label") or first.get("doc_number") or ""
        more = len({c.get("label") for c in citations}) - 1
        line = f"依据：“{quote}”" if quote else "依据："
        parts.append(line + (f"（{label}{f' 等 {more + 1} 处' if more > 0 else ''}）" if label else ""))
    status = result.get("status")
    # Suggestions the answer text does not already offer.
    suggestions = [s for s in result.get("suggestions") or [] if s and s not in conclusion][:3]
    if status == "clarify" and suggestions:
        parts.append("您可以这样问：\n" + "\n".join(f"· {s}" for s in suggestions))
    if (status in UNANSWERED or status == "error") and contact:
        parts.append(f"如需人工帮助，请联系：{contact}")
    text = "\n".join(parts)
    if len(text) > MAX_REPLY_CHARS:
        text = text[: MAX_REPLY_CHARS - 1] + "…"
    return text.replace("]]>", "]] >")  # replies are CDATA sections


# --------------------------------------------------------------------------- the bot behind both channels

class ChannelBot:
    """Asks the engine for one channel user (context kept per hashed user id) and logs the answer."""

    def __init__(self, app: FastAPI, channel: str, settings: Settings, store: QuestionLog,
                 reply_budget_s: float = REPLY_BUDGET_S) -> None:
        # A replay inside the freshness window must find the first reply: keep replies that long.
        self.dedupe_seconds = max(DEDUPE_SECONDS, settings.channel_max_age_seconds)
        self.app = app
        self.channel = channel
        self.contact = settings.contact
        self.store = store
        # Shared with every worker and host when the app has the shared state: a user's next message and a
        # platform's retry may reach another one.
        self.shared: SharedState | None = getattr(app.state, "shared_state", None)
        self.sessions = (DatabaseStore(self.shared, f"{channel}-user", settings.session_ttl_seconds,
                                       settings.session_max)
                         if self.shared is not None else
                         MemoryStore(settings.session_max, settings.session_ttl_seconds))
        self.reply_budget_s = reply_budget_s
        self._recent: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def seen(self, key: str) -> str | None:
        """The reply already given to a message the platform is retrying."""
        if self.shared is not None:
            value = await self.shared.aget(f"{self.channel}-reply", self.store.hash(key) or "")
            return value.decode("utf-8") if value is not None else None
        now = time.monotonic()
        while self._recent and next(iter(self._recent.values()))[0] < now - self.dedupe_seconds:
            self._recent.popitem(last=False)
        item = self._recent.get(key)
        return item[1] if item else None

    async def remember(self, key: str, reply: str) -> None:
        if self.shared is not None:
            await self.shared.aput(f"{self.channel}-reply", self.store.hash(key) or "", reply.encode("utf-8"),
                                   ttl=self.dedupe_seconds)
            return
        self._recent[key] = (time.monotonic(), reply)
        while len(self._recent) > 10_000:
            self._recent.popitem(last=False)

    async def answer(self, user_id: str, text: str) -> str:
        started = time.perf_counter()
        try:
            question = check_question(text)
        except QuestionError as err:
            return {"empty": EMPTY_QUESTION, "too_long": TOO_LONG}.get(err.code, err.message)
        user_hash = self.store.hash(f"{self.channel}:{user_id}") or ""
        stored = await self.sessions.load(user_hash)
        context = json.loads(stored.context) if stored is not None else None
        # The engine is ~1 ms of pure CPU: run it on the loop, like the web API does.
        try:
            result, new_context = self.app.state.engine.ask(question, context)
        except Exception:  # noqa: BLE001 - the engine answers errors itself; a reply must go out regardless
            log.exception("%s: the engine failed on %r", self.channel, question[:200])
            result, new_context = error_result(MESSAGES["internal"]), context or {}
        await self.sessions.save(user_hash, Conversation(json.dumps(new_context, ensure_ascii=False)))
        reply = format_reply(result, self.contact)
        latency_ms = (time.perf_counter() - started) * 1000
        record = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "channel": self.channel,
            "session_id": user_hash,
            "question": question,
            "status": result.get("status"),
            "matters": list(dict.fromkeys(f.get("matter") for f in result.get("findings") or [] if f.get("matter"))),
            "anchors": [c.get("label") for c in result.get("citations") or [] if c.get("label")],
            "latency_ms": latency_ms,
            "answer_id": uuid.uuid4().hex,
            "client": None,            # the platform's server, not the user
            "user_hash": user_hash,
        }
        picked = picked_pair(question, context, new_context, result)     # "2" after "您问的是不是：1. … 2. …"
        if picked:
            record["picked"] = picked
        listeners = list(getattr(self.app.state, "answer_listeners", []) or [])
        if listeners:
            # Writes happen in a thread; the reply waits for the commit, but never past the budget.
            remaining = max(0.05, self.reply_budget_s - (time.perf_counter() - started))
            task = asyncio.ensure_future(run_in_threadpool(_notify, listeners, record))
            try:
                await asyncio.wait_for(asyncio.shield(task), remaining)
            except asyncio.TimeoutError:
                log.warning("%s: logging the answer took longer than %.1f s; replying anyway", self.channel,
                            self.reply_budget_s)
        return reply


def _notify(listeners: list[Callable[[dict], None]], record: dict[str, Any]) -> None:
    for listener in listeners:
        try:
            listener(record)
        except Exception:  # noqa: BLE001 - one failing listener must not lose the reply
            log.exception("answer listener %r failed", listener)


# --------------------------------------------------------------------------- request helpers

async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BadRequest(413, "请求体过大")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise BadRequest(413, "请求体过大")
    return bytes(body)


def safe_xml(data: bytes | str) -> dict[str, str]:
    """Parse with defusedxml (DTDs and entities forbidden); the direct children of <xml> as a dict."""
    if not data:
        raise BadRequest(400, "空的消息体")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as e:
        raise BadRequest(400, f"不是合法的 XML：{type(e).__name__}")
    if root.tag != "xml":
        raise BadRequest(400, "不是平台消息")
    return {child.tag: (child.text or "") for child in root}


def _client(request: Request, store: QuestionLog) -> str:
    return store.hash(request.client.host if request.client else None) or "-"


def _refuse(channel: str, request: Request, store: QuestionLog, why: str) -> Response:
    log.warning("%s callback refused: %s (client %s, %s %s)", channel, why, _client(request, store),
                request.method, request.url.path)
    return PlainTextResponse("签名校验失败", status_code=403)


def _bad(channel: str, request: Request, store: QuestionLog, err: BadRequest) -> Response:
    log.warning("%s callback rejected: %s (client %s)", channel, err, _client(request, store))
    return PlainTextResponse(str(err), status_code=err.status)


def _xml(text: str) -> Response:
    return Response(text, media_type="application/xml; charset=utf-8")


def _q(request: Request, name: str) -> str:
    return request.query_params.get(name, "")


def fresh(timestamp: str, max_age_seconds: float, now: float | None = None) -> bool:
    """Is a request's signed timestamp within the freshness window? (max_age <= 0 turns the check off.)

    The signature covers the timestamp, so an attacker who captured a request can replay it but not
    re-date it: a stale one is refused, a recent one meets the MsgId de-duplication.
    """
    if max_age_seconds <= 0:
        return True
    if not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs((time.time() if now is None else now) - int(timestamp)) <= max_age_seconds


def _reply_for_message(msg: Any) -> tuple[str, str | None]:
    """(kind, text): kind 'ask' with the question, 'say' with a fixed reply, or 'none'."""
    kind = getattr(msg, "type", "unknown")
    if kind == "text":
        return "ask", msg.content or ""
    if kind == "voice" and getattr(msg, "recognition", None):
        return "ask", msg.recognition
    if kind == "event":
        event = getattr(msg, "event", "")
        if event in ("subscribe", "subscribe_scan", "enter_agent"):
            return "say", WELCOME
        return "none", None
    return "say", TEXT_ONLY


# --------------------------------------------------------------------------- WeChat Official Account

def wechat_router(app: FastAPI, settings: Settings, store: QuestionLog,
                  reply_budget_s: float = REPLY_BUDGET_S) -> APIRouter:
    token = settings.wechat_token or ""
    crypto = None
    if settings.wechat_aes_key and settings.wechat_appid:
        crypto = _make_crypto(WeChatCrypto, token, settings.wechat_aes_key, settings.wechat_appid,
                              "ASSISTANT_WECHAT_AES_KEY")
    bot = ChannelBot(app, "wechat", settings, store, reply_budget_s)
    app.state.wechat_bot = bot
    router = APIRouter()

    max_age = settings.channel_max_age_seconds

    def signed(request: Request) -> bool:
        try:
            check_signature(token, _q(request, "signature"), _q(request, "timestamp"), _q(request, "nonce"))
            return True
        except InvalidSignatureException:
            return False

    @router.get("/wechat/callback", include_in_schema=False)
    async def verify(request: Request) -> Response:
        if not signed(request):
            return _refuse("wechat", request, store, "bad signature")
        if not fresh(_q(request, "timestamp"), max_age):
            return _refuse("wechat", request, store, "stale timestamp")
        return PlainTextResponse(_q(request, "echostr"))

    @router.post("/wechat/callback", include_in_schema=False)
    async def receive(request: Request) -> Response:
        try:
            body = await read_body(request)
        except BadRequest as e:
            return _bad("wechat", request, store, e)
        if not signed(request):
            return _refuse("wechat", request, store, "bad signature")
        if not fresh(_q(request, "timestamp"), max_age):
            return _refuse("wechat", request, store, "stale timestamp")
        encrypted = _q(request, "encrypt_type").lower() == "aes"
        nonce, timestamp = _q(request, "nonce"), _q(request, "timestamp")
        try:
            outer = safe_xml(body)
            if encrypted:
                if crypto is None:
                    raise BadRequest(400, "未配置安全模式（ASSISTANT_WECHAT_AES_KEY / ASSISTANT_WECHAT_APPID）")
                try:
                    inner = crypto.decrypt_message({"Encrypt": outer.get("Encrypt", "")},
                                                   _q(request, "msg_signature"), timestamp, nonce)
                except InvalidSignatureException:
                    return _refuse("wechat", request, store, "bad msg_signature")
                except Exception as e:  # noqa: BLE001 - undecryptable payload
                    raise BadRequest(400, f"无法解密：{type(e).__name__}")
                safe_xml(inner.encode("utf-8"))
            else:
                try:
                    inner = body.decode("utf-8")
                except UnicodeDecodeError:
                    raise BadRequest(400, "消息不是 UTF-8 编码")
            msg = _parse(parse_wechat, inner)
        except BadRequest as e:
            return _bad("wechat", request, store, e)
        reply = await _handle(bot, msg)
        if reply is None:
            return PlainTextResponse("success")
        xml = TextReply(message=msg, content=reply).render()
        if encrypted and crypto is not None:
            xml = crypto.encrypt_message(xml, nonce, timestamp)
        return _xml(xml)

    return router


# --------------------------------------------------------------------------- WeCom app

def wecom_router(app: FastAPI, settings: Settings, store: QuestionLog,
                 reply_budget_s: float = REPLY_BUDGET_S) -> APIRouter:
    crypto = _make_crypto(WeComCrypto, settings.wecom_token or "", settings.wecom_aes_key or "",
                          settings.wecom_corp_id or "", "ASSISTANT_WECOM_AES_KEY")
    bot = ChannelBot(app, "wecom", settings, store, reply_budget_s)
    app.state.wecom_bot = bot
    router = APIRouter()
    max_age = settings.channel_max_age_seconds

    @router.get("/wecom/callback", include_in_schema=False)
    async def verify(request: Request) -> Response:
        try:
            echo = crypto.check_signature(_q(request, "msg_signature"), _q(request, "timestamp"),
                                          _q(request, "nonce"), _q(request, "echostr"))
        except InvalidSignatureException:
            return _refuse("wecom", request, store, "bad signature")
        except Exception as e:  # noqa: BLE001 - signed but undecryptable echostr
            return _bad("wecom", request, store, BadRequest(400, f"无法解密：{type(e).__name__}"))
        if not fresh(_q(request, "timestamp"), max_age):
            return _refuse("wecom", request, store, "stale timestamp")
        return PlainTextResponse(echo)

    @router.post("/wecom/callback", include_in_schema=False)
    async def receive(request: Request) -> Response:
        nonce, timestamp = _q(request, "nonce"), _q(request, "timestamp")
        try:
            body = await read_body(request)
            outer = safe_xml(body)
            try:
                inner = crypto.decrypt_message({"Encrypt": outer.get("Encrypt", "")},
                                               _q(request, "msg_signature"), timestamp, nonce)
            except InvalidSignatureException:
                return _refuse("wecom", request, store, "bad msg_signature")
            except Exception as e:  # noqa: BLE001
                raise BadRequest(400, f"无法解密：{type(e).__name__}")
            if not fresh(timestamp, max_age):    # signed (decrypt_message checked msg_signature): a replay
                return _refuse("wecom", request, store, "stale timestamp")
            safe_xml(inner.encode("utf-8"))
            msg = _parse(parse_wecom, inner)
        except BadRequest as e:
            return _bad("wecom", request, store, e)
        reply = await _handle(bot, msg)
        if reply is None:
            return PlainTextResponse("")
        xml = WeComTextReply(message=msg, content=reply).render()
        return _xml(crypto.encrypt_message(xml, nonce, timestamp))

    return router


# --------------------------------------------------------------------------- shared

def _make_crypto(cls: Any, token: str, aes_key: str, app_id: str, env_name: str) -> Any:
    try:
        return cls(token, aes_key, app_id)
    except Exception as e:  # wechatpy asserts a 32-byte key
        raise ValueError(f"{env_name} 无效：应为平台后台生成的 43 位 EncodingAESKey") from e


def _parse(parser: Callable[[str], Any], xml: str) -> Any:
    try:
        msg = parser(xml)
    except Exception as e:  # noqa: BLE001 - missing MsgType and the like
        raise BadRequest(400, f"无法识别的消息：{type(e).__name__}")
    if msg is None or not getattr(msg, "source", None):
        raise BadRequest(400, "无法识别的消息")
    return msg


async def _handle(bot: ChannelBot, msg: Any) -> str | None:
    kind, text = _reply_for_message(msg)
    if kind == "none":
        return None
    if kind == "say":
        return text
    key = f"{msg.source}:{msg.id or msg.time}"
    previous = await bot.seen(key)
    if previous is not None:
        return previous
    reply = await bot.answer(msg.source, text or "")
    await bot.remember(key, reply)
    return reply


def install(app: FastAPI, settings: Settings, store: QuestionLog) -> None:
    """Add the channel routes whose settings are present."""
    if settings.wechat_token:
        if bool(settings.wechat_aes_key) != bool(settings.wechat_appid):
            log.warning("WeChat safe mode needs both ASSISTANT_WECHAT_AES_KEY and ASSISTANT_WECHAT_APPID; "
                        "only plaintext messages will be accepted")
        app.include_router(wechat_router(app, settings, store))
    wecom = (settings.wecom_token, settings.wecom_aes_key, settings.wecom_corp_id)
    if all(wecom):
        app.include_router(wecom_router(app, settings, store))
    elif any(wecom):
        log.warning("WeCom needs ASSISTANT_WECOM_TOKEN, ASSISTANT_WECOM_AES_KEY and ASSISTANT_WECOM_CORP_ID; "
                    "/wecom/callback is off")
