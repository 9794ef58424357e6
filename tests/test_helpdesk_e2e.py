"""End to end, as deployed: the server in a subprocess with the tokens set in its environment;
questions through the chat page, the API and a WeChat message; kill -9; restart; everything is in the
admin stats and CSV."""
from __future__ import annotations

import csv
import hashlib
import io
import os
import sys
import time
from pathlib import Path

import httpx
import pytest
import xmltodict

from _browser import ARGS, CHROMIUM, playwright
from _served import ServedProcess

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "e2e-admin-token-91c2"
WX = "e2e-wechat-token"
CONTACT = "市财政局 0777-2800000"
SHOTS = ROOT / "artifacts" / "screenshots"

sync_api = playwright(module_level=True)


class Server(ServedProcess):
    """`real`: `python -m assistant serve` (the real engine, as deployed); `fake`: the same app and
    settings from the environment with the fake engine (isolates the help desk from engine changes)."""

    def __init__(self, state: Path, kind: str) -> None:
        super().__init__(state)
        self.kind = kind

    def start(self) -> None:
        cmd = ([sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
               if self.kind == "real" else [sys.executable, str(ROOT / "tests" / "_serve_fake.py"), str(self.port)])
        self.launch(cmd, {"ASSISTANT_ADMIN_TOKEN": ADMIN, "ASSISTANT_WECHAT_TOKEN": WX, "ASSISTANT_CONTACT": CONTACT})
        self.wait_until(self.healthy, "server did not start", timeout=90)

    def stop(self) -> None:
        super().stop(timeout=10)


def wechat_params(token: str = WX) -> dict[str, str]:
    ts, nonce = str(int(time.time())), os.urandom(4).hex()
    return {"signature": hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest(),
            "timestamp": ts, "nonce": nonce}


def wechat_text(content: str) -> str:
    return (f"<xml><ToUserName><![CDATA[gh_bureau]]></ToUserName><FromUserName><![CDATA[oE2E_user]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{time.time_ns()}</MsgId></xml>")


PAGE_Q = "钦南区开展专利导航，谁出钱？"
WECHAT_Q = "市里的作品登记谁出钱？"
API_Q = "知识产权质押融资谁出钱？"


@pytest.mark.parametrize("kind", ["real", "fake"])
def test_page_api_and_wechat_survive_kill_9(tmp_path, kind):
    server = Server(tmp_path, kind)
    server.start()
    try:
        # 1. The chat page, with a 👎 and a comment on the answer.
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page()
            page.goto(server.base + "/")
            page.fill("#input", PAGE_Q)
            page.click("#send")
            card = page.locator(".card").last
            card.wait_for(timeout=15000)
            card.locator(".feedback-down").click()
            card.locator(".feedback-comment").fill("希望写明由哪一级财政承担")
            card.locator(".feedback-submit").click()
            page.wait_for_selector(".feedback-note.ok", timeout=10000)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"helpdesk-e2e-chat-feedback-{kind}.png"))
            browser.close()

        with httpx.Client(base_url=server.base, timeout=10) as c:
            # 2. A WeChat text message (a bad signature first: refused, not answered).
            bad = c.post("/wechat/callback", params=wechat_params("forged"), content=wechat_text("伪造的消息"))
            assert bad.status_code == 403
            r = c.post("/wechat/callback", params=wechat_params(), content=wechat_text(WECHAT_Q).encode())
            assert r.status_code == 200
            reply = xmltodict.parse(r.text)["xml"]
            assert reply["ToUserName"] == "oE2E_user" and reply["Content"]
            # 3. The API; then kill -9 the moment the answer is in hand.
            answer = c.post("/api/ask", json={"question": API_Q})
            assert answer.status_code == 200
            server.kill9()
        api_answer_id = answer.json()["answer_id"]
    finally:
        server.stop()

    server = Server(tmp_path, kind)
    server.start()
    try:
        with httpx.Client(base_url=server.base, timeout=10) as c:
            assert c.get("/api/admin/stats").status_code == 401
            assert c.get("/api/admin/questions.csv").status_code == 401
            auth = {"Authorization": f"Bearer {ADMIN}"}
            stats = c.get("/api/admin/stats", headers=auth).json()
            assert stats["totals"]["questions"] == 3
            assert stats["per_channel"] == {"web": 1, "wechat": 1, "api": 1}
            assert [d["comment"] for d in stats["disliked"]] == ["希望写明由哪一级财政承担"]
            assert stats["disliked"][0]["question"] == PAGE_Q
            export = c.get("/api/admin/questions.csv", headers=auth)
            rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
            assert {(r["channel"], r["question"]) for r in rows} == {("web", PAGE_Q), ("wechat", WECHAT_Q),
                                                                      ("api", API_Q)}
            assert api_answer_id in {r["answer_id"] for r in rows}
            assert "伪造的消息" not in export.content.decode("utf-8-sig")
    finally:
        server.stop()


def test_answers_acknowledged_under_load_survive_kill_9(tmp_path):
    """Under load: 32 keep-alive connections ask as fast as they can, the server is killed with SIGKILL
    in the middle (answers in its journal not yet in the database); every answer a client received is
    in the log after the restart."""
    import threading

    server = Server(tmp_path, "fake")
    server.start()
    acknowledged: list[str] = []
    stop = threading.Event()

    def client(k: int) -> None:
        with httpx.Client(base_url=server.base, timeout=10) as c:
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    r = c.post("/api/ask", json={"question": f"用户{k}的第{i}个问题：知识产权质押融资谁出钱？"})
                    answer_id = r.json()["answer_id"] if r.status_code == 200 else None
                except (httpx.HTTPError, ValueError):
                    return                            # the server is gone: this answer never arrived
                if answer_id:
                    acknowledged.append(answer_id)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(32)]
    try:
        for t in threads:
            t.start()
        deadline = time.time() + 30
        while len(acknowledged) < 300 and time.time() < deadline:
            time.sleep(0.01)
        server.kill9()                                # requests are in flight on every connection
        stop.set()
        for t in threads:
            t.join(timeout=15)
    finally:
        stop.set()
        server.stop()
    assert len(acknowledged) >= 300, server.read_log()
    journal = tmp_path / "question-log-journal"
    assert list(journal.glob("*.jsonl"))            # the killed server's journal is left behind

    server = Server(tmp_path, "fake")
    server.start()
    try:
        with httpx.Client(base_url=server.base, timeout=30) as c:
            export = c.get("/api/admin/questions.csv", headers={"Authorization": f"Bearer {ADMIN}"})
            logged = {r["answer_id"] for r in csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")))}
        assert list(journal.iterdir()) == []        # and written to the database at the restart
    finally:
        server.stop()
    missing = set(acknowledged) - logged
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged answers are not in the log"
