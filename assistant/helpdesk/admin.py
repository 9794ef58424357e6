"""Help desk: question log, answer feedback, admin statistics/CSV and the /admin page, channels.

`install(app, settings)` is called at the end of `assistant.service.api.create_app`. It opens the question
log (SQLite under the data folder, or PostgreSQL from ASSISTANT_DB_URL), adds a listener to
`app.state.answer_listeners` that stores the answer records (the web API's on the event loop, before
the response: an append to the log's journal, written to the database in groups by a background
thread; the channels' committed before the reply), and adds the routes:

    POST /api/feedback                {"answer_id", "rating": "up"|"down", "comment"?}
    GET  /api/admin/stats             Bearer ASSISTANT_ADMIN_TOKEN; ?days=N&top=N
    GET  /api/admin/questions.csv     Bearer ASSISTANT_ADMIN_TOKEN; ?days=N (UTF-8 with BOM)
    GET  /api/admin/questions         ?status=&q=&limit=   the latest logged questions (to teach from)
    POST /api/admin/explain           {"question", "session_id"?}   the answer with its trace (frame, candidates,
                                      decision); with a session id, as that conversation's next turn
    GET  /api/admin/matters           ?q=   the loaded plans' matters by name, with their levels
    GET  /api/admin/teachings         ?status=active|undone|candidate|rejected|all
    POST /api/admin/teachings         {"kind", "question", "matter"?, "doc_id"?, "level"?, "word"?, "means"?,
                                       "who"?, "confirm"?}   409 with the changed cases until confirmed
    POST /api/admin/teachings/{id}/undo
    GET  /api/admin/candidates        users' picks of "您问的是不是…" options, most frequent first
    POST /api/admin/candidates/{id}/approve   {"who"?, "confirm"?};   POST .../reject
    GET  /api/admin/teachings.yaml    the teachings in force (assistant teach export)
    GET  /admin                       the admin page (login with the token)
    GET/POST /wechat/callback, /wecom/callback   (see assistant.helpdesk.channels)

Admin routes exist only when ASSISTANT_ADMIN_TOKEN is set.
"""
from __future__ import annotations

import csv
import hmac
import io
import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPBearer
from pydantic_core import from_json

from assistant.service.api import ASK_BODY, BODY_ERRORS, ErrorResponse, is_json_media_type, parse_ask
from assistant.service.inputs import MAX_QUESTION_CHARS

from assistant.config import PROJECT_ROOT, Settings
from assistant.helpdesk.log import CSV_COLUMNS, LOCAL_TZ, MAX_COMMENT, QuestionLog, open_log, since_day

log = logging.getLogger("assistant.helpdesk.admin")

WEB_DIR = PROJECT_ROOT / "web"
ANSWER_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Cells starting with these are formulas to Excel: prefix them with an apostrophe in the export.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _error(status: int, code: str, message: str, fields: list[dict[str, str]] | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    """Same error shape as the rest of the API."""
    return JSONResponse({"error": {"code": code, "message": message, "fields": fields or []}},
                        status_code=status, headers=headers)


def install(app: FastAPI, settings: Settings) -> QuestionLog:
    """Open the question log and add the help-desk listener and routes to `app`."""
    salt = getattr(settings, "hash_salt", None) or os.environ.get("ASSISTANT_HASH_SALT") or None
    store = open_log(settings.db_url, settings.state_dir, salt=salt)
    app.state.qlog = store
    listeners = getattr(app.state, "answer_listeners", None)
    if listeners is None:
        listeners = app.state.answer_listeners = []
    listeners.append(LogListener(store))

    app.include_router(feedback_router(store))
    _install_teachings(app, settings)
    if settings.admin_token:
        app.include_router(admin_router(store, settings.admin_token))
        app.include_router(teach_router(store, settings.admin_token))
        _question_pattern(app)
    else:
        log.info("ASSISTANT_ADMIN_TOKEN is not set: admin is off")

    from assistant.helpdesk import channels
    channels.install(app, settings, store)
    return store


def _install_teachings(app: FastAPI, settings: Settings) -> None:
    """The engine reads the teachings in the shared state's database (each worker its own copy, following
    the revision); users' picks of options become candidates. Teachings apply with the admin off too (the
    command line teaches as well)."""
    from assistant.helpdesk import teach
    from assistant.service.sessions import open_state

    app.state.teacher = None
    state = getattr(app.state, "shared_state", None) or open_state(settings.db_url, settings.state_dir,
                                                                   cleanup_seconds=None)
    store = app.state.teach_store = teach.TeachStore(state)

    def attach(engine: Any) -> None:
        if not hasattr(engine, "with_teachings"):      # a test double of the engine
            return
        source = teach.attach(engine, state, store=store)
        app.state.teacher = teach.Teacher(engine, store, source, teach.case_files(settings))

    hooks = getattr(app.state, "engine_hooks", None)
    if hooks is None:
        hooks = app.state.engine_hooks = []
    hooks.append(attach)
    if getattr(app.state, "engine", None) is not None:      # the engine was given before the help desk
        attach(app.state.engine)
    app.state.answer_listeners.append(teach.CandidateListener(lambda: app.state.teacher))


class LogListener:
    """Writes answer records to the question log.

    `before_response` is what `assistant.service.api` calls for /api/ask, on the event loop, before the
    response is sent: `QuestionLog.log` appends the record to the log's journal (one write to a local
    file) and returns; a background thread puts the journal's records in the database in groups, one
    transaction every `qlog.JOURNAL_LINGER` seconds. Once the write has returned, a kill -9 cannot lose
    the record (the journals of a killed process are written to the database at the next start), so
    the answer can go out without waiting for a database commit.

    `__call__` (the channels, from a worker thread) commits before it returns.
    """

    def __init__(self, store: QuestionLog) -> None:
        self.store = store

    def before_response(self, record: dict[str, Any]) -> None:
        self.store.log(record)

    def __call__(self, record: dict[str, Any]) -> None:
        self.store.add(record)

    def __repr__(self) -> str:
        return f"LogListener({self.store.dialect})"


# --------------------------------------------------------------------------- feedback

# The documented body: the same checks as post_feedback makes (schemathesis holds the two together).
FEEDBACK_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["answer_id", "rating"],
    "properties": {
        "answer_id": {"type": "string", "pattern": ANSWER_ID_RE.pattern, "description": "/api/ask 返回的 answer_id"},
        "rating": {"type": "string", "enum": ["up", "down"]},
        "comment": {"anyOf": [{"type": "string", "maxLength": MAX_COMMENT}, {"type": "null"}],
                    "description": f"可选意见，最多 {MAX_COMMENT} 字"},
    },
}


def feedback_router(store: QuestionLog) -> APIRouter:
    router = APIRouter()

    @router.post("/api/feedback", tags=["问答"], summary="对一次回答点赞或点踩（可附意见）",
                 responses={404: {"model": ErrorResponse, "description": "未知的 answer_id"}, **BODY_ERRORS},
                 openapi_extra={"requestBody": {"required": True,
                                                "content": {"application/json": {"schema": FEEDBACK_SCHEMA}}}})
    async def post_feedback(request: Request) -> Response:
        # Validated by hand for Chinese messages in the API's error shape; JSON only, like /api/ask.
        raw = await request.body()
        if raw and not is_json_media_type(request.headers.get("content-type")):
            return _error(415, "unsupported_media_type", "请求体必须是 JSON（Content-Type: application/json）。")
        try:
            # pydantic's parser: strict UTF-8, and no lone surrogates (which no database column takes)
            body = from_json(raw) if raw else None
        except ValueError:
            return _error(422, "invalid_request", "请求体不是合法的 JSON。",
                          [{"field": "body", "message": "请求体不是合法的 JSON。"}])
        if not isinstance(body, dict):
            return _error(422, "invalid_request", '请求体必须是 JSON 对象，例如 {"answer_id": "…", "rating": "up"}。',
                          [{"field": "body", "message": "请求体必须是 JSON 对象。"}])
        fields = []
        answer_id, rating, comment = body.get("answer_id"), body.get("rating"), body.get("comment")
        if not isinstance(answer_id, str) or not ANSWER_ID_RE.match(answer_id):
            fields.append({"field": "answer_id", "message": "缺少或无效的 answer_id（回答 ID）。"})
        if rating not in ("up", "down"):
            fields.append({"field": "rating", "message": 'rating（评价）必须是 "up" 或 "down"。'})
        if comment is not None and not isinstance(comment, str):
            fields.append({"field": "comment", "message": "comment（意见）必须是字符串。"})
        elif isinstance(comment, str) and len(comment) > MAX_COMMENT:
            fields.append({"field": "comment", "message": f"意见过长：最多 {MAX_COMMENT} 个字。"})
        if fields:
            return _error(422, "invalid_request", " ".join(f["message"] for f in fields), fields)
        if not await run_in_threadpool(store.add_feedback, answer_id, rating, comment):
            return _error(404, "answer_not_found", "未找到该回答，无法记录评价。")
        return JSONResponse({"ok": True, "answer_id": answer_id, "rating": rating, "message": "感谢您的反馈！"})

    return router


# --------------------------------------------------------------------------- admin

def _authorized(request: Request, token: str) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


def _unauthorized(request: Request, store: QuestionLog) -> JSONResponse:
    client = store.hash(request.client.host if request.client else None) or "-"
    log.warning("admin request refused: missing or wrong token (client %s, %s)", client, request.url.path)
    return _error(401, "unauthorized", "需要管理员令牌：请求头 Authorization: Bearer <令牌>。",
                  headers={"WWW-Authenticate": 'Bearer realm="admin"', "Cache-Control": "no-store"})


def _int_param(request: Request, name: str, low: int, high: int) -> int | None | str:
    raw = request.query_params.get(name)
    if raw is None or raw == "" or raw == "all":
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        return f"参数 {name} 必须是 {low}–{high} 的整数。"
    return int(raw)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    elif isinstance(value, float):
        value = f"{value:.1f}"
    text = str(value)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return text


def csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The export: a BOM, a header, one line per record (lists joined with ';')."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + buf.getvalue()
    for row in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow([_csv_cell(row.get(col)) for col in CSV_COLUMNS])
        yield buf.getvalue()


class CSVResponse(StreamingResponse):
    media_type = "text/csv"      # what the OpenAPI document says the export is


def admin_router(store: QuestionLog, token: str) -> APIRouter:
    # HTTPBearer documents the scheme in OpenAPI; `_authorized` does the check (constant-time, own 401).
    router = APIRouter(dependencies=[Depends(HTTPBearer(auto_error=False, scheme_name="adminToken"))])
    no_store = {"Cache-Control": "no-store"}
    admin_errors: dict[int | str, dict[str, Any]] = {
        401: {"model": ErrorResponse, "description": "缺少或错误的管理员令牌"},
        422: {"model": ErrorResponse, "description": "参数不合法"}}

    @router.get("/api/admin/stats", tags=["管理"], summary="统计（需管理员令牌）", responses=admin_errors)
    def stats(request: Request) -> Response:
        if not _authorized(request, token):
            return _unauthorized(request, store)
        days = _int_param(request, "days", 1, 3660)
        top = _int_param(request, "top", 1, 200)
        bad = [v for v in (days, top) if isinstance(v, str)]
        if bad:
            return _error(422, "invalid_request", " ".join(bad))
        data = store.stats(days=days, top=top or 20)
        data["generated_at"] = datetime.now(LOCAL_TZ).isoformat(timespec="seconds")
        return JSONResponse(data, headers=no_store)

    @router.get("/api/admin/questions.csv", tags=["管理"], summary="问答日志导出 CSV（需管理员令牌）",
                response_class=CSVResponse, responses={
                    200: {"description": "UTF-8（带 BOM）的 CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
                    # errors are JSON here too (a `model` would be documented as the route's text/csv)
                    **{status: {"description": r["description"], "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ErrorResponse"}}}} for status, r in admin_errors.items()}})
    def questions_csv(request: Request) -> Response:
        if not _authorized(request, token):
            return _unauthorized(request, store)
        days = _int_param(request, "days", 1, 3660)
        if isinstance(days, str):
            return _error(422, "invalid_request", days)
        since = since_day(days) if days else None
        filename = f"questions-{datetime.now(LOCAL_TZ):%Y%m%d}.csv"
        return CSVResponse(
            (line.encode("utf-8") for line in csv_lines(store.rows(since_day=since))),
            media_type="text/csv; charset=utf-8",
            headers={**no_store, "Content-Disposition": f'attachment; filename="{filename}"'})

    @router.get("/admin", include_in_schema=False)
    def admin_page() -> Response:
        return FileResponse(WEB_DIR / "admin.html", media_type="text/html; charset=utf-8",
                            headers={"Cache-Control": "no-cache"})

    return router


# --------------------------------------------------------------------------- teachings

async def _body(request: Request) -> dict[str, Any] | JSONResponse:
    """A JSON object body, or the error response to give."""
    raw = await request.body()
    if raw and not is_json_media_type(request.headers.get("content-type")):
        return _error(415, "unsupported_media_type", "请求体必须是 JSON（Content-Type: application/json）。")
    try:
        body = from_json(raw) if raw else {}
    except ValueError:
        return _error(422, "invalid_request", "请求体不是合法的 JSON。")
    if not isinstance(body, dict):
        return _error(422, "invalid_request", "请求体必须是 JSON 对象。")
    return body


def _text(body: dict[str, Any], name: str, limit: int = 500) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError(f"{name} 必须是不超过 {limit} 个字的字符串。")
    return value


# The documented bodies of the teaching routes: the same checks as the handlers make (schemathesis holds the
# two together); what only the loaded rules can say (a matter, its levels) is a 404 or 409. The question's
# `pattern` (a character the sanitizer keeps) is filled in when the OpenAPI document is first built.
QUESTION_SCHEMA: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": MAX_QUESTION_CHARS,
                                   "description": "用户的问题（例句），如“县里搞软件合规检查的钱谁出？”"}
_OPTIONAL = {
    "doc_id": {"anyOf": [{"type": "string", "maxLength": 100}, {"type": "null"}], "description": "方案 ID（默认：默认方案）"},
    "who": {"anyOf": [{"type": "string", "maxLength": 100}, {"type": "null"}], "description": "教学人"},
    "confirm": {"type": "boolean", "description": "会改变已有用例的回答时，确认保存"},
}


def _teach_variant(kind: str, required: list[str], properties: dict[str, Any], summary: str) -> dict[str, Any]:
    return {"type": "object", "title": summary, "required": ["kind", "question", *required],
            "properties": {"kind": {"type": "string", "enum": [kind]}, "question": QUESTION_SCHEMA,
                           **properties, **_OPTIONAL}}


TEACH_SCHEMA: dict[str, Any] = {"oneOf": [
    _teach_variant("link", ["matter"], {
        "matter": {"type": "string", "minLength": 1, "maxLength": 100, "description": "事项名称或编号（rules/ 中的）"},
        "level": {"anyOf": [{"type": "string", "maxLength": 100}, {"type": "null"}],
                  "description": "说法本身隐含的层级（可选）"}}, "关联到事项"),
    _teach_variant("not_listed", [], {}, "方案未列明"),
    _teach_variant("synonym", ["word", "means"], {
        "word": {"type": "string", "minLength": 1, "maxLength": 20, "description": "用户的说法"},
        "means": {"type": "string", "minLength": 1, "maxLength": 20, "description": "方案中的词"}}, "同义词"),
]}
APPROVE_SCHEMA: dict[str, Any] = {"type": "object", "properties": {"who": _OPTIONAL["who"], "confirm": _OPTIONAL["confirm"]}}


class YAMLResponse(Response):
    media_type = "application/yaml"      # what the OpenAPI document says the export is


def _question_pattern(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from assistant.service.api import kept_character_pattern

            QUESTION_SCHEMA["pattern"] = kept_character_pattern()
        return build()

    app.openapi = openapi  # type: ignore[method-assign]


def teach_router(store: QuestionLog, token: str) -> APIRouter:
    """The admin's teaching routes (see the module's docstring); all need the admin token."""
    from assistant.helpdesk.teach import STATUSES, NeedsConfirm, TeachError

    router = APIRouter(dependencies=[Depends(HTTPBearer(auto_error=False, scheme_name="adminToken"))])
    no_store = {"Cache-Control": "no-store"}
    errors: dict[int | str, dict[str, Any]] = {
        401: {"model": ErrorResponse, "description": "缺少或错误的管理员令牌"},
        404: {"model": ErrorResponse, "description": "未知的方案、事项或教学"},
        409: {"model": ErrorResponse, "description": "需要确认（会改变已有用例的回答）或与已有教学冲突"},
        422: {"model": ErrorResponse, "description": "教学不合法"},
        503: {"model": ErrorResponse, "description": "助手尚未载入"}}

    def teacher_or_error(request: Request) -> Any:
        if not _authorized(request, token):
            return _unauthorized(request, store)
        teacher = getattr(request.app.state, "teacher", None)
        if teacher is None:
            return _error(503, "not_ready", "助手尚未载入方案，请稍后再试。")
        return teacher

    def refused(err: TeachError) -> JSONResponse:
        return _error(err.status, err.code, err.message)

    async def teacher_and_body(request: Request) -> tuple[Any, dict[str, Any]] | Response:
        teacher = teacher_or_error(request)
        if isinstance(teacher, Response):
            return teacher
        body = await _body(request)
        return body if isinstance(body, Response) else (teacher, body)

    def changed(request: Request, action: Callable[[Any], Any]) -> Response:
        """Undo or reject: one teaching's status changes."""
        teacher = teacher_or_error(request)
        if isinstance(teacher, Response):
            return teacher
        try:
            t = action(teacher)
        except TeachError as err:
            return refused(err)
        return JSONResponse({"teaching": t.public(teacher.engine)}, headers=no_store)

    async def saved(teacher: Any, work: Callable[[], Any], status: int) -> Response:
        """Teach or approve: validated and checked against the cases off the event loop (seconds of CPU)."""
        try:
            proposal = await run_in_threadpool(work)
        except TeachError as err:
            return refused(err)
        except NeedsConfirm as err:
            return confirm_needed(err, teacher.engine)
        return JSONResponse(proposal.public(teacher.engine), status_code=status, headers=no_store)

    def confirm_needed(err: NeedsConfirm, engine: Any) -> JSONResponse:
        p = err.proposal
        body = {"error": {"code": "confirm_required", "fields": [],
                          "message": f"这条教学会改变 {len(p.changes)} 个已有用例的回答，请查看后确认。"},
                **p.public(engine)}
        return JSONResponse(body, status_code=409, headers=no_store)

    @router.get("/api/admin/questions", tags=["管理"], summary="最近的提问（需管理员令牌）", responses=errors)
    def recent(request: Request) -> Response:
        if not _authorized(request, token):
            return _unauthorized(request, store)
        limit = _int_param(request, "limit", 1, 500)
        if isinstance(limit, str):
            return _error(422, "invalid_request", limit)
        status = request.query_params.get("status") or None
        contains = (request.query_params.get("q") or "").strip()[:100] or None
        rows = store.recent(limit or 50, status, contains)
        return JSONResponse({"questions": [{k: r[k] for k in ("answer_id", "time", "channel", "question", "status",
                                                              "matters", "rating", "comment")} for r in rows]},
                            headers=no_store)

    @router.post("/api/admin/explain", tags=["管理"], summary="回答及其判断过程（需管理员令牌）",
                 responses={**errors, **BODY_ERRORS},
                 openapi_extra={"requestBody": {"required": True, "content": {"application/json": ASK_BODY}}})
    async def explain(request: Request) -> Response:
        teacher = teacher_or_error(request)
        if isinstance(teacher, Response):
            return teacher
        # The body of /api/ask, checked the same way; with a session id, the trace is that conversation's next turn.
        body = parse_ask(request.headers.get("content-type", ""), await request.body())
        conversation = await request.app.state.sessions.load(body.session_id) \
            if body.session_id and getattr(request.app.state, "sessions", None) is not None else None
        context = json.loads(conversation.context) if conversation is not None else None
        trace = await run_in_threadpool(teacher.engine.explain, body.question, context)
        return JSONResponse(trace, headers=no_store)

    @router.get("/api/admin/matters", tags=["管理"], summary="按名称查找方案事项（需管理员令牌）", responses=errors)
    def matters(request: Request) -> Response:
        teacher = teacher_or_error(request)
        if isinstance(teacher, Response):
            return teacher
        words = (request.query_params.get("q") or "").strip()[:50]
        engine = teacher.engine
        found = []
        for meta in engine.documents():
            ix = engine.index_of(meta["doc_id"])
            for e in ix.matters:
                m = e.matter
                if words and words not in m["name"] and words != m["id"] \
                        and not all(ch in m["name"] for ch in words):
                    continue
                levels = [lv for lv in ix.levels if any(o["level"] == lv for o in m["outcomes"])]
                found.append({"doc_id": ix.doc_id, "title": ix.doc.title, "id": m["id"], "name": m["name"],
                              "levels": [{"name": lv, "label": ix.label_of(lv)} for lv in levels]})
        return JSONResponse({"matters": found[:100]}, headers=no_store)

    def listed(request: Request, status: str | None, key: str) -> Response:
        """A list of teachings: needs the table only (the matters' names when the plans are loaded)."""
        if not _authorized(request, token):
            return _unauthorized(request, store)
        teacher = getattr(request.app.state, "teacher", None)
        engine = teacher.engine if teacher is not None else None
        rows = request.app.state.teach_store.list(status)
        return JSONResponse({key: [t.public(engine) for t in rows]}, headers=no_store)

    @router.get("/api/admin/teachings", tags=["管理"], summary="教学记录（需管理员令牌）", responses=errors)
    def teachings(request: Request) -> Response:
        status = request.query_params.get("status") or "active"
        if status not in (*STATUSES, "all"):
            if not _authorized(request, token):
                return _unauthorized(request, store)
            return _error(422, "invalid_request", f"status 必须是 {'、'.join(STATUSES)} 或 all。")
        return listed(request, None if status == "all" else status, "teachings")

    @router.post("/api/admin/teachings", tags=["管理"], summary="教学：关联事项、标记未列明、同义词（需管理员令牌）",
                 status_code=201, responses={**errors, **BODY_ERRORS},
                 openapi_extra={"requestBody": {"required": True,
                                                "content": {"application/json": {"schema": TEACH_SCHEMA}}}})
    async def add(request: Request) -> Response:
        got = await teacher_and_body(request)
        if isinstance(got, Response):
            return got
        teacher, body = got
        try:
            kwargs = {name: _text(body, key, 100) for name, key in
                      (("matter", "matter"), ("doc_id", "doc_id"), ("level", "level"), ("word", "word"),
                       ("means", "means"), ("who", "who"))}
            kind, question = _text(body, "kind", 20) or "link", _text(body, "question") or ""
        except ValueError as err:
            return _error(422, "invalid_request", str(err))
        return await saved(teacher, lambda: teacher.teach(kind, question, confirm=body.get("confirm") is True,
                                                          **kwargs), 201)

    @router.post("/api/admin/teachings/{teaching_id}/undo", tags=["管理"], summary="撤销一条教学（需管理员令牌）",
                 responses=errors)
    def undo(teaching_id: str, request: Request) -> Response:
        return changed(request, lambda teacher: teacher.undo(teaching_id[:24]))

    @router.get("/api/admin/candidates", tags=["管理"], summary="用户点选形成的候选教学（需管理员令牌）",
                responses=errors)
    def candidates(request: Request) -> Response:
        return listed(request, "candidate", "candidates")

    @router.post("/api/admin/candidates/{candidate_id}/approve", tags=["管理"], summary="批准候选教学（需管理员令牌）",
                 responses={**errors, **BODY_ERRORS},
                 openapi_extra={"requestBody": {"required": False,
                                                "content": {"application/json": {"schema": APPROVE_SCHEMA}}}})
    async def approve(candidate_id: str, request: Request) -> Response:
        got = await teacher_and_body(request)
        if isinstance(got, Response):
            return got
        teacher, body = got
        try:
            who = _text(body, "who", 100)
        except ValueError as err:
            return _error(422, "invalid_request", str(err))
        return await saved(teacher, lambda: teacher.approve(candidate_id[:24], who, body.get("confirm") is True), 200)

    @router.post("/api/admin/candidates/{candidate_id}/reject", tags=["管理"], summary="拒绝候选教学（需管理员令牌）",
                 responses=errors)
    def reject(candidate_id: str, request: Request) -> Response:
        return changed(request, lambda teacher: teacher.reject(candidate_id[:24]))

    @router.get("/api/admin/teachings.yaml", tags=["管理"], summary="导出生效的教学（YAML，需管理员令牌）",
                response_class=YAMLResponse, responses={
                    200: {"description": "YAML：教学列表，也是 assistant eval 的用例文件",
                          "content": {"application/yaml": {"schema": {"type": "array", "items": {
                              "type": "object", "required": ["id", "kind", "question"]}}}}},
                    **{status: {"description": r["description"], "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ErrorResponse"}}}} for status, r in errors.items()}})
    def export(request: Request) -> Response:
        teacher = teacher_or_error(request)
        if isinstance(teacher, Response):
            return teacher
        return YAMLResponse(teacher.export(), media_type="application/yaml; charset=utf-8",
                            headers={**no_store, "Content-Disposition": 'attachment; filename="teachings.yaml"'})

    return router
