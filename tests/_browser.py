"""What the browser and live-server tests share: Debian's Chromium, its flags, a free local port, asking in
the chat page."""
from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying hosts this closed network refuses.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def playwright(module_level: bool = False) -> Any:
    """Playwright's sync API; under CI=true a missing package or browser fails, elsewhere it skips."""
    reason = None
    try:
        from playwright import sync_api
    except ImportError:
        reason = "the playwright package is not installed (pip install -e '.[test]')"
    if reason is None and not Path(CHROMIUM).exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason, allow_module_level=module_level)
    return sync_api


def send(page: Any, question: str) -> Any:
    """Ask in the chat page; the answer's card once it is shown."""
    before = page.locator(".card").count()
    page.fill("#input", question)
    page.click("#send")
    card = page.locator(".card").nth(before)
    card.wait_for(timeout=20000)
    return card
