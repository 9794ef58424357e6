"""API tests (FastAPI TestClient): every endpoint and every error path.

Most run against a keyword engine double (tests/_web_fakes.py) so they pin the API's own behaviour;
the last group runs the real engine and checks structure and behaviour, not wording.
"""
from __future__ import annotations

import gzip
import json
import os
import logging
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from _web_fakes import DOC_ID, FakeEngine
from assistant.service import api
from assistant.service.api import HISTORY_TURNS, MAX_QUESTION_CHARS, create_app, normalize_question
from assistant.config import Settings

HEX32 = re.compile(r"^[0-9a-f]{32}$")
CJK = re.compile(r"[\u4e00-\u9fff]")
PORTAL = "https://portal.example.gov.cn"


class Note(BaseModel):
    """Body of a route the tests add, as other modules add theirs."""
    text: str


@pytest.fixture
def fake() -> FakeEngine:
    return FakeEngine()


def make_client(tmp_path: Path, engine: object, **overrides: object) -> TestClient:
    settings = Settings(cache_dir=tmp_path, **overrides)  # state (help-desk log) under tmp_path
    return TestClient(create_app(settings, engine=engine), raise_server_exceptions=False)


@pytest.fixture
def client(tmp_path: Path, fake: FakeEngine) -> TestClient:
    return make_client(tmp_path, fake)


def assert_error(resp, status: int, field: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"code", "message", "fields"}
    assert CJK.search(err["message"]), err["message"]
    if field is not None:
        assert field in [f["field"] for f in err["fields"]], err
        assert all(CJK.search(f["message"]) for f in err["fields"])
    return err


# --------------------------------------------------------------------------- POST /api/ask

def test_ask_returns_contract_plus_ids(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "钦南区开展专利导航，谁出钱？"})
    assert r.status_code == 200
    body = r.json()
    assert {"status", "answer", "findings", "citations", "suggestions", "session_id", "answer_id"} <= set(body)
    assert body["status"] == "answered"
    assert HEX32.match(body["session_id"]) and HEX32.match(body["answer_id"])
    assert body["session_id"] != body["answer_id"]
    assert "contact" not in body
    cite = body["citations"][body["findings"][0]["citation"]]
    assert "专利导航" in cite["quote"]


def test_ids_are_uuid7_in_the_order_they_are_made() -> None:
    """Time-ordered ids: new rows of the shared state and the question log go to the end of their
    index instead of a random page (the ids' time part is whole milliseconds, hence the sleeps)."""
    import uuid
    made = []
    for _ in range(3):
        made.append(api.new_id())
        time.sleep(0.002)
    assert all(HEX32.match(i) and uuid.UUID(i).version == 7 and uuid.UUID(i).variant == uuid.RFC_4122 for i in made)
    assert made == sorted(made) and len(set(made)) == 3
    assert abs(int(made[0][:12], 16) / 1000 - time.time()) < 60             # the time part is Unix milliseconds
    assert len({api.new_id()[12:] for _ in range(1000)}) == 1000             # the rest is random


def test_follow_up_passes_previous_context(client: TestClient, fake: FakeEngine) -> None:
    first = client.post("/api/ask", json={"question": "专利导航谁出钱？", "session_id": None}).json()
    second = client.post("/api/ask", json={"question": "那县区的呢？", "session_id": first["session_id"]}).json()
    assert second["session_id"] == first["session_id"]
    assert second["answer_id"] != first["answer_id"]
    assert fake.calls[0] == ("专利导航谁出钱？", None)
    assert fake.calls[1] == ("那县区的呢？", {"turns": 1, "last": "专利导航谁出钱？"})
    assert [f["level"] for f in second["findings"]] == ["县区"]


def test_sessions_are_separate(client: TestClient, fake: FakeEngine) -> None:
    a = client.post("/api/ask", json={"question": "专利导航谁出钱？"}).json()
    b = client.post("/api/ask", json={"question": "专利导航谁出钱？"}).json()
    assert a["session_id"] != b["session_id"]
    client.post("/api/ask", json={"question": "那县区的呢？", "session_id": b["session_id"]})
    assert fake.calls[-1][1]["turns"] == 1          # b's context, not a's


def test_unknown_session_id_starts_a_new_conversation(client: TestClient, fake: FakeEngine) -> None:
    r = client.post("/api/ask", json={"question": "专利导航谁出钱？", "session_id": "not-a-known-session"})
    assert r.status_code == 200
    assert r.json()["session_id"] != "not-a-known-session"
    assert fake.calls[-1][1] is None


def test_sessions_expire_after_ttl(tmp_path: Path, fake: FakeEngine) -> None:
    client = make_client(tmp_path, fake, session_ttl_seconds=0.2)
    sid = client.post("/api/ask", json={"question": "专利导航谁出钱？"}).json()["session_id"]
    assert client.get(f"/api/sessions/{sid}").status_code == 200
    time.sleep(0.3)
    assert_error(client.get(f"/api/sessions/{sid}"), 404)
    again = client.post("/api/ask", json={"question": "那县区的呢？", "session_id": sid}).json()
    assert again["session_id"] != sid and fake.calls[-1][1] is None
    assert again["session_expired"] is True


def test_memory_session_store_is_bounded_lru(tmp_path: Path, fake: FakeEngine) -> None:
    client = make_client(tmp_path, fake, session_max=2, session_store="memory")
    ids = [client.post("/api/ask", json={"question": f"专利导航谁出钱{i}"}).json()["session_id"] for i in range(2)]
    client.get(f"/api/sessions/{ids[0]}")                              # touch: ids[1] is now the oldest
    client.post("/api/ask", json={"question": "第三个会话"})
    assert client.get(f"/api/sessions/{ids[0]}").status_code == 200
    assert_error(client.get(f"/api/sessions/{ids[1]}"), 404)


def test_database_session_store_is_bounded_by_cleanup(tmp_path: Path, fake: FakeEngine) -> None:
    client = make_client(tmp_path, fake, session_max=2)
    ids = [client.post("/api/ask", json={"question": f"专利导航谁出钱{i}"}).json()["session_id"] for i in range(2)]
    client.post("/api/ask", json={"question": "那县区的呢？", "session_id": ids[0]})   # ids[1] is now the oldest
    client.post("/api/ask", json={"question": "第三个会话"})
    assert client.app.state.shared_state.cleanup() == 1
    assert client.get(f"/api/sessions/{ids[0]}").status_code == 200
    assert_error(client.get(f"/api/sessions/{ids[1]}"), 404)


def test_expired_or_unknown_session_is_said(client: TestClient, fake: FakeEngine) -> None:
    first = client.post("/api/ask", json={"question": "专利导航谁出钱？"}).json()
    assert first["session_expired"] is False                          # no id sent: simply a new conversation
    follow = client.post("/api/ask", json={"question": "那县区的呢？", "session_id": first["session_id"]}).json()
    assert follow["session_expired"] is False
    gone = client.post("/api/ask", json={"question": "那县区的呢？", "session_id": "0" * 32}).json()
    assert gone["session_expired"] is True and gone["session_id"] != "0" * 32
    assert fake.calls[-1][1] is None                                  # answered without any context
    again = client.post("/api/ask", json={"question": "那市的呢？", "session_id": gone["session_id"]}).json()
    assert again["session_expired"] is False                          # the new id is a conversation now


def test_question_is_normalized(client: TestClient, fake: FakeEngine) -> None:
    r = client.post("/api/ask", json={"question": "\u200b  专利导航\t\n 谁出钱？\u3000 "})
    assert r.status_code == 200
    assert fake.calls[-1][0] == "专利导航 谁出钱？"
    assert normalize_question("a\u0000b\r\nc") == "a b c"
    assert normalize_question("专利\u200b导航\u2028谁出钱") == "专利导航 谁出钱"


def test_question_length_limit_counts_characters_as_the_schema_does(client: TestClient) -> None:
    # JSON Schema's maxLength counts the string as sent, so the server counts before collapsing spaces.
    exact = "问" * MAX_QUESTION_CHARS
    assert client.post("/api/ask", json={"question": exact}).status_code == 200
    assert client.post("/api/ask", json={"question": "😀" * MAX_QUESTION_CHARS}).status_code == 200
    err = assert_error(client.post("/api/ask", json={"question": exact + "问"}), 422, "question")
    assert "500" in err["message"] and "501" in err["message"]
    assert_error(client.post("/api/ask", json={"question": " " + exact}), 422, "question")


BAD_BODIES = {
    "empty question": ({"json": {"question": ""}}, "question"),
    "blank question": ({"json": {"question": " \u3000\n\u200b"}}, "question"),
    "over-long question": ({"json": {"question": "长" * 2000}}, "question"),
    "missing question": ({"json": {"session_id": None}}, "question"),
    "null question": ({"json": {"question": None}}, "question"),
    "number question": ({"json": {"question": 42}}, "question"),
    "list question": ({"json": {"question": ["专利导航"]}}, "question"),
    "number session_id": ({"json": {"question": "专利导航", "session_id": 7}}, "session_id"),
    "malformed session_id": ({"json": {"question": "专利导航", "session_id": "../../etc"}}, "session_id"),
    "body not JSON": ({"content": b"question=hi", "headers": {"content-type": "application/json"}}, "body"),
    "truncated JSON": ({"content": b'{"question": "hi"', "headers": {"content-type": "application/json"}}, "body"),
    "invalid UTF-8": ({"content": b'{"question": "\xff\xfe"}', "headers": {"content-type": "application/json"}}, "body"),
    "JSON array": ({"json": ["专利导航"]}, "body"),
    "JSON string": ({"json": "专利导航"}, "body"),
    "no body": ({}, "body"),
}


@pytest.mark.parametrize("case", list(BAD_BODIES), ids=list(BAD_BODIES))
def test_bad_requests_get_422_in_one_shape(client: TestClient, fake: FakeEngine, case: str) -> None:
    kwargs, field = BAD_BODIES[case]
    err = assert_error(client.post("/api/ask", **kwargs), 422, field)
    assert err["code"] == "invalid_request"
    assert fake.calls == []


def test_other_routes_bodies_get_the_same_422_shape(tmp_path: Path, fake: FakeEngine) -> None:
    # Routes added by other modules (e.g. the help desk) parse bodies with FastAPI: same shape for them.
    app = create_app(Settings(cache_dir=tmp_path), engine=fake)

    @app.post("/api/test-note")
    def note(body: Note) -> dict:
        return {"ok": True}
    client = TestClient(app)
    bad_utf8 = client.post("/api/test-note", content=b'{"text": "\xff"}', headers={"content-type": "application/json"})
    assert assert_error(bad_utf8, 422, "body")["code"] == "invalid_request"
    assert_error(client.post("/api/test-note", json={"text": 3}), 422, "text")


def test_oversized_body_is_refused_before_parsing(client: TestClient, fake: FakeEngine) -> None:
    body = json.dumps({"question": "长" * 40_000}).encode()
    err = assert_error(client.post("/api/ask", content=body, headers={"content-type": "application/json"}), 413)
    assert err["code"] == "too_large" and fake.calls == []


@pytest.mark.parametrize("question,status", [("明天天气怎么样", "out_of_scope"), ("区块链谁出钱", "not_listed"),
                                             ("谁出钱？", "clarify")])
def test_contact_added_to_unanswered_replies(tmp_path: Path, fake: FakeEngine, question: str, status: str) -> None:
    client = make_client(tmp_path, fake, contact="市市场监管局知识产权科 0777-0000000")
    body = client.post("/api/ask", json={"question": question}).json()
    assert body["status"] == status
    assert body["contact"] == "市市场监管局知识产权科 0777-0000000"
    answered = client.post("/api/ask", json={"question": "专利导航谁出钱？"}).json()
    assert answered["status"] == "answered" and "contact" not in answered


def test_no_contact_when_not_configured(client: TestClient) -> None:
    assert "contact" not in client.post("/api/ask", json={"question": "明天天气怎么样"}).json()


def test_engine_failure_is_a_500_in_the_error_shape(client: TestClient, fake: FakeEngine,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(question: str, context: dict | None = None) -> tuple[dict, dict]:
        raise RuntimeError("engine bug")
    monkeypatch.setattr(fake, "ask", boom)
    err = assert_error(client.post("/api/ask", json={"question": "专利导航谁出钱？"}), 500)
    assert err["code"] == "internal_error" and "engine bug" not in err["message"]


# --------------------------------------------------------------------------- answer cache

def test_repeated_question_is_answered_from_cache(client: TestClient, fake: FakeEngine) -> None:
    a = client.post("/api/ask", json={"question": "专利导航谁出钱？"}).json()
    b = client.post("/api/ask", json={"question": "专利导航谁出钱？"}).json()
    assert len(fake.calls) == 1
    assert a["answer_id"] != b["answer_id"] and a["session_id"] != b["session_id"]
    assert {k: v for k, v in a.items() if k not in ("answer_id", "session_id")} == \
           {k: v for k, v in b.items() if k not in ("answer_id", "session_id")}
    client.post("/api/ask", json={"question": "那县区的呢？", "session_id": a["session_id"]})
    client.post("/api/ask", json={"question": "那县区的呢？"})         # same words, other context
    assert len(fake.calls) == 3


def test_cache_can_be_turned_off(tmp_path: Path, fake: FakeEngine) -> None:
    client = TestClient(create_app(Settings(cache_dir=tmp_path), engine=fake, answer_cache_size=0))
    for _ in range(2):
        client.post("/api/ask", json={"question": "专利导航谁出钱？"})
    assert len(fake.calls) == 2


def test_engine_gets_a_fresh_context_each_turn(client: TestClient, fake: FakeEngine,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # An engine that mutates its input must not corrupt the stored conversation.
    original = fake.ask
    seen: list[dict | None] = []

    def mutating(question: str, context: dict | None = None) -> tuple[dict, dict]:
        seen.append(json.loads(json.dumps(context)))
        result, new_context = original(question, context)
        if context is not None:
            context["turns"] = 999
        new_context = dict(new_context)
        return result, new_context
    monkeypatch.setattr(fake, "ask", mutating)
    sid = client.post("/api/ask", json={"question": "专利导航谁出钱？"}).json()["session_id"]
    client.post("/api/ask", json={"question": "那县区的呢？", "session_id": sid})
    client.post("/api/ask", json={"question": "那市里的呢？", "session_id": sid})
    assert [c and c["turns"] for c in seen] == [None, 1, 2]


# --------------------------------------------------------------------------- listeners (help desk)

def test_listeners_get_one_record_per_answer(client: TestClient) -> None:
    records: list[dict] = []
    client.app.state.answer_listeners.append(records.append)
    web = client.post("/api/ask", json={"question": "专利导航谁出钱？"}, headers={"X-Assistant-Channel": "web"}).json()
    api_ = client.post("/api/ask", json={"question": "明天天气怎么样"}).json()
    client.post("/api/ask", json={"question": ""})                      # rejected: no answer, no record
    assert len(records) == 2
    rec = records[0]
    assert set(rec) == {"time", "channel", "session_id", "question", "status", "matters", "anchors",
                        "latency_ms", "answer_id", "client"}
    assert rec["channel"] == "web" and records[1]["channel"] == "api"
    assert rec["session_id"] == web["session_id"] and rec["answer_id"] == web["answer_id"]
    assert records[1]["answer_id"] == api_["answer_id"]
    assert rec["question"] == "专利导航谁出钱？" and rec["status"] == "answered"
    assert rec["matters"] == ["专利导航"]
    assert rec["anchors"] == ["钦政办〔2025〕15号 二（三）第3段"]
    assert isinstance(rec["latency_ms"], float) and 0 <= rec["latency_ms"] < 5000
    assert rec["time"].endswith("+00:00") and "T" in rec["time"]
    assert rec["client"] == "testclient"
    assert records[1]["status"] == "out_of_scope" and records[1]["matters"] == [] and records[1]["anchors"] == []


def test_failing_listener_does_not_fail_the_answer(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    records: list[dict] = []

    def broken(record: dict) -> None:
        raise ValueError("listener down")
    client.app.state.answer_listeners[:0] = [broken]
    client.app.state.answer_listeners.append(records.append)
    with caplog.at_level(logging.ERROR, logger="assistant.service.api"):
        r = client.post("/api/ask", json={"question": "专利导航谁出钱？"})
    assert r.status_code == 200
    assert len(records) == 1                         # listeners after the broken one still ran
    assert any("listener down" in (rec.exc_text or "") or "broken" in rec.getMessage() for rec in caplog.records)


def test_listener_with_many_gets_the_records_in_batches(client: TestClient) -> None:
    class BatchListener:
        def __init__(self) -> None:
            self.batches: list[list[dict]] = []

        def many(self, records: list[dict]) -> None:
            self.batches.append(list(records))

        def __call__(self, record: dict) -> None:
            raise AssertionError("many() is preferred when a listener has it")
    listener = BatchListener()
    client.app.state.answer_listeners.append(listener)
    ids = [client.post("/api/ask", json={"question": q}).json()["answer_id"] for q in ("专利导航谁出钱？", "天气")]
    assert [r["answer_id"] for batch in listener.batches for r in batch] == ids


def test_listener_with_before_response_is_called_before_the_response(client: TestClient) -> None:
    """`before_response` runs on the event loop before the answer is sent (the help desk's journal), and
    that listener is not called again on the background thread; the others still are."""
    events: list[str] = []

    class Early:
        def before_response(self, record: dict) -> None:
            events.append("early:" + record["answer_id"])

        def __call__(self, record: dict) -> None:
            raise AssertionError("a listener with before_response is not called on the background thread")

    class Broken:
        def before_response(self, record: dict) -> None:
            raise ValueError("journal down")
    late: list[dict] = []
    client.app.state.answer_listeners[:] = [Broken(), Early(), late.append]
    answer = client.post("/api/ask", json={"question": "专利导航谁出钱？"})
    assert answer.status_code == 200                       # a failing listener does not fail the answer
    assert events == ["early:" + answer.json()["answer_id"]]
    assert [r["answer_id"] for r in late] == [answer.json()["answer_id"]]
    client.app.state.answer_listeners[:] = [Early()]        # only early listeners: no background task
    again = client.post("/api/ask", json={"question": "专利导航谁出钱？"})
    assert events[-1] == "early:" + again.json()["answer_id"] and len(late) == 1


def test_dispatcher_batches_what_queued_up_while_a_listener_was_busy() -> None:
    import asyncio
    import threading
    from assistant.service.api import ListenerDispatcher
    gate = threading.Event()
    calls: list[list[int]] = []

    class Slow:
        def many(self, records: list[dict]) -> None:
            calls.append([r["n"] for r in records])
            gate.wait(5)
    dispatcher = ListenerDispatcher(lambda: [Slow()])

    async def main() -> None:
        first = asyncio.ensure_future(dispatcher.deliver({"n": 0}))
        while not calls:
            await asyncio.sleep(0.01)                       # the listener is now busy with record 0
        rest = [asyncio.ensure_future(dispatcher.deliver({"n": i})) for i in range(1, 6)]
        await asyncio.sleep(0.05)
        assert not first.done()                             # deliver waits for the listener
        gate.set()
        await asyncio.gather(first, *rest)
    asyncio.run(main())
    dispatcher.close()
    assert calls == [[0], [1, 2, 3, 4, 5]]


# --------------------------------------------------------------------------- GET /api/sessions/{id}

def test_session_history_for_page_reload(client: TestClient) -> None:
    first = client.post("/api/ask", json={"question": "专利导航谁出钱？"}).json()
    sid = first["session_id"]
    second = client.post("/api/ask", json={"question": "那县区的呢？", "session_id": sid}).json()
    hist = client.get(f"/api/sessions/{sid}").json()
    assert hist["session_id"] == sid
    assert [t["question"] for t in hist["turns"]] == ["专利导航谁出钱？", "那县区的呢？"]
    assert [t["result"]["answer_id"] for t in hist["turns"]] == [first["answer_id"], second["answer_id"]]
    assert hist["turns"][1]["result"]["findings"] == second["findings"]


def test_session_history_is_bounded(client: TestClient) -> None:
    sid = None
    for i in range(HISTORY_TURNS + 5):
        sid = client.post("/api/ask", json={"question": f"问题{i}", "session_id": sid}).json()["session_id"]
    turns = client.get(f"/api/sessions/{sid}").json()["turns"]
    assert len(turns) == HISTORY_TURNS and turns[-1]["question"] == f"问题{HISTORY_TURNS + 4}"


@pytest.mark.parametrize("sid", ["0123456789abcdef0123456789abcdef", "bad%20id", "x" * 65])
def test_unknown_session_history_is_404(client: TestClient, sid: str) -> None:
    assert assert_error(client.get(f"/api/sessions/{sid}"), 404)["code"] == "session_not_found"


# --------------------------------------------------------------------------- documents, health, docs

def test_documents_list(client: TestClient) -> None:
    docs = client.get("/api/documents").json()["documents"]
    assert [d["doc_id"] for d in docs] == [DOC_ID]
    assert {"doc_id", "title", "doc_number", "issuer", "date_issued"} <= set(docs[0])


def test_document_tree(client: TestClient) -> None:
    tree = client.get(f"/api/documents/{DOC_ID}").json()
    assert tree["doc_id"] == DOC_ID
    anchors = [b["anchor"] for b in tree["blocks"]]
    assert "p-2-3-3" in anchors and len(anchors) == len(set(anchors))


@pytest.mark.parametrize("doc_id", ["no-such-plan", "a" * 300, "..%2F..%2Fetc"])
def test_unknown_document_is_404(client: TestClient, doc_id: str) -> None:
    assert assert_error(client.get(f"/api/documents/{doc_id}"), 404)["code"] in {"document_not_found", "not_found"}


def test_document_none_from_engine_is_404(tmp_path: Path, fake: FakeEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fake, "document", lambda doc_id: None)     # what the engine stub does
    client = make_client(tmp_path, fake)
    assert_error(client.get(f"/api/documents/{DOC_ID}"), 404)
    assert client.get(f"/doc/{DOC_ID}").status_code == 404


def test_health(client: TestClient) -> None:
    r = client.get("/api/health")
    assert r.status_code == 200 and r.json() == {"status": "ok", "pid": os.getpid()}   # the worker that answered


def test_openapi_docs_work_offline(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/ask", "/api/documents", "/api/documents/{doc_id}", "/api/health",
            "/api/sessions/{session_id}"} <= set(spec["paths"])
    assert "AskRequest" in json.dumps(spec["paths"]["/api/ask"])
    html = client.get("/docs").text
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert assets and not any(a.startswith(("http:", "https:", "//")) for a in assets), assets
    for asset in assets:
        if asset.endswith((".js", ".css")):
            assert client.get(asset).status_code == 200, asset


def test_unknown_route_and_wrong_method(client: TestClient) -> None:
    assert assert_error(client.get("/api/nothing-here"), 404)["code"] == "not_found"
    assert assert_error(client.get("/api/ask"), 405)["code"] == "method_not_allowed"
    assert assert_error(client.delete("/api/health"), 405)["code"] == "method_not_allowed"


# --------------------------------------------------------------------------- pages and embedding

@pytest.mark.parametrize("path,marker", [("/", "static/chat.js"), ("/embed", 'data-mode="embed"'),
                                         (f"/doc/{DOC_ID}", "static/doc.js")])
def test_pages_are_served(client: TestClient, path: str, marker: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert marker in r.text


def test_static_assets_and_embed_script(client: TestClient) -> None:
    for asset in ("chat.js", "chat.css", "doc.js", "doc.css", "favicon.svg"):
        assert client.get(f"/static/{asset}").status_code == 200, asset
    r = client.get("/embed.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    assert "attachShadow" in r.text


def test_web_files_use_no_external_resources() -> None:
    for path in api.WEB_DIR.iterdir():
        if path.suffix in {".html", ".js", ".css"}:
            text = path.read_text(encoding="utf-8")
            # code that would load from elsewhere: src/href/url()/fetch/import with a scheme or //host
            external = re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|"""
                                 r"""@import|fetch\(\s*["'](?:https?:)?//|\.src\s*=\s*["'](?:https?:)?//""", text)
            assert not external, (path.name, external)


def test_pages_never_insert_server_text_as_html() -> None:
    for name in ("chat.js", "doc.js", "embed.js"):
        text = (api.WEB_DIR / name).read_text(encoding="utf-8")
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", text), name


def csp(resp) -> dict[str, str]:
    parts = [p.strip() for p in resp.headers["content-security-policy"].split(";") if p.strip()]
    return {p.split()[0]: p.split(None, 1)[1] if " " in p else "" for p in parts}


def test_default_embedding_is_same_origin_only(client: TestClient) -> None:
    for path in ("/", "/embed", f"/doc/{DOC_ID}", "/api/health"):
        policy = csp(client.get(path))
        assert policy["frame-ancestors"] == "'self'", path
        assert policy["script-src"] == "'self'"
    pre = client.options("/api/ask", headers={"Origin": PORTAL, "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in pre.headers
    simple = client.post("/api/ask", json={"question": "专利导航"}, headers={"Origin": PORTAL})
    assert "access-control-allow-origin" not in simple.headers


def test_allowed_origins_open_embed_and_cors(tmp_path: Path, fake: FakeEngine) -> None:
    client = make_client(tmp_path, fake, allowed_origins=[PORTAL, "http://10.1.2.3:8080/",
                                                          "https://evil.example; script-src *"])
    assert csp(client.get("/embed"))["frame-ancestors"] == f"'self' {PORTAL} http://10.1.2.3:8080"
    assert csp(client.get("/"))["frame-ancestors"] == "'self'"          # only /embed is for frames
    assert client.get("/").headers["x-frame-options"] == "SAMEORIGIN"
    pre = client.options("/api/ask", headers={"Origin": PORTAL, "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == PORTAL
    other = client.options("/api/ask", headers={"Origin": "https://evil.example",
                                                "Access-Control-Request-Method": "POST"})
    assert other.headers.get("access-control-allow-origin") != "https://evil.example"
    r = client.post("/api/ask", json={"question": "专利导航"}, headers={"Origin": PORTAL})
    assert r.headers["access-control-allow-origin"] == PORTAL


# --------------------------------------------------------------------------- startup and `assistant serve`

def test_engine_loads_once_at_startup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant import engine as engine_module
    loads: list[object] = []
    real_load = engine_module.Assistant.load

    def counting_load(*args: object, **kwargs: object) -> object:
        loads.append(args)
        return real_load(*args, **kwargs)
    monkeypatch.setattr(engine_module.Assistant, "load", staticmethod(counting_load))
    app = create_app(Settings(cache_dir=tmp_path))
    assert loads == []                                              # not at import/build time
    with TestClient(app) as client:
        assert client.post("/api/ask", json={"question": "专利导航谁出钱？"}).status_code == 200
        assert client.get("/api/documents").json()["documents"]
        client.post("/api/ask", json={"question": "作品登记谁出钱？"})
    assert len(loads) == 1


def test_serve_runs_uvicorn_with_host_and_port(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import uvicorn
    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    from assistant.cli import main
    monkeypatch.setenv("ASSISTANT_CACHE", str(tmp_path))
    assert main(["serve", "--host", "127.0.0.1", "--port", "8123", "--workers", "1"]) == 0
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8123
    assert any(getattr(r, "path", None) == "/api/ask" for r in seen["app"].routes)
    assert seen["proxy_headers"] is False                     # no trusted proxy: X-Forwarded-For is ignored


def test_serve_defaults_to_one_worker_per_core(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from assistant.service import workers as multi
    seen: dict = {}

    class Supervisor:
        def __init__(self, workers: int, host: str, port: int, options: dict) -> None:
            seen.update(workers=workers, host=host, port=port, **options)

        def run(self) -> int:
            return 0
    monkeypatch.setattr(multi, "Supervisor", Supervisor)
    monkeypatch.setattr(multi, "check_port", lambda host, port: None)
    from assistant.cli import main
    monkeypatch.setenv("ASSISTANT_CACHE", str(tmp_path))
    monkeypatch.setenv("ASSISTANT_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.5")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert main(["serve"]) == 0
    # Several workers, one per core, under the supervisor (each worker with its own socket).
    assert seen["workers"] == 3 and seen["host"] == "127.0.0.1" and seen["port"] == 8000
    assert seen["proxy_headers"] is True and seen["forwarded_allow_ips"] == "127.0.0.1,10.0.0.5"
    monkeypatch.setenv("ASSISTANT_SESSION_STORE", "memory")
    with pytest.raises(SystemExit, match="一个进程"):
        main(["serve", "--workers", "2"])


def test_serve_without_reuseport_uses_uvicorns_workers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    import uvicorn

    from assistant.service import workers as multi
    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    monkeypatch.setattr(multi, "reuseport_available", lambda: False)
    from assistant.cli import main
    monkeypatch.setenv("ASSISTANT_CACHE", str(tmp_path))
    assert main(["serve", "--workers", "2"]) == 0
    # Each worker builds its app from the environment (uvicorn's factory); they share one socket.
    assert seen["app"] == "assistant.service.api:create_worker_app" and seen["factory"] is True and seen["workers"] == 2
    assert "SO_REUSEPORT" in capsys.readouterr().err


def test_serve_reports_a_failed_supervisor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from assistant.service import workers as multi
    monkeypatch.setattr(multi, "check_port", lambda host, port: None)
    monkeypatch.setattr(multi.Supervisor, "run", lambda self: 1)        # a worker failed at start-up
    from assistant.cli import main
    monkeypatch.setenv("ASSISTANT_CACHE", str(tmp_path))
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--workers", "2"])
    assert exc.value.code == 1


# --------------------------------------------------------------------------- with the real engine

@pytest.fixture(scope="module")
def real_client(tmp_path_factory: pytest.TempPathFactory):
    from assistant.engine import Assistant
    eng = Assistant.load()
    if eng.document(DOC_ID) is None:
        pytest.skip("the engine is still the interface stub (document() returns None)")
    with TestClient(create_app(Settings(cache_dir=tmp_path_factory.mktemp("state")), engine=eng)) as c:
        yield c


def test_real_engine_cites_the_asked_matter(real_client: TestClient) -> None:
    body = real_client.post("/api/ask", json={"question": "专利导航谁出钱？"}).json()
    assert body["status"] == "answered"
    assert any("专利导航" in c["quote"] for c in body["citations"])
    assert {f["payer"] for f in body["findings"]} == {"市", "县区"}
    tree = real_client.get(f"/api/documents/{body['citations'][0]['doc_id']}").json()
    texts = {b["anchor"]: b["text"] for b in tree["blocks"]}
    for c in body["citations"]:                                    # every quote is in its anchored block
        assert c["anchor"] in texts and c["quote"].strip("“”…")[:8] in texts[c["anchor"]]


def test_real_engine_follow_up_in_the_same_session(real_client: TestClient) -> None:
    first = real_client.post("/api/ask", json={"question": "专利导航谁出钱？"}).json()
    second = real_client.post("/api/ask", json={"question": "钦南区的呢？", "session_id": first["session_id"]}).json()
    assert second["session_id"] == first["session_id"]
    assert second["status"] == "answered"
    assert {f["payer"] for f in second["findings"]} == {"县区"}
    assert "钦南区" in second["answer"]
    assert any("专利导航" in c["quote"] for c in second["citations"])


def test_welcome_examples_come_from_the_default_plan_and_are_answered(real_client: TestClient) -> None:
    examples = real_client.get("/api/documents").json()["examples"]
    assert 3 <= len(examples) <= 6
    for question in examples:
        assert real_client.post("/api/ask", json={"question": question}).json()["status"] == "answered", question


# --------------------------------------------------------------------------- JSON only, by a real parse (issue 15)

NOT_JSON_TYPES = ["text/plain; x=json", "application/x-www-form-urlencoded; a=json", "multipart/form-data; boundary=json",
                  "text/plain", "application/jsonp", "text/json", "application/json; charset=latin-1", "json"]


@pytest.mark.parametrize("content_type", NOT_JSON_TYPES)
@pytest.mark.parametrize("path", ["/api/ask", "/api/feedback"])
def test_only_a_json_media_type_is_accepted(client: TestClient, fake: FakeEngine, path: str, content_type: str) -> None:
    # These are what a form or a plain fetch from another site can send without a CORS preflight.
    body = json.dumps({"question": "专利导航谁出钱？", "answer_id": "0" * 32, "rating": "up"}).encode()
    err = assert_error(client.post(path, content=body, headers={"content-type": content_type}), 415)
    assert err["code"] == "unsupported_media_type"
    assert fake.calls == []


@pytest.mark.parametrize("content_type", ["application/json", "Application/JSON; charset=UTF-8",
                                          "application/json;charset=utf-8", "application/vnd.api+json"])
def test_json_media_types_are_accepted(client: TestClient, content_type: str) -> None:
    body = json.dumps({"question": "专利导航谁出钱？"}).encode()
    assert client.post("/api/ask", content=body, headers={"content-type": content_type}).status_code == 200


# --------------------------------------------------------------------------- the fast path and the stack agree

class SeenByStack:
    """A middleware inside the app's stack: records the requests that went through it."""

    def __init__(self, app, seen: list[str]) -> None:
        self.app, self.seen = app, seen

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            self.seen.append(f"{scope['method']} {scope['path']}")
        await self.app(scope, receive, send)


def raw_post(client: TestClient, body: bytes, **headers: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    with client.stream("POST", "/api/ask", content=body, headers=headers) as r:
        return r.status_code, r.headers.raw, b"".join(r.iter_raw())


# Embedding origins configured or not; the request's Origin: none, an allowed one, another site's.
CORS_CASES = [([], None), ([PORTAL], None), ([PORTAL], PORTAL), ([PORTAL], "https://evil.example"),
              (["*"], "https://any.example"), (["*"], None)]


@pytest.mark.parametrize("question", ["专利导航谁出钱？", "<b>" + "专利导航" * 100])   # under and over 1 KB of JSON
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
@pytest.mark.parametrize("origins,origin", CORS_CASES)
def test_the_fast_path_answers_as_the_stack_does(tmp_path: Path, fake: FakeEngine, question: str, encoding: str,
                                                 origins: list[str], origin: str | None) -> None:
    """POST /api/ask with a plain JSON body is answered ahead of the middleware stack (AskFastPath); a
    Content-Type it leaves to the route goes through the stack. Same status, same headers in the same
    order (CORS, security headers, Vary, gzip), same body but for the ids, same records."""
    client = make_client(tmp_path, fake, allowed_origins=origins)
    seen: list[str] = []
    client.app.add_middleware(SeenByStack, seen=seen)
    records: list[dict] = []
    client.app.state.answer_listeners.append(records.append)
    body = json.dumps({"question": question}).encode()
    extra = {"Origin": origin} if origin else {}
    fast = raw_post(client, body, **{"Content-Type": "application/json", "Accept-Encoding": encoding,
                                      "X-Assistant-Channel": "web", **extra})
    assert seen == []
    routed = raw_post(client, body, **{"Content-Type": "Application/JSON", "Accept-Encoding": encoding,
                                        "X-Assistant-Channel": "web", **extra})
    assert seen == ["POST /api/ask"]
    assert fast[0] == routed[0] == 200

    def without_length(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        return [(k, b"" if k == b"content-length" else v) for k, v in headers]
    assert without_length(fast[1]) == without_length(routed[1])     # the ids may gzip to another length
    answers = []
    for _, headers, raw in (fast, routed):
        assert dict(headers)[b"content-length"] == str(len(raw)).encode()
        packed = (b"content-encoding", b"gzip") in headers
        plain = gzip.decompress(raw) if packed else raw
        assert packed == (encoding == "gzip" and len(plain) >= 1024)
        answers.append(json.loads(plain))
    assert answers[0]["session_id"] != answers[1]["session_id"]
    assert list(answers[0]) == list(answers[1])                      # the same keys in the same order
    ids = ("session_id", "answer_id")
    assert {k: v for k, v in answers[0].items() if k not in ids} == {k: v for k, v in answers[1].items() if k not in ids}
    assert [r["answer_id"] for r in records] == [a["answer_id"] for a in answers]
    drop = ("answer_id", "session_id", "time", "latency_ms")
    assert {k: v for k, v in records[0].items() if k not in drop} == {k: v for k, v in records[1].items() if k not in drop}


@pytest.mark.parametrize("case", ["not json", "no question", "not json type"])
def test_what_the_fast_path_leaves_to_the_stack(tmp_path: Path, fake: FakeEngine, case: str) -> None:
    """Invalid bodies and other Content-Types go through the stack with the body the fast path read (its
    errors are the stack's)."""
    client = make_client(tmp_path, fake, allowed_origins=[PORTAL])
    seen: list[str] = []
    client.app.add_middleware(SeenByStack, seen=seen)
    headers = {"Content-Type": "application/json"}
    body = json.dumps({"question": "专利导航谁出钱？"}).encode()
    if case == "not json":
        body = b'{"question": '
    elif case == "no question":
        body = b'{"session_id": null}'
    else:
        headers["Content-Type"] = "text/plain"
    r = client.post("/api/ask", content=body, headers=headers)
    assert seen == ["POST /api/ask"]
    assert_error(r, 415 if case == "not json type" else 422)
    r = client.post("/api/ask", json={"question": "专利导航谁出钱？"}, headers={"Origin": PORTAL})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == PORTAL
    assert seen == ["POST /api/ask"]                                    # valid JSON, with Origin: the fast path


# --------------------------------------------------------------------------- the schema says what the server does

def test_openapi_limits_come_from_the_servers_constants(tmp_path: Path, fake: FakeEngine) -> None:
    spec = make_client(tmp_path, fake, admin_token="t" * 32).get("/openapi.json").json()
    ask_body = spec["paths"]["/api/ask"]["post"]["requestBody"]
    question = ask_body["content"]["application/json"]["schema"]["properties"]["question"]
    assert ask_body["required"] is True
    assert (question["minLength"], question["maxLength"]) == (1, MAX_QUESTION_CHARS)
    # Blank after the server's own clean-up = not valid by the schema either.
    kept = re.compile(question["pattern"])
    assert not any(kept.search(s) for s in (" \u3000\n\u200b", "\x00\x01", "\ufeff\u2028"))
    assert kept.search("专利导航") and kept.search(" a ")
    assert {"413", "415", "422"} <= set(spec["paths"]["/api/ask"]["post"]["responses"])

    feedback = spec["paths"]["/api/feedback"]["post"]
    schema = feedback["requestBody"]["content"]["application/json"]["schema"]
    assert feedback["requestBody"]["required"] is True
    assert schema["type"] == "object" and set(schema["required"]) == {"answer_id", "rating"}
    assert {"404", "413", "415", "422"} <= set(feedback["responses"])

    export = spec["paths"]["/api/admin/questions.csv"]["get"]["responses"]
    assert list(export["200"]["content"]) == ["text/csv"]
    assert list(export["401"]["content"]) == ["application/json"]


def test_null_feedback_body_is_a_422_as_the_schema_says(client: TestClient) -> None:
    assert_error(client.post("/api/feedback", content=b"null", headers={"content-type": "application/json"}), 422, "body")
    assert_error(client.post("/api/feedback", content=b"", headers={"content-type": "application/json"}), 422, "body")


def test_405_says_which_methods_are_allowed(client: TestClient) -> None:
    r = client.get("/api/ask")
    assert_error(r, 405)
    assert r.headers["allow"] == "POST"
    r = client.put("/api/health")
    assert r.status_code == 405 and r.headers["allow"] == "GET"
