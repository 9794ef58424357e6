"""What the pages get over HTTP beyond the API (issue 14): gzip for text, HEAD on every page, and
embed.js carrying the allowed embedding origins (the browser tests show what the script does with them)."""
from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from _web_fakes import DOC_ID, FakeEngine
from assistant.service.api import create_app
from assistant.config import Settings

TOKEN = "pages-http-admin-token"
PAGES = ["/", "/embed", "/embed.js", f"/doc/{DOC_ID}", "/admin", "/docs", "/static/chat.js", "/static/chat.css"]
GZIP_FROM = 1024     # bytes: assistant.service.api adds GZipMiddleware with this minimum_size


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(Settings(cache_dir=tmp_path, admin_token=TOKEN), engine=FakeEngine()))


def raw_get(client: TestClient, path: str, **headers: str) -> httpx.Response:
    """GET without decoding the body (httpx would gunzip it), to see what goes over the wire."""
    with client.stream("GET", path, headers=headers) as r:
        r.raw = b"".join(r.iter_raw())
    return r


@pytest.mark.parametrize("path", [*PAGES, f"/api/documents/{DOC_ID}"])
def test_text_responses_are_gzipped_for_clients_that_take_it(client: TestClient, path: str) -> None:
    plain = raw_get(client, path, **{"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    packed = raw_get(client, path, **{"Accept-Encoding": "gzip"})
    assert packed.headers["content-type"] == plain.headers["content-type"]
    assert packed.headers["content-security-policy"] == plain.headers["content-security-policy"]
    if len(plain.raw) < GZIP_FROM:       # compressing a few hundred bytes costs more than it saves
        assert "content-encoding" not in packed.headers and packed.raw == plain.raw
        return
    assert packed.headers["content-encoding"] == "gzip" and "Accept-Encoding" in packed.headers["vary"]
    assert gzip.decompress(packed.raw) == plain.raw
    assert len(packed.raw) < len(plain.raw)


def test_answers_are_gzipped_and_small_bodies_are_not(client: TestClient) -> None:
    question = "<b>" + "专利导航" * 100      # the double echoes a question with markup: a long answer
    with client.stream("POST", "/api/ask", json={"question": question}, headers={"Accept-Encoding": "gzip"}) as r:
        raw = b"".join(r.iter_raw())
    assert r.headers["content-encoding"] == "gzip"
    assert question in json.loads(gzip.decompress(raw))["answer"]
    small = raw_get(client, "/api/health", **{"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers and json.loads(small.raw)["status"] == "ok"


@pytest.mark.parametrize("path", PAGES)
def test_head_on_pages(client: TestClient, path: str) -> None:
    got = client.get(path, headers={"Accept-Encoding": "identity"})
    head = client.head(path, headers={"Accept-Encoding": "identity"})
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == got.headers["content-length"] == str(len(got.content))


def test_head_on_a_missing_document_page_is_404(client: TestClient) -> None:
    assert client.head("/doc/no-such-plan").status_code == 404


def test_the_api_keeps_its_documented_methods(client: TestClient) -> None:
    assert client.head("/api/health").status_code == 405
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p, ops in paths.items() if "head" in ops]


def allowed_in_script(text: str) -> list[str]:
    found = re.search(r"var allowed = (.*?);", text)
    assert found, "embed.js no longer carries the allowed origins"
    return json.loads(found.group(1))


def test_embed_script_carries_the_allowed_origins(tmp_path: Path) -> None:
    closed = TestClient(create_app(Settings(cache_dir=tmp_path / "a"), engine=FakeEngine()))
    assert allowed_in_script(closed.get("/embed.js").text) == []           # unset: no other site
    portal = "https://www.qinzhou.gov.cn"
    opened = TestClient(create_app(Settings(cache_dir=tmp_path / "b", allowed_origins=[portal + "/", "bad origin"]),
                                   engine=FakeEngine()))
    script = opened.get("/embed.js").text
    assert allowed_in_script(script) == [portal]                           # the same list as frame-ancestors
    assert "ASSISTANT_ALLOWED_ORIGINS" in script
