"""The chat page across server restarts (issue 13), in headless Chromium against `assistant serve --workers 2`
as deployed (real engine, conversations in the default SQLite state file): a restart keeps the conversation
(reload restores it, a follow-up keeps its context); after a restart with the session expired, the follow-up
says so instead of a bare clarify."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from _browser import ARGS, CHROMIUM, free_port, playwright, send
from _served import ServedProcess

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "screenshots"
EXPIRED = "之前的对话已过期，请补充完整问题"

sync_api = playwright(module_level=True)


class Server(ServedProcess):
    def start(self, ttl: float) -> None:
        self.launch([sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                     "--workers", "2", "--no-access-log"], {"ASSISTANT_SESSION_TTL": str(ttl)})
        self.wait_until(self.healthy, "server did not start", timeout=120)


def test_page_after_restarts_keeps_or_says_expired(tmp_path: Path) -> None:
    server = Server(tmp_path, free_port())          # the same port throughout: the page's origin
    server.start(ttl=3600)
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 375, "height": 667})
            page.goto(server.base + "/")
            first = send(page, "市里的作品登记谁出钱？")
            assert "作品登记" in first.inner_text()

            # 1. Restart: the page reloads its conversation, and the follow-up keeps the context.
            server.stop()
            server.start(ttl=3600)
            page.reload()
            page.locator(".card").first.wait_for(timeout=20000)
            assert page.locator(".bubble-user").count() == 1
            follow = send(page, "那县区的呢？")
            assert "status-answered" in follow.get_attribute("class")
            assert "作品登记" in follow.inner_text() and "县区" in follow.inner_text()
            assert EXPIRED not in page.inner_text("#messages")

            # 2. A server whose sessions last 3 s: one more turn, then a restart that outlasts the session.
            # The old turns are still on the page, and the next follow-up says the conversation is gone
            # instead of a bare "需要补充信息".
            server.stop()
            server.start(ttl=3)
            assert "status-answered" in send(page, "那市里的呢？").get_attribute("class")
            server.stop()
            time.sleep(3.5)
            server.start(ttl=3)
            gone = send(page, "那县区的呢？")
            assert "status-clarify" in gone.get_attribute("class")
            assert gone.locator(".verdict").inner_text() == EXPIRED
            assert "请说明您想问的具体事项" in gone.inner_text()    # the clarify's own help stays below it
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "chat-session-expired-after-restart.png"))

            # The page now holds the new conversation: a full question and then a follow-up work again.
            send(page, "市里的作品登记谁出钱？")
            again = send(page, "那县区的呢？")
            assert "status-answered" in again.get_attribute("class")
            assert page.locator(".verdict", has_text=EXPIRED).count() == 1
            browser.close()
    finally:
        server.stop()
