"""Issue 15: the request-size limit counts the bytes that arrive, over a real socket (chunked bodies
carry no Content-Length, and a test client would buffer them)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from _helpdesk_fakes import FakeEngine
from _live import live_server, raw_request
from assistant.service.api import MAX_BODY_BYTES, create_app
from assistant.config import Settings


def _flood(total: int, piece: int = 8192):
    # A JSON body that would parse if the server read it all: {"question": "长长…"}
    yield b'{"question": "'
    sent = 0
    while sent < total:
        yield "长".encode() * (piece // 3)
        sent += piece
    yield b'"}'


@pytest.mark.parametrize("path", ["/api/ask", "/api/feedback"])
def test_chunked_body_over_the_limit_gets_413_and_the_connection_closes(tmp_path: Path, path: str) -> None:
    engine = FakeEngine()
    with live_server(create_app(Settings(cache_dir=tmp_path), engine=engine)) as port:
        status, headers, body, closed = raw_request(
            port, "POST", path, headers={"Content-Type": "application/json"}, chunks=_flood(5 * MAX_BODY_BYTES))
        assert status == 413, body
        assert json.loads(body)["error"]["code"] == "too_large"
        assert closed and headers.get("connection") == "close"
        assert engine.calls == []
        # The server is fine afterwards, and a small chunked body is still welcome.
        status, _, body, _ = raw_request(port, "POST", "/api/ask", headers={"Content-Type": "application/json"},
                                         chunks=[b'{"question": "', "专利导航谁出钱？".encode(), b'"}'])
        assert status == 200 and json.loads(body)["status"] == "answered"


def test_declared_oversized_body_is_refused_without_reading_it(tmp_path: Path) -> None:
    with live_server(create_app(Settings(cache_dir=tmp_path), engine=FakeEngine())) as port:
        status, _, body, closed = raw_request(port, "POST", "/api/feedback",
                                              headers={"Content-Type": "application/json",
                                                       "Content-Length": str(300 * 1024 * 1024)})
        assert status == 413 and closed
