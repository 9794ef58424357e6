"""Help desk over the real app: question log from /api/ask, feedback, admin auth, stats and CSV."""
from __future__ import annotations

import csv
import io
import time

import pytest
from fastapi.testclient import TestClient

from _helpdesk_fakes import LABEL, FakeEngine
from _pgserver import shared_server
from assistant.service.api import create_app
from assistant.config import Settings
from assistant.helpdesk.admin import LogListener

TOKEN = "s3cret-admin-token"
CONTACT = "市财政局政策咨询窗口，电话 0777-1234567"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path) -> Settings:
    db_url = None if request.param == "sqlite" else shared_server().create_database()
    return Settings(cache_dir=tmp_path, db_url=db_url, admin_token=TOKEN, contact=CONTACT)


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings, engine=FakeEngine()), client=("198.51.100.23", 50000)) as c:
        yield c


def ask(client: TestClient, question: str, **headers: str) -> dict:
    r = client.post("/api/ask", json={"question": question}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def logged(client: TestClient, answer_id: str) -> dict:
    """The record, waiting briefly in case the app writes it after the response."""
    for _ in range(100):
        row = client.app.state.qlog.get(answer_id)
        if row:
            return row
        time.sleep(0.01)
    raise AssertionError(f"{answer_id} was not logged")


def test_install_adds_one_log_listener(client):
    listeners = [x for x in client.app.state.answer_listeners if isinstance(x, LogListener)]
    assert len(listeners) == 1


def test_every_answer_is_logged_with_hashed_client(client):
    web = ask(client, "知识产权质押融资谁出钱？", **{"X-Assistant-Channel": "web"})
    api = ask(client, "商标代理谁管？")
    assert len(web["answer_id"]) == 32 and web["answer_id"] != api["answer_id"]
    row = logged(client, web["answer_id"])
    assert row["channel"] == "web" and row["question"] == "知识产权质押融资谁出钱？"
    assert row["status"] == "answered" and row["matters"] == ["知识产权质押融资"] and row["anchors"] == [LABEL]
    assert row["session_id"] == web["session_id"] and row["latency_ms"] >= 0
    assert row["client_hash"] == client.app.state.qlog.hash("198.51.100.23")
    assert "198.51.100.23" not in str(row)
    row = logged(client, api["answer_id"])
    assert row["channel"] == "api" and row["status"] == "not_listed"


def test_handoff_contact_only_when_unanswered(client):
    assert "contact" not in ask(client, "知识产权质押融资谁出钱？")
    for question in ("商标代理谁管？", "今天天气", "谁出钱？"):
        assert ask(client, question)["contact"] == CONTACT


def test_feedback(client):
    aid = ask(client, "知识产权质押融资谁出钱？")["answer_id"]
    logged(client, aid)
    r = client.post("/api/feedback", json={"answer_id": aid, "rating": "up"})
    assert r.status_code == 200 and r.json()["ok"] is True
    assert client.app.state.qlog.get(aid)["rating"] == "up"
    r = client.post("/api/feedback", json={"answer_id": aid, "rating": "down", "comment": "应该是县区承担"})
    assert r.status_code == 200
    row = client.app.state.qlog.get(aid)
    assert (row["rating"], row["comment"]) == ("down", "应该是县区承担")

    r = client.post("/api/feedback", json={"answer_id": "0" * 32, "rating": "up"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "answer_not_found"
    r = client.post("/api/feedback", json={"answer_id": aid, "rating": "meh", "comment": 5})
    assert r.status_code == 422
    assert {f["field"] for f in r.json()["error"]["fields"]} == {"rating", "comment"}
    r = client.post("/api/feedback", json={"answer_id": "../etc", "rating": "up"})
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "answer_id"
    r = client.post("/api/feedback", json={"answer_id": aid, "rating": "down", "comment": "长" * 1001})
    assert r.status_code == 422 and "最多 1000" in r.json()["error"]["message"]
    assert client.post("/api/feedback", json=["x"]).status_code == 422
    assert client.post("/api/feedback", content=b"{oops", headers={"Content-Type": "application/json"}).status_code == 422
    assert client.app.state.qlog.get(aid)["comment"] == "应该是县区承担"


@pytest.mark.parametrize("path", ["/api/admin/stats", "/api/admin/questions.csv"])
def test_admin_requires_the_token(client, path, caplog):
    caplog.set_level("WARNING", logger="assistant.helpdesk.admin")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": TOKEN}, {"Authorization": "Bearer "}):
        r = client.get(path, headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert r.json()["error"]["code"] == "unauthorized"
    assert sum("admin request refused" in rec.getMessage() for rec in caplog.records) == 5
    assert not any("wrong" in rec.getMessage().split("(")[-1] for rec in caplog.records)  # tokens are not logged
    r = client.get(path, headers=AUTH)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"


def test_admin_off_without_token(tmp_path):
    with TestClient(create_app(Settings(cache_dir=tmp_path), engine=FakeEngine())) as c:
        for path in ("/api/admin/stats", "/api/admin/questions.csv", "/admin"):
            assert c.get(path, headers={"Authorization": "Bearer "}).status_code == 404
        # The log and feedback still work.
        aid = ask(c, "商标代理谁管？")["answer_id"]
        logged(c, aid)
        assert c.post("/api/feedback", json={"answer_id": aid, "rating": "down"}).status_code == 200


def test_admin_stats(client):
    ids = [ask(client, q, **({"X-Assistant-Channel": "web"} if i % 2 else {}))["answer_id"]
           for i, q in enumerate(["知识产权质押融资谁出钱？", "商标代理谁管？", "商标代理谁管？", "今天天气", "谁出钱？"])]
    for aid in ids:
        logged(client, aid)
    client.post("/api/feedback", json={"answer_id": ids[1], "rating": "down", "comment": "商标代理也该能回答"})
    client.post("/api/feedback", json={"answer_id": ids[0], "rating": "up"})
    s = client.get("/api/admin/stats", headers=AUTH).json()
    assert s["totals"]["questions"] == 5 and s["totals"]["answered"] == 1 and s["totals"]["unanswered"] == 4
    assert s["totals"]["feedback_up"] == 1 and s["totals"]["feedback_down"] == 1
    assert s["per_status"] == {"answered": 1, "not_listed": 2, "out_of_scope": 1, "clarify": 1}
    assert s["per_channel"] == {"api": 3, "web": 2}
    assert sum(d["total"] for d in s["per_day"]) == 5
    assert s["latency_ms"]["count"] == 5 and s["latency_ms"]["p50"] is not None
    assert s["top_unanswered"]["not_listed"] == [
        {"question": "商标代理谁管？", "count": 2, "last": s["top_unanswered"]["not_listed"][0]["last"]}]
    assert [d["comment"] for d in s["disliked"]] == ["商标代理也该能回答"]
    assert s["disliked"][0]["question"] == "商标代理谁管？"
    assert client.get("/api/admin/stats?days=7", headers=AUTH).json()["totals"]["questions"] == 5
    assert len(client.get("/api/admin/stats?days=7", headers=AUTH).json()["per_day"]) == 7
    assert client.get("/api/admin/stats?days=0", headers=AUTH).status_code == 422
    assert client.get("/api/admin/stats?top=abc", headers=AUTH).status_code == 422


def test_admin_csv_opens_in_excel(client):
    a = ask(client, "知识产权质押融资谁出钱？", **{"X-Assistant-Channel": "web"})["answer_id"]
    b = ask(client, "=HYPERLINK(\"http://x\",\"点我\") 商标")["answer_id"]
    for aid in (a, b):
        logged(client, aid)
    client.post("/api/feedback", json={"answer_id": a, "rating": "down", "comment": "-不对"})
    r = client.get("/api/admin/questions.csv", headers=AUTH)
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith('attachment; filename="questions-')
    assert r.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in r.content
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert list(rows[0]) == ["answer_id", "time", "day", "channel", "session_id", "question", "status",
                             "matters", "anchors", "latency_ms", "rating", "comment"]
    by_id = {row["answer_id"]: row for row in rows}
    assert by_id[a]["question"] == "知识产权质押融资谁出钱？" and by_id[a]["channel"] == "web"
    assert by_id[a]["anchors"] == LABEL and by_id[a]["matters"] == "知识产权质押融资"
    assert by_id[a]["rating"] == "down" and by_id[a]["comment"] == "'-不对"
    assert by_id[b]["question"].startswith("'=HYPERLINK")     # not a formula in Excel
    assert by_id[b]["status"] == "not_listed"
    assert "198.51.100.23" not in r.content.decode("utf-8-sig")
    assert client.get("/api/admin/questions.csv?days=x", headers=AUTH).status_code == 422


def test_answers_go_out_before_the_database_write_and_are_grouped(settings):
    """/api/ask answers once the record is in the question log's journal, not after a database commit;
    the answers that gather meanwhile are written in one transaction; none is lost."""
    import asyncio
    import threading

    import httpx

    app = create_app(settings, engine=FakeEngine())
    store = app.state.qlog
    groups: list[int] = []
    gate = threading.Event()
    insert = store._insert

    def held_insert(conn, rows, **kw):
        groups.append(len(rows))
        gate.wait(10)                       # the database write is held up
        return insert(conn, rows, **kw)
    store._insert = held_insert
    questions = [f"第{i}个问题：知识产权质押融资谁出钱？" for i in range(40)]

    async def main() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, client=("198.51.100.23", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            first = await c.post("/api/ask", json={"question": questions[0]})
            while not groups:
                await asyncio.sleep(0.01)
            rest = await asyncio.gather(*(c.post("/api/ask", json={"question": q}) for q in questions[1:]))
            return [first, *rest]

    try:
        responses = asyncio.run(main())     # all answered while the first write is still held
        assert [r.status_code for r in responses] == [200] * 40
        journal = "".join(f.read_text(encoding="utf-8") for f in store.journal_dir.glob("*.jsonl"))
        assert all(r.json()["answer_id"] in journal for r in responses)
        assert "198.51.100.23" not in journal
    finally:
        gate.set()
    assert store.flush()
    assert groups == [1, 39]
    assert store.count() == 40
    for r, q in zip(responses, questions):
        row = store.get(r.json()["answer_id"])
        assert row["question"] == q and row["channel"] == "api"
        assert row["client_hash"] == store.hash("198.51.100.23")
    store.close()
    assert list(store.journal_dir.iterdir()) == []
