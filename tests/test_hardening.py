"""Issue 15: inputs that crashed or flooded the assistant, each through the door it came in by.

The fuzz suites (tests/test_fuzz.py, tests/test_openapi_fuzz.py) look for new ones; these pin the ones found.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _helpdesk_fakes import FakeEngine
from assistant.service.api import MAX_QUESTION_CHARS, create_app
from assistant.config import Settings
from assistant.document.parse import verbatim_view

ROOT = Path(__file__).resolve().parent.parent
CRASHED = "依据文件文号是省里吗"     # a fact question about the basis documents that states a value
STATUSES = {"answered", "not_listed", "out_of_scope", "clarify", "error"}


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, capture_output=True,
                          cwd=ROOT, env=os.environ.copy(), timeout=120)


def json_lines(out: bytes) -> list[dict]:
    return [json.loads(line) for line in out.decode("utf-8").splitlines()]


# --------------------------------------------------------------------------- 1. the engine never raises

@pytest.mark.parametrize("question", [CRASHED, "依据文件是国务院的吗", "上级文件的文号是国办发吗", "依据的文件是省里发的吗"])
def test_fact_questions_about_the_basis_documents_are_answered(engine, question: str) -> None:
    result, _ = engine.ask(question)
    assert result["status"] == "answered", result
    assert "国办发" in result["answer"]
    sources = {ix.doc_id: verbatim_view(ix.doc.source) for ix in engine.indexes}
    assert all(c["quote"] in sources[c["doc_id"]] for c in result["citations"])


def test_an_internal_failure_becomes_a_polite_error_reply(engine, monkeypatch, caplog) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("resolver bug")
    monkeypatch.setattr("assistant.engine.resolve", broken)
    context = {"doc_id": "qinzhou-ip-fiscal-plan-2025"}
    with caplog.at_level(logging.ERROR, logger="assistant.engine"):
        result, new_context = engine.ask("专利导航谁出钱？", context)
    assert result["status"] == "error"
    assert "内部错误" in result["answer"] and "resolver bug" not in result["answer"]
    assert result["findings"] == [] and result["citations"] == []
    assert new_context == context                          # the conversation goes on where it was
    assert any(r.exc_info and "resolver bug" in str(r.exc_info[1]) for r in caplog.records)


def test_api_answers_the_question_that_crashed_it(engine, tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(cache_dir=tmp_path), engine=engine), raise_server_exceptions=False)
    r = client.post("/api/ask", json={"question": CRASHED})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "answered"


def test_cli_batch_answers_every_line() -> None:
    out = cli("ask", "--json", stdin=f"{CRASHED}\n作品登记谁出钱？\n".encode())
    assert out.returncode == 0, out.stderr.decode()
    assert [r["status"] for r in json_lines(out.stdout)] == ["answered", "answered"]


# --------------------------------------------------------------------------- 3. invalid UTF-8 and lone surrogates

def test_cli_answers_each_line_when_one_is_not_utf8() -> None:
    out = cli("ask", "--json", stdin=b"\xff\xfe\xe4\xb8\x93\xe5\x88\xa9\xe5\xaf\xbc\xe8\x88\xaa\xe8\xb0\x81\xe5\x87\xba"
                                     b"\xe9\x92\xb1\n" + "作品登记谁出钱？\n".encode())
    assert out.returncode == 0, out.stderr.decode()
    first, second = json_lines(out.stdout)
    assert first["status"] == "error" and "UTF-8" in first["answer"]
    assert second["status"] == "answered"


@pytest.mark.parametrize("question", ["\ud800专利导航谁出钱", "专利导航\udcff谁出钱？", "\udfff"])
def test_engine_refuses_lone_surrogates_with_a_clear_message(engine, question: str) -> None:
    result, context = engine.ask(question, {"doc_id": "x"})
    assert result["status"] == "error" and "UTF-8" in result["answer"]
    assert context == {"doc_id": "x"}


def test_api_refuses_a_lone_surrogate_escape(tmp_path: Path) -> None:
    engine = FakeEngine()
    client = TestClient(create_app(Settings(cache_dir=tmp_path), engine=engine))
    r = client.post("/api/ask", content=b'{"question": "\\ud800\\u4e13\\u5229"}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 422 and engine.calls == []


# --------------------------------------------------------------------------- 7. a length cap in the CLI

def test_cli_refuses_an_over_long_question_with_a_chinese_message() -> None:
    out = cli("ask", "问" * (MAX_QUESTION_CHARS + 1))
    assert out.returncode == 1 and out.stdout == b""
    message = out.stderr.decode()
    assert "问题过长" in message and str(MAX_QUESTION_CHARS) in message and str(MAX_QUESTION_CHARS + 1) in message


def test_cli_batch_refuses_an_over_long_line_and_goes_on() -> None:
    out = cli("ask", "--json", stdin=("专利" * 40_000 + "\n作品登记谁出钱？\n").encode())
    assert out.returncode == 0, out.stderr.decode()
    first, second = json_lines(out.stdout)
    assert first["status"] == "error" and "80000" in first["answer"]
    assert second["status"] == "answered"
