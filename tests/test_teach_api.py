"""Teachings through the admin API and the channels (the page's calls): refusals are 4xx with Chinese
messages, a change to existing cases needs a confirmation, undo, explain, matter search; a tap on an option
in the page and a numbered WeChat reply record candidates that answer directly once approved."""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from assistant.config import Settings
from assistant.service.api import create_app

ROOT = Path(__file__).resolve().parent.parent
ASKED = "县里搞软件合规检查的钱谁出？"
MATTER = "软件正版化工作组织推进"

TOKEN = "teach-api-token-1c9e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(engine, tmp_path: Path):
    settings = Settings(cache_dir=tmp_path, admin_token=TOKEN, wechat_token="wx-teach")
    app = create_app(settings, engine=engine.with_teachings(None))
    with TestClient(app) as c:
        yield c
    app.state.teacher = None


def wait_for(check, timeout: float = 10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def test_api_teach_refusals_are_4xx_with_chinese_messages(client) -> None:
    cases = [({"kind": "link", "question": ASKED, "matter": "m99"}, 404, "没有事项"),
             ({"kind": "link", "question": "县里的侵权纠纷裁决谁出钱", "matter": "m24", "level": "县区"}, 409, "只有：市级"),
             ({"kind": "link", "question": ASKED, "matter": "m26", "doc_id": "no-such-plan"}, 404, "未载入方案"),
             ({"kind": "oops", "question": ASKED}, 422, "未知的教学类型"),
             ({"kind": "link", "question": "", "matter": "m26"}, 422, "问题不能为空")]
    for body, status, words in cases:
        r = client.post("/api/admin/teachings", json=body, headers=AUTH)
        assert r.status_code == status and words in r.json()["error"]["message"], (body, r.json())
    assert client.post("/api/admin/teachings", json=cases[0][0]).status_code == 401
    assert client.get("/api/admin/teachings", headers=AUTH).json() == {"teachings": []}


def test_api_teach_confirm_undo_explain_and_matters(client) -> None:
    app = client.app
    app.state.teacher.cases = [ROOT / "tests" / "cases" / "qinzhou-natural.yaml"]
    body = {"kind": "link", "question": "县里采购正版软件谁出钱", "matter": "m26", "who": "赵六"}
    r = client.post("/api/admin/teachings", json=body, headers=AUTH)
    assert r.status_code == 409 and r.json()["error"]["code"] == "confirm_required"
    assert [c["case"] for c in r.json()["changes"]] == ["qinzhou-natural:n-019"]
    assert "1 个已有用例" in r.json()["error"]["message"]
    r = client.post("/api/admin/teachings", json={**body, "confirm": True}, headers=AUTH)
    assert r.status_code == 201
    t = r.json()["teaching"]
    assert t["matter_name"] == MATTER and t["who"] == "赵六" and r.json()["after"]["status"] == "answered"
    asked = client.post("/api/ask", json={"question": "市里采购正版软件谁出钱"}).json()
    assert [f["payer"] for f in asked["findings"]] == ["市"]
    trace = client.post("/api/admin/explain", json={"question": "市里采购正版软件谁出钱"}, headers=AUTH).json()
    assert trace["plans"][0]["candidates"][0]["teaching"] == t["id"]
    found = client.get("/api/admin/matters", params={"q": "软件正版"}, headers=AUTH).json()["matters"]
    assert [(m["id"], [lv["name"] for lv in m["levels"]]) for m in found] == [("m26", ["市", "县区"])]
    assert client.post(f"/api/admin/teachings/{t['id']}/undo", headers=AUTH).json()["teaching"]["status"] == "undone"
    again = client.post("/api/ask", json={"question": "市里采购正版软件谁出钱"}).json()
    assert again["status"] != "answered" or MATTER not in {f["matter"] for f in again["findings"]}
    assert client.post(f"/api/admin/teachings/{t['id']}/undo", headers=AUTH).status_code == 404
    listed = client.get("/api/admin/teachings", params={"status": "undone"}, headers=AUTH).json()["teachings"]
    assert [x["id"] for x in listed] == [t["id"]]
    exported = client.get("/api/admin/teachings.yaml", headers=AUTH)
    assert exported.status_code == 200 and yaml.safe_load(exported.text) == []


def test_a_tap_on_the_page_and_a_numbered_wechat_reply_record_candidates(client) -> None:
    first = client.post("/api/ask", json={"question": "专利地图是不是市里出"}).json()
    option = first["options"][0]
    client.post("/api/ask", json={"question": option["question"], "session_id": first["session_id"]})

    def candidates():
        return client.get("/api/admin/candidates", headers=AUTH).json()["candidates"]
    (c,) = wait_for(candidates)
    assert (c["phrasing"], c["matter_name"], c["count"]) == ("专利地图", "专利导航", 1)

    # WeChat: the reply lists the options by number; "1" picks the first.
    def wx(content: str, msg_id: int):
        ts, nonce = str(int(time.time())), "n1"
        sig = hashlib.sha1("".join(sorted(["wx-teach", ts, nonce])).encode()).hexdigest()
        xml = (f"<xml><ToUserName>gh</ToUserName><FromUserName>u1</FromUserName><CreateTime>{ts}</CreateTime>"
               f"<MsgType>text</MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")
        return client.post("/wechat/callback", params={"signature": sig, "timestamp": ts, "nonce": nonce},
                           content=xml.encode(), headers={"Content-Type": "text/xml"})
    reply = wx("专利地图是不是市里出", 1)
    assert "1. 专利导航" in reply.text
    wx("1", 2)
    wait_for(lambda: candidates()[0]["count"] == 2)

    approved = client.post(f"/api/admin/candidates/{c['id']}/approve", json={"who": "管理员甲"}, headers=AUTH)
    assert approved.status_code == 200 and approved.json()["teaching"]["status"] == "active"
    direct = client.post("/api/ask", json={"question": "专利地图是不是市里出"}).json()
    assert direct["status"] == "answered" and direct["answer"].startswith("是。")
    assert candidates() == []


def test_a_tap_on_a_clarify_option_is_a_candidate_and_an_ambiguous_phrasing_stays_a_question(client) -> None:
    """A "您问的是不是" question is recorded like any tap; approving it is refused when the phrasing is the
    words several matters share (it would answer the other matter's questions too), so the question stays."""
    first = client.post("/api/ask", json={"question": "搞地标谁出钱"}).json()
    assert first["status"] == "clarify"
    assert [o["label"] for o in first["options"]] == ["地理标志运用促进", "地理标志保护"]
    option = first["options"][1]
    picked = client.post("/api/ask", json={"question": option["question"], "session_id": first["session_id"]}).json()
    assert picked["status"] == "answered"

    def candidates():
        return client.get("/api/admin/candidates", headers=AUTH).json()["candidates"]
    (c,) = wait_for(candidates)
    assert (c["question"], c["matter_name"], c["count"]) == ("搞地标谁出钱", "地理标志保护", 1)
    refused = client.post(f"/api/admin/candidates/{c['id']}/approve", json={"who": "管理员甲"}, headers=AUTH)
    assert refused.status_code == 409 and "太笼统" in refused.json()["error"]["message"]
    assert client.post("/api/ask", json={"question": "搞地标谁出钱"}).json()["status"] == "clarify"


def test_explain_reads_a_follow_up_in_its_conversation_and_405_names_every_method(client) -> None:
    first = client.post("/api/ask", json={"question": "市里的作品登记谁出钱？"}).json()
    alone = client.post("/api/admin/explain", json={"question": "那县区的呢？"}, headers=AUTH).json()
    assert alone["decision"]["status"] == "clarify"
    follow = client.post("/api/admin/explain", json={"question": "那县区的呢？", "session_id": first["session_id"]},
                         headers=AUTH).json()
    assert [(v["matter"], v["payers"]) for v in follow["decision"]["verdicts"]] == \
        [("国内作者或其他著作权人作品登记", ["县区"])]
    bad = client.post("/api/admin/explain", json={"question": "x", "session_id": "no good"}, headers=AUTH)
    assert bad.status_code == 422
    refused = client.put("/api/admin/teachings", headers=AUTH)
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, POST"


def test_api_marks_not_listed_and_adds_a_synonym(client) -> None:
    r = client.post("/api/admin/teachings", json={"kind": "not_listed", "question": "县里的商标工作站谁出钱"}, headers=AUTH)
    assert r.status_code == 201 and r.json()["after"]["status"] == "not_listed" and r.json()["teaching"]["who"] == "管理员"
    asked = client.post("/api/ask", json={"question": "商标工作站是不是市里出"}).json()
    assert asked["status"] == "not_listed" and asked["options"] == []
    body = {"kind": "synonym", "question": "县里的打官司帮扶谁出钱", "word": "打官司帮扶", "means": "维权援助"}
    r = client.post("/api/admin/teachings", json=body, headers=AUTH)
    assert r.status_code == 201 and r.json()["teaching"]["means"] == "维权援助"
    assert [f["matter"] for f in client.post("/api/ask", json={"question": "市里的打官司帮扶谁出钱"}).json()["findings"]] \
        == ["维权援助"]
    again = client.post("/api/admin/teachings", json=body, headers=AUTH)
    assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate"
    exported = yaml.safe_load(client.get("/api/admin/teachings.yaml", headers=AUTH).text)
    assert [e["kind"] for e in exported] == ["not_listed", "synonym"]
