"""The /admin page in headless Chromium: login, charts, tables, CSV export; no request leaves the host."""
from __future__ import annotations

import csv
import io
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from _helpdesk_fakes import FakeEngine
from _browser import ARGS, CHROMIUM, free_port, playwright
from assistant.service.api import create_app
from assistant.config import PROJECT_ROOT, Settings

TOKEN = "admin-browser-token-7f3a"
SHOTS = PROJECT_ROOT / "artifacts" / "screenshots"

sync_api = playwright(module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    state = tmp_path_factory.mktemp("admin-browser")
    settings = Settings(cache_dir=state, admin_token=TOKEN, contact="市财政局 0777-1234567", wechat_token="wx")
    app = create_app(settings, engine=FakeEngine())
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    # Some traffic: answered, unanswered (twice the same), and one disliked answer with a comment.
    with httpx.Client(base_url=base, timeout=5) as c:
        asked = [c.post("/api/ask", json={"question": q}).json()
                 for q in ("知识产权质押融资谁出钱？", "商标代理谁管？", "商标代理谁管？", "今天天气怎么样", "谁出钱？")]
        assert c.post("/api/feedback", json={"answer_id": asked[0]["answer_id"], "rating": "down",
                                             "comment": "没有说明县区的情况"}).status_code == 200
        assert c.post("/api/feedback", json={"answer_id": asked[3]["answer_id"], "rating": "up"}).status_code == 200
    deadline = time.time() + 5
    while app.state.qlog.count() < 5 and time.time() < deadline:
        time.sleep(0.02)
    yield base, app
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    base, _ = server
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    outside: list[str] = []
    errors: list[str] = []
    pg.on("request", lambda r: None if r.url.startswith((base, "blob:", "data:")) else outside.append(r.url))
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # The deliberate wrong-token login logs its 401 in the console; anything else is a failure.
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" and "401" not in m.text else None)
    yield pg
    context.close()
    assert outside == [], f"requests left the host: {outside}"
    assert errors == [], f"page errors: {errors}"


def test_admin_login_charts_tables_and_csv(page, server):
    base, _ = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(base + "/admin")
    assert page.title() == "服务台管理 · 政策问答助手"
    assert page.locator("#login").is_visible() and not page.locator("#dashboard").is_visible()

    # A wrong token is refused by the API and the page says so.
    page.fill("#token", "not-the-token")
    page.click("#login-btn")
    page.wait_for_selector("#login-error:not([hidden])")
    assert "令牌无效" in page.inner_text("#login-error")
    assert not page.locator("#dashboard").is_visible()
    page.screenshot(path=str(SHOTS / "admin-login-refused.png"))

    page.fill("#token", TOKEN)
    page.click("#login-btn")
    page.wait_for_selector("#dashboard:not([hidden])")
    page.wait_for_function("document.getElementById('c-questions').textContent === '5'")
    assert page.inner_text("#c-unanswered") == "4"
    assert page.inner_text("#c-up") == "1" and page.inner_text("#c-down") == "1"
    assert page.inner_text("#c-rate") == "20.0%"

    # Charts are drawn by the locally served Chart.js.
    assert page.evaluate("typeof Chart") == "function"
    for canvas in ("chart-days", "chart-status", "chart-channels"):
        assert page.evaluate(f"!!Chart.getChart(document.getElementById('{canvas}'))")
        assert page.evaluate(f"document.getElementById('{canvas}').width") > 100
    assert page.evaluate("Chart.getChart(document.getElementById('chart-status')).data.datasets[0].data") == [1, 2, 1, 1]

    not_listed = page.locator("#top-not_listed tbody tr").first.inner_text()
    assert "商标代理谁管？" in not_listed and "2" in not_listed
    assert "今天天气怎么样" in page.inner_text("#top-out_of_scope")
    assert "谁出钱？" in page.inner_text("#top-clarify")
    disliked = page.inner_text("#disliked tbody")
    assert "知识产权质押融资谁出钱？" in disliked and "没有说明县区的情况" in disliked
    assert "钦政办〔2025〕15号" in disliked
    page.screenshot(path=str(SHOTS / "admin-dashboard.png"), full_page=True)

    # CSV export through the page (the token goes in a header, so the page fetches and saves a blob).
    with page.expect_download() as info:
        page.click("#export")
    download = info.value
    assert download.suggested_filename.startswith("questions-") and download.suggested_filename.endswith(".csv")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert sorted(r["question"] for r in rows) == sorted(
        ["知识产权质押融资谁出钱？", "商标代理谁管？", "商标代理谁管？", "今天天气怎么样", "谁出钱？"])

    # The token lives in this tab only; logging out forgets it.
    page.reload()
    page.wait_for_selector("#dashboard:not([hidden])")
    page.click("#logout")
    assert page.locator("#login").is_visible()
    page.reload()
    assert page.locator("#login").is_visible() and not page.locator("#dashboard").is_visible()


def test_admin_page_without_token_configured_is_absent(tmp_path):
    from fastapi.testclient import TestClient

    with TestClient(create_app(Settings(cache_dir=tmp_path), engine=FakeEngine())) as c:
        assert c.get("/admin").status_code == 404
        assert c.get("/api/admin/stats", headers={"Authorization": "Bearer x"}).status_code == 404


def test_admin_fits_a_phone(browser, server):
    """At 375 px nothing is wider than the screen (the tables become a card per row), and the inputs are
    16 px or more (iOS zooms into smaller ones)."""
    base, _ = server
    context = browser.new_context(viewport={"width": 375, "height": 667}, device_scale_factor=2, locale="zh-CN")
    try:
        pg = context.new_page()
        pg.goto(base + "/admin")
        sizes = pg.eval_on_selector_all("input, select, textarea", "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert sizes and min(sizes) >= 16, sizes
        pg.fill("#token", TOKEN)
        pg.click("#login-btn")
        pg.wait_for_selector("#dashboard:not([hidden])")
        sync_api.expect(pg.locator("#disliked tbody")).to_contain_text("知识产权质押融资谁出钱？")
        width, inner = pg.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width <= inner, (width, inner)
        wide = pg.evaluate("Array.from(document.querySelectorAll('main *'))"
                           ".filter(e => e.getBoundingClientRect().right > innerWidth + 0.5).map(e => e.tagName + '#' + e.id)")
        assert wide == [], wide
        sizes = pg.eval_on_selector_all("input, select, textarea", "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert min(sizes) >= 16, sizes
        pg.screenshot(path=str(SHOTS / "admin-dashboard-phone.png"), full_page=True)
    finally:
        context.close()
