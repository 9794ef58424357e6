"""The chat page, source viewer and embed snippet in headless Chromium (Debian's, driven by Playwright).

A real uvicorn server runs in a thread. The UI tests use the keyword engine double so every state
(answer, unanswered + contact, errors, typing) is reachable on demand; `test_product_*` runs the same
journey on the real engine. Screenshots go to artifacts/screenshots/. Under CI=true a missing
Chromium or Playwright fails the tests instead of skipping them.
"""
from __future__ import annotations

import http.server
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from _web_fakes import DOC_ID, FakeEngine
from _browser import ARGS, CHROMIUM, playwright
from assistant.service.api import create_app
from assistant.config import PROJECT_ROOT, Settings

SHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
VIEWPORTS = {"phone": {"width": 375, "height": 667}, "desktop": {"width": 1280, "height": 800}}
CONTACT = "市市场监管局知识产权科 0777-2800000"
EMBED_TITLE = "钦州政策问答"


def _playwright() -> Any:
    return playwright()


# --------------------------------------------------------------------------- servers

class LiveServer:
    """uvicorn on a free 127.0.0.1 port, in a thread (the socket is bound first: no port race)."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


class HostPage:
    """A plain page on another origin (another port) that carries the embed snippet."""

    def __init__(self) -> None:
        self.html = b""
        page = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(page.html)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def carry(self, app_base: str) -> None:
        self.html = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>钦州市人民政府门户</title></head>
<body style="margin:0;font-family:sans-serif;background:#f5f5f5">
<header style="background:#b71c1c;color:#fff;padding:14px 18px;font-size:20px">钦州市人民政府门户网站</header>
<main style="padding:18px;line-height:1.8"><h2>政策文件</h2><p>这是一个普通的门户页面，页面右下角的按钮打开政策问答。</p></main>
<script src="{app_base}/embed.js" data-title="{EMBED_TITLE}"></script>
</body></html>""".encode()

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture(scope="module")
def hosts() -> Iterator[tuple[HostPage, HostPage]]:
    allowed, other = HostPage(), HostPage()
    yield allowed, other
    allowed.close()
    other.close()


@pytest.fixture(scope="module")
def fake_server(tmp_path_factory: pytest.TempPathFactory, hosts: tuple[HostPage, HostPage]) -> Iterator[dict]:
    allowed, other = hosts
    settings = Settings(cache_dir=tmp_path_factory.mktemp("web-browser"), contact=CONTACT,
                        allowed_origins=[allowed.origin])
    app = create_app(settings, engine=FakeEngine())
    records: list[dict] = []
    app.state.answer_listeners.append(records.append)
    with LiveServer(app) as srv:
        allowed.carry(srv.base)
        other.carry(srv.base)
        yield {"base": srv.base, "records": records, "allowed": allowed, "other": other, "app": app}


@pytest.fixture(scope="module")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from assistant.engine import Assistant
    engine = Assistant.load()
    if engine.document(DOC_ID) is None:
        pytest.skip("the engine is still the interface stub (document() returns None)")
    app = create_app(Settings(cache_dir=tmp_path_factory.mktemp("web-real")), engine=engine)
    with LiveServer(app) as srv:
        yield srv.base


# --------------------------------------------------------------------------- browser

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = _playwright()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def expect() -> Any:
    return _playwright().expect


class Page:
    """A page at one viewport that records failures and requests leaving the test hosts."""

    def __init__(self, browser: Any, viewport: str, allowed_prefixes: tuple[str, ...]) -> None:
        self.viewport = viewport
        self.context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN",
                                           device_scale_factor=2 if viewport == "phone" else 1,
                                           is_mobile=viewport == "phone", has_touch=viewport == "phone")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.console: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("request", lambda r: None if r.url.startswith(allowed_prefixes + ("data:", "blob:", "about:"))
                     else self.outside.append(r.url))

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}-{self.viewport}.png"))


@pytest.fixture(params=list(VIEWPORTS))
def ui(request: pytest.FixtureRequest, browser: Any, fake_server: dict) -> Iterator[Page]:
    prefixes = (fake_server["base"], fake_server["allowed"].origin, fake_server["other"].origin)
    p = Page(browser, request.param, prefixes)
    yield p
    p.context.close()
    assert p.outside == [], f"requests left the test hosts: {p.outside}"
    assert p.errors == [], f"page errors: {p.errors}"
    assert not [m for m in p.console if m.startswith("error")], p.console   # e.g. a 404 asset, a CSP refusal


# --------------------------------------------------------------------------- the journey (shared)

def _ask(page: Any, question: str) -> None:
    # The page ignores Enter while an answer is on its way (the text stays in the box), as a user sees it;
    # a test asking twice in a row waits for the first answer like a user would.
    page.wait_for_selector("#composer:not(.busy)", state="attached")
    page.fill("#input", question)
    page.press("#input", "Enter")


def _card_checks(expect: Any, card: Any) -> None:
    """An answered card: bold verdict, a row per finding with 事权 and 支出 badges, a quote, a source chip."""
    expect(card.locator(".verdict strong")).not_to_be_empty()
    assert int(card.locator(".verdict strong").evaluate("e => getComputedStyle(e).fontWeight")) >= 600
    rows = card.locator(".finding")
    assert rows.count() >= 1
    for i in range(rows.count()):
        expect(rows.nth(i).locator(".badge-authority")).to_contain_text("事权")
        expect(rows.nth(i).locator(".badge-payer")).to_contain_text("支出")
    expect(card.locator(".quote").first).not_to_be_empty()
    expect(card.locator(".cite-chip").first).to_have_attribute("href", re.compile(r"^doc/[^?#]+(\?q=[^#]*)?#.+"))
    expect(card.locator(".feedback-up")).to_be_visible()


def journey(ui: Page, expect: Any, base: str, first: str, follow_up: str, shot_prefix: str,
            use_chip: bool = False) -> None:
    """Ask, check the card and citation, follow up, reload, open the source viewer, come back."""
    page = ui.page
    page.goto(base + "/")
    chips = page.locator(".welcome .chip")
    expect(chips.first).to_be_visible()
    assert 4 <= chips.count() <= 6
    expect(page.locator(".welcome-docs")).to_contain_text("钦政办〔2025〕15号")
    ui.shot(f"{shot_prefix}-1-welcome")

    if use_chip:
        first = chips.first.inner_text()
        chips.first.click()
    else:
        _ask(page, first)
    card = page.locator(".card").first
    expect(card).to_be_visible()
    expect(page.locator(".row-user .bubble").first).to_have_text(first)
    _card_checks(expect, card)
    quoted = card.locator(".citation", has=page.locator(".quote", has_text="专利导航")).first
    expect(quoted).to_be_visible()
    expect(page.locator(".suggestions .chip").first).to_be_visible()
    ui.shot(f"{shot_prefix}-2-answer")

    _ask(page, follow_up)
    expect(page.locator(".card")).to_have_count(2)
    second = page.locator(".card").nth(1)
    _card_checks(expect, second)
    payers = second.locator(".badge-payer").all_inner_texts()
    assert payers and all("县区" in p for p in payers), payers    # the follow-up was read in context
    ui.shot(f"{shot_prefix}-3-follow-up")

    page.reload()
    expect(page.locator(".card")).to_have_count(2)
    expect(page.locator(".row-user .bubble")).to_have_text([first, follow_up])
    expect(page.locator(".welcome")).to_have_count(1)
    ui.shot(f"{shot_prefix}-4-reloaded")

    chip = page.locator(".card").first.locator(".citation", has=page.locator(".quote", has_text="专利导航")) \
        .first.locator(".cite-chip")
    anchor = chip.get_attribute("href").split("#", 1)[1]
    label = chip.inner_text().lstrip("§").strip()
    chip.click()
    page.wait_for_url(re.compile(rf"/doc/{DOC_ID}\?q=[^#]+#{re.escape(anchor)}$"))
    target = page.locator(f"[id='{anchor}']")
    expect(target).to_have_class(re.compile(r"\btarget\b"))
    mark = target.locator("mark").first
    expect(mark).to_contain_text("专利导航")
    expect(page.locator("#locator")).to_contain_text(label.split(" ")[-1])
    box, height = mark.bounding_box(), VIEWPORTS[ui.viewport]["height"]
    assert box and 0 <= box["y"] and box["y"] + box["height"] <= height, (box, height)   # scrolled to it
    bg = mark.evaluate("e => getComputedStyle(e).backgroundColor")
    assert bg not in ("rgba(0, 0, 0, 0)", "transparent")
    ui.shot(f"{shot_prefix}-5-source")

    page.locator("#back").click()
    expect(page.locator(".card")).to_have_count(2)


# --------------------------------------------------------------------------- tests

def test_chat_journey(ui: Page, expect: Any, fake_server: dict) -> None:
    before = len(fake_server["records"])
    journey(ui, expect, fake_server["base"], "", "那县区的呢？", "chat", use_chip=True)
    new = fake_server["records"][before:]
    assert len(new) == 2 and {r["channel"] for r in new} == {"web"}           # the page says who it is
    assert new[0]["session_id"] == new[1]["session_id"]


def test_product_journey_on_the_real_engine(browser: Any, expect: Any, real_server: str,
                                            request: pytest.FixtureRequest) -> None:
    for viewport in VIEWPORTS:
        ui = Page(browser, viewport, (real_server,))
        try:
            journey(ui, expect, real_server, "专利导航谁出钱？", "钦南区的呢？", "product")
        finally:
            ui.context.close()
        assert ui.outside == [] and ui.errors == []
        assert not [m for m in ui.console if m.startswith("error")], ui.console


def test_unanswered_reply_shows_status_contact_and_suggestions(ui: Page, expect: Any, fake_server: dict) -> None:
    page = ui.page
    page.goto(fake_server["base"] + "/")
    _ask(page, "明天天气怎么样？")
    card = page.locator(".card").first
    expect(card.locator(".status-tag")).to_have_text("超出收录范围")
    expect(card.locator(".contact")).to_contain_text(CONTACT)
    expect(card.locator(".finding")).to_have_count(0)
    page.locator(".suggestions .chip").first.click()                        # suggestion chips ask
    expect(page.locator(".card")).to_have_count(2)
    expect(page.locator(".card").nth(1).locator(".contact")).to_have_count(0)
    ui.shot("chat-6-unanswered")


def test_server_text_is_shown_as_text(ui: Page, expect: Any, fake_server: dict) -> None:
    page = ui.page
    page.goto(fake_server["base"] + "/")
    question = f"<img src=x onerror=\"window.__pwned=1\">专利导航<b>{ui.viewport}</b>"
    _ask(page, question)
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator(".row-user .bubble").first).to_have_text(question)
    expect(page.locator(".card .verdict")).to_contain_text("<img src=x>")
    expect(page.locator(".suggestions .chip").first).to_have_text(f"<b>{question}</b>")
    assert page.locator("#messages img, #messages b").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_typing_indicator_then_unreachable_server_then_retry(ui: Page, expect: Any, fake_server: dict) -> None:
    page = ui.page
    page.goto(fake_server["base"] + "/")
    _ask(page, f"请稍等，专利导航谁出钱？（{ui.viewport}）")                 # the double sleeps 1 s
    expect(page.locator(".typing")).to_be_visible()
    expect(page.locator("#send")).to_be_disabled()
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator(".typing")).to_have_count(0)

    page.route("**/api/ask", lambda route: route.abort("connectionrefused"))
    _ask(page, "作品登记谁出钱？")
    notice = page.locator(".notice")
    expect(notice).to_contain_text("无法连接服务器")
    ui.shot("chat-7-offline")
    page.unroute("**/api/ask")
    notice.locator(".notice-retry").click()
    expect(page.locator(".card")).to_have_count(2)
    expect(page.locator(".row-user")).to_have_count(2)                     # a retry doesn't repeat the question
    ui.console.clear()   # the refused request logs a console line; that is the point of this test


def test_validation_error_is_shown_in_chinese(ui: Page, expect: Any, fake_server: dict) -> None:
    page = ui.page
    page.goto(fake_server["base"] + "/")
    page.route("**/api/ask", lambda route: route.continue_(post_data=json.dumps({"question": ""})))
    _ask(page, "专利导航谁出钱？")
    expect(page.locator(".notice")).to_contain_text("问题不能为空")
    ui.console.clear()   # the 422 is logged by the browser; expected here


def test_feedback_posts_rating_and_comment(ui: Page, expect: Any, fake_server: dict) -> None:
    page = ui.page
    page.goto(fake_server["base"] + "/")
    posted: list[dict] = []

    def ok(route: Any) -> None:
        posted.append(json.loads(route.request.post_data))
        route.fulfill(status=200, content_type="application/json", body='{"ok": true}')
    page.route("**/api/feedback", ok)
    with page.expect_response("**/api/ask") as resp:
        _ask(page, "专利导航谁出钱？")
    answer_id = resp.value.json()["answer_id"]
    card = page.locator(".card").first
    card.locator(".feedback-down").click()
    expect(card.locator(".feedback-comment")).to_be_visible()
    card.locator(".feedback-comment").fill("希望写明县区的具体科目")
    card.locator(".feedback-submit").click()
    expect(card.locator(".feedback-note")).to_have_text("感谢反馈")
    assert posted == [{"answer_id": answer_id, "rating": "down", "comment": "希望写明县区的具体科目"}]
    expect(card.locator(".feedback-up")).to_be_disabled()

    page.unroute("**/api/feedback")
    page.route("**/api/feedback", lambda route: route.fulfill(status=503, body="{}"))
    _ask(page, "作品登记谁出钱？")
    card2 = page.locator(".card").nth(1)
    card2.locator(".feedback-up").click()
    card2.locator(".feedback-submit").click()
    expect(card2.locator(".feedback-note")).to_contain_text("失败")
    ui.console.clear()


def test_new_conversation_button(ui: Page, expect: Any, fake_server: dict) -> None:
    page = ui.page
    page.goto(fake_server["base"] + "/")
    _ask(page, "专利导航谁出钱？")
    expect(page.locator(".card")).to_have_count(1)
    assert page.evaluate("localStorage.getItem('policy-assistant.session.full')")
    page.click("#new-chat")                                                # asks first
    confirm = page.locator(".confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("清空当前对话")
    ui.shot("chat-8-new-chat-confirm")
    confirm.locator(".confirm-no").click()
    expect(confirm).to_be_hidden()
    expect(page.locator(".card")).to_have_count(1)
    assert page.evaluate("localStorage.getItem('policy-assistant.session.full')")
    page.click("#new-chat")
    confirm.locator(".confirm-yes").click()
    expect(confirm).to_be_hidden()
    expect(page.locator(".card")).to_have_count(0)
    expect(page.locator(".welcome")).to_have_count(1)
    assert page.evaluate("localStorage.getItem('policy-assistant.session.full')") is None
    page.reload()
    expect(page.locator(".welcome")).to_have_count(1)
    expect(page.locator(".card")).to_have_count(0)


def test_embed_snippet_on_a_plain_host_page(ui: Page, expect: Any, fake_server: dict) -> None:
    page = ui.page
    page.goto(fake_server["allowed"].origin + "/")
    button = page.locator("#policy-assistant-embed .pa-btn")              # open shadow root: CSS pierces it
    expect(button).to_be_visible()
    ui.shot("embed-1-button")
    button.click()
    frame = page.frame_locator("#policy-assistant-embed iframe")
    expect(frame.locator("#title")).to_have_text(EMBED_TITLE)
    frame.locator(".welcome .chip").first.click()
    card = frame.locator(".card").first
    expect(card).to_be_visible()
    _card_checks(expect, card)
    expect(card.locator(".cite-chip").first).to_have_attribute("target", "_blank")   # don't navigate the widget
    ui.shot("embed-2-open")
    page.locator("#policy-assistant-embed .pa-close").click()
    expect(page.locator("#policy-assistant-embed .pa-panel")).to_be_hidden()


def _embed_refused(ui: Page, expect: Any, host: HostPage) -> None:
    """On a host the server does not allow, embed.js shows nothing (no button that would open a
    browser error page), loads nothing more, and says once in the console which setting to change."""
    page = ui.page
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(host.origin + "/")
    for _ in range(50):                        # console events arrive asynchronously
        if any("ASSISTANT_ALLOWED_ORIGINS" in m for m in ui.console):
            break
        page.wait_for_timeout(100)
    said = [m for m in ui.console if "ASSISTANT_ALLOWED_ORIGINS" in m]
    assert len(said) == 1 and said[0].startswith("warning: ") and host.origin in said[0], ui.console
    expect(page.locator("#policy-assistant-embed")).to_have_count(0)
    assert page.locator("iframe").count() == 0
    assert [u for u in requested if not u.startswith(host.origin)] == [u for u in requested if u.endswith("/embed.js")]
    ui.shot("embed-3-not-allowed")


def test_embed_shows_nothing_on_an_origin_not_allowed(ui: Page, expect: Any, fake_server: dict) -> None:
    _embed_refused(ui, expect, fake_server["other"])


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_embed_shows_nothing_by_default(browser: Any, expect: Any, viewport: str,
                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    """ASSISTANT_ALLOWED_ORIGINS unset (the default): no other site may embed, so none shows a button."""
    app = create_app(Settings(cache_dir=tmp_path_factory.mktemp("web-closed")), engine=FakeEngine())
    host = HostPage()
    with LiveServer(app) as srv:
        host.carry(srv.base)
        ui = Page(browser, viewport, (srv.base, host.origin))
        try:
            _embed_refused(ui, expect, host)
        finally:
            ui.context.close()
            host.close()
    assert ui.outside == [] and ui.errors == []
    assert not [m for m in ui.console if m.startswith("error")], ui.console


def test_did_you_mean_options_are_buttons_that_ask(browser: Any, expect: Any, real_server: str) -> None:
    """A phrasing the plan does not list gets no verdict, and the listed matters it may mean as
    buttons (not as the numbered lines a channel shows); tapping one asks about that matter."""
    ui = Page(browser, "phone", (real_server,))
    try:
        page = ui.page
        page.goto(real_server + "/")
        _ask(page, "商标品牌工作站建设谁出钱")
        card = page.locator(".card").first
        expect(card.locator(".finding")).to_have_count(0)
        option = card.locator(".chip.option")
        expect(option).to_have_text(["商标品牌指导站建设"])
        expect(card).not_to_contain_text("回复序号")
        ui.shot("chat-options-1-offered")
        option.click()
        expect(page.locator(".card")).to_have_count(2)
        expect(page.locator(".row-user .bubble").nth(1)).to_have_text("商标品牌指导站建设由谁承担支出责任？")
        expect(page.locator(".card").nth(1).locator(".badge-payer").first).to_be_visible()
        ui.shot("chat-options-2-answered")
    finally:
        ui.context.close()
    assert ui.errors == []


# --------------------------------------------------------------------------- a staff member's phone (issue 14)

LONG_QUESTION = "哪些事项按属地原则承担支出责任？"
TAP_MIN = 44          # px: the smallest tap target (Apple HIG, WCAG 2.5.5)
INPUT_FONT_MIN = 16   # px: iOS Safari zooms into inputs set smaller


@pytest.fixture(params=list(VIEWPORTS))
def real_ui(request: pytest.FixtureRequest, browser: Any, real_server: str) -> Iterator[Page]:
    p = Page(browser, request.param, (real_server,))
    yield p
    p.context.close()
    assert p.outside == [], f"requests left the test host: {p.outside}"
    assert p.errors == [], f"page errors: {p.errors}"
    assert not [m for m in p.console if m.startswith("error")], p.console


def _in_view(page: Any, locator: Any) -> None:
    """The element is wholly inside the visible part of the conversation."""
    box, area = locator.bounding_box(), page.locator("#messages").bounding_box()
    assert box and area, (box, area)
    assert area["y"] - 0.5 <= box["y"] and box["y"] + box["height"] <= area["y"] + area["height"] + 0.5, (box, area)


def _whole_shot(ui: Page, name: str) -> None:
    """A screenshot as tall as the conversation, so a long card shows whole (same width, same layout)."""
    size = VIEWPORTS[ui.viewport]
    hidden = ui.page.evaluate("(m => m.scrollHeight - m.clientHeight)(document.getElementById('messages'))")
    ui.page.set_viewport_size({"width": size["width"], "height": size["height"] + hidden})
    ui.shot(name)
    ui.page.set_viewport_size(size)


def test_long_list_answer_is_collapsed_and_expands(real_ui: Page, expect: Any, real_server: str) -> None:
    page = real_ui.page
    page.goto(real_server + "/")
    with page.expect_response("**/api/ask") as response:
        _ask(page, LONG_QUESTION)
    result = response.value.json()
    items = [line for line in result["answer"].splitlines() if re.match(r"\d+\.\s", line)]
    assert len(items) > 5 and len({f["matter"] for f in result["findings"]}) == len(items)
    card = page.locator(".card").first
    expect(card.locator(".list-item")).to_have_count(len(items))

    # Collapsed: the conclusion, the first three items and a button naming how many there are.
    expect(card.locator(".list-item:visible")).to_have_count(3)
    expect(card.locator(".list-item:visible")).to_have_text(items[:3])
    toggle = card.locator(".list-toggle")
    expect(toggle).to_have_text(f"展开全部 {len(items)} 项")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    # Badges once per level, not per item: one row per distinct verdict, none of them a dash.
    levels = card.locator(".finding-level").all_inner_texts()
    assert len(levels) == len(set(levels)) < len(result["findings"]), levels
    assert "—" not in levels and "共同" in levels                  # the joint matter's row names itself
    expect(card.locator(".badge-payer")).to_have_count(len(levels))
    expect(card.locator(".finding").first).to_contain_text(f"全部 {len(items)} 项")
    # Only the first quote is open; the others wait behind their chips.
    expect(card.locator(".cite-chip")).to_have_count(len(result["citations"]))
    expect(card.locator(".quote:visible")).to_have_count(1)
    expect(card.locator(".quote-toggle")).to_have_count(len(result["citations"]) - 1)
    # The question stays in sight above the answer, and so do the conclusion and the button.
    question = page.locator(".row-user .bubble").last
    expect(question).to_have_text(LONG_QUESTION)
    for part in (question, card.locator(".verdict"), toggle):
        _in_view(page, part)
    collapsed = card.bounding_box()["height"]
    real_ui.shot("chat-long-1-collapsed")
    _whole_shot(real_ui, "chat-long-2-collapsed-whole")

    toggle.click()
    expect(card.locator(".list-item:visible")).to_have_count(len(items))
    expect(card.locator(".list-item")).to_have_text(items)
    expect(toggle).to_have_text("收起")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert card.bounding_box()["height"] > collapsed
    real_ui.shot("chat-long-3-expanded")
    _whole_shot(real_ui, "chat-long-4-expanded-whole")

    card.locator(".quote-toggle").first.click()
    expect(card.locator(".quote:visible")).to_have_count(2)
    expect(card.locator(".quote-toggle").first).to_have_text("收起原文")
    toggle.click()
    expect(card.locator(".list-item:visible")).to_have_count(3)

    page.reload()                                   # a restored tall answer also keeps its question in sight
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator(".card .list-item:visible")).to_have_count(3)
    _in_view(page, page.locator(".row-user .bubble").last)


def test_feedback_is_shown_as_given_after_a_reload(ui: Page, expect: Any, fake_server: dict) -> None:
    page = ui.page
    page.goto(fake_server["base"] + "/")
    with page.expect_response("**/api/ask") as first:
        _ask(page, "专利导航谁出钱？")
    _ask(page, "作品登记谁出钱？")
    expect(page.locator(".card")).to_have_count(2)
    card = page.locator(".card").first
    card.locator(".feedback-down").click()
    card.locator(".feedback-comment").fill("希望写明县区的具体科目")
    card.locator(".feedback-submit").click()
    expect(card.locator(".feedback-note")).to_have_text("感谢反馈")
    answer_id = first.value.json()["answer_id"]
    assert fake_server["app"].state.qlog.get(answer_id)["rating"] == "down"     # the server has it

    page.reload()
    expect(page.locator(".card")).to_have_count(2)
    card = page.locator(".card").first
    expect(card.locator(".feedback-down")).to_have_attribute("aria-pressed", "true")
    expect(card.locator(".feedback-down")).to_have_class(re.compile(r"\bchosen\b"))
    expect(card.locator(".feedback-up")).to_have_attribute("aria-pressed", "false")
    expect(card.locator(".feedback-up")).to_be_disabled()
    expect(card.locator(".feedback-down")).to_be_disabled()
    expect(card.locator(".feedback-note")).to_have_text("已反馈")
    unrated = page.locator(".card").nth(1)                       # the other answer is still open to rate
    expect(unrated.locator(".feedback-up")).to_be_enabled()
    expect(unrated.locator(".feedback-up")).to_have_attribute("aria-pressed", "false")
    card.locator(".feedback-bar").scroll_into_view_if_needed()
    ui.shot("chat-9-feedback-restored")


def test_tap_targets_and_input_text_sizes(ui: Page, expect: Any, fake_server: dict) -> None:
    page = ui.page
    targets = {"citation chip": ".card .cite-chip", "👍": ".feedback-up", "👎": ".feedback-down",
               "新对话": "#new-chat", "发送": "#send", "example": ".welcome .chip", "suggestion": ".suggestions .chip",
               "提交反馈": ".feedback-submit", "phone number": ".contact a"}
    for path in ("/", "/embed"):
        page.goto(fake_server["base"] + path)
        _ask(page, "专利导航谁出钱？")
        _ask(page, "明天天气怎么样？")
        expect(page.locator(".card")).to_have_count(2)
        page.locator(".card").first.locator(".feedback-up").click()          # opens the comment box
        expect(page.locator(".feedback-comment").first).to_be_visible()

        for name, selector in targets.items():
            found = page.locator(selector).locator("visible=true")
            assert found.count() > 0, (path, name)
            for i in range(found.count()):
                box = found.nth(i).bounding_box()
                assert box and box["width"] >= TAP_MIN and box["height"] >= TAP_MIN, (path, name, box)

        sizes = page.eval_on_selector_all(
            "input, textarea, select", "els => els.map(e => [e.id || e.className, parseFloat(getComputedStyle(e).fontSize)])")
        assert len(sizes) >= 2 and all(size >= INPUT_FONT_MIN for _, size in sizes), (path, sizes)

        # The input shows it has the focus.
        ring = "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth, s.boxShadow].join(' '); }"
        page.locator(".feedback-comment").first.focus()
        blurred = page.eval_on_selector("#input", ring)
        page.locator("#input").focus()
        focused = page.eval_on_selector("#input", ring)
        assert focused != blurred and ("rgb" in focused), (blurred, focused)

        # The contact's number is a link the phone can call.
        expect(page.locator(".card").nth(1).locator(".contact a")).to_have_attribute("href", "tel:07772800000")
        expect(page.locator(".card").nth(1).locator(".contact a")).to_have_text("0777-2800000")
    ui.shot("chat-10-targets")


def test_a_paste_over_the_limit_is_cut_and_says_so(ui: Page, expect: Any, fake_server: dict) -> None:
    page = ui.page
    ui.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=fake_server["base"])
    page.goto(fake_server["base"] + "/")
    counter, note = page.locator(".counter"), page.locator(".composer-note")
    page.fill("#input", "专" * 399)
    expect(counter).to_have_text("")
    expect(page.locator(".composer-meta")).to_be_hidden()
    page.fill("#input", "专" * 400)                                       # near the limit: a counter
    expect(counter).to_have_text("400/500")

    page.fill("#input", "")
    pasted = "专利导航谁出钱？" * 75                                         # 600 characters
    page.evaluate("text => navigator.clipboard.writeText(text)", pasted)
    page.locator("#input").focus()
    page.keyboard.press("ControlOrMeta+V")
    expect(note).to_contain_text("600 字")
    expect(note).to_contain_text("已截去")
    expect(counter).to_have_text("500/500")
    assert page.input_value("#input") == pasted[:500]
    ui.shot("chat-11-paste-cut")

    page.keyboard.press("Enter")
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator(".row-user .bubble")).to_have_text(pasted[:500])
    expect(page.locator(".composer-meta")).to_be_hidden()                  # the note goes with the question


def test_back_from_the_source_returns_to_that_answer(ui: Page, expect: Any, fake_server: dict) -> None:
    page = ui.page
    page.goto(fake_server["base"] + "/")
    questions = ["专利导航谁出钱？", "作品登记谁出钱？", "知识产权质押融资谁出钱？", "地理标志运用促进谁出钱？",
                 "商标品牌指导站建设谁出钱？", "专利导航谁出钱？（再问一次）"]
    for n, question in enumerate(questions, 1):
        _ask(page, question)
        expect(page.locator(".card")).to_have_count(n)
    first = page.locator(".card").first
    box, area = first.bounding_box(), page.locator("#messages").bounding_box()
    assert box["y"] + box["height"] < area["y"], "the first answer should have scrolled out of sight"

    first.locator(".cite-chip").first.scroll_into_view_if_needed()
    first.locator(".cite-chip").first.click()
    page.wait_for_url(re.compile(rf"/doc/{DOC_ID}"))
    page.locator("#back").click()
    expect(page.locator(".card")).to_have_count(len(questions))
    expect(page.locator(".card").first.locator(".verdict")).to_be_in_viewport(ratio=1)   # waits for the scroll
    _in_view(page, page.locator(".card").first.locator(".verdict"))
    _in_view(page, page.locator(".row-user .bubble").first)


def test_details_of_the_card_and_the_source_viewer(browser: Any, expect: Any, real_server: str) -> None:
    ui = Page(browser, "phone", (real_server,))
    try:
        page = ui.page
        page.goto(real_server + "/")
        # The examples an out-of-scope reply promises with "例如：" are in the card, and not again below it.
        with page.expect_response("**/api/ask") as response:
            _ask(page, "明天天气怎么样？")
        result = response.value.json()
        assert result["status"] == "out_of_scope" and result["answer"].splitlines()[0].endswith("例如：")
        card = page.locator(".card").last
        expect(card.locator(".examples-inline .chip")).to_have_text(result["suggestions"])
        expect(page.locator(".suggestions")).to_have_count(0)
        ui.shot("chat-12-examples-in-card")

        # A joint row's level badge says so; it is never a dash.
        _ask(page, "与边境国家开展知识产权执法合作，支出责任怎么划分？")
        expect(page.locator(".card")).to_have_count(2)
        levels = page.locator(".card").last.locator(".finding-level").all_inner_texts()
        assert "共同" in levels and "—" not in levels, levels

        # A suggestion never repeats the question just answered.
        asked = "这个方案什么时候开始施行？"
        with page.expect_response("**/api/ask") as response:
            _ask(page, asked)
        assert asked in response.value.json()["suggestions"]        # the engine offers it; the page drops it
        expect(page.locator(".card")).to_have_count(3)
        follow = page.locator(".suggestions").last.locator(".chip").all_inner_texts()
        assert follow and asked not in follow, follow

        # The source viewer joins a title set on two lines.
        page.goto(f"{real_server}/doc/{DOC_ID}#title")
        title = page.locator("[id='title']")
        expect(title).to_have_text("钦州市知识产权领域市以下财政事权和支出责任划分改革实施方案")
    finally:
        ui.context.close()
    assert ui.errors == [] and ui.outside == []
