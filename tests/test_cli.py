"""The command line, as a person and a script use it (subprocesses: a cold process each)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from assistant.service.inputs import MESSAGES

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=120)


def test_ask_prints_the_answer_with_its_basis():
    out = run("ask", "钦南区开展专利导航，谁出钱？")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("钦南区")
    assert "依据：" in out.stdout and "二（三）第3段" in out.stdout
    assert out.stderr == ""  # jieba loads quietly


def test_ask_json_is_the_contract():
    out = run("ask", "--json", "作品登记谁出钱？")
    result = json.loads(out.stdout)
    assert result["status"] == "answered"
    assert {f["payer"] for f in result["findings"]} == {"市", "县区"}
    citation = result["citations"][result["findings"][0]["citation"]]
    assert citation["doc_number"] == "钦政办〔2025〕15号"
    assert citation["path"] == ["二、主要内容", "（二）知识产权授权确权"] and citation["paragraph"] == 1


def test_json_lines_from_stdin_form_one_conversation_with_session(tmp_path):
    questions = "市里的作品登记谁出钱？\n那县区的呢？\n今天天气怎么样？\n"
    out = run("ask", "--json", "--session", "t1", stdin=questions, env={"ASSISTANT_CACHE": str(tmp_path)})
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["status"] for r in lines] == ["answered", "answered", "out_of_scope"]
    assert {f["payer"] for f in lines[0]["findings"]} == {"市"}
    assert {f["payer"] for f in lines[1]["findings"]} == {"县区"}


def test_json_batch_gives_every_input_line_one_output_line(tmp_path):
    """Output line N answers input line N: a blank line gets an error object, not a skipped line,
    and leaves the conversation as it was (the follow-up after it is still read in context)."""
    questions = "市里的作品登记谁出钱？\n\n   \r\n那县区的呢？\n今天天气怎么样？"   # the last line has no newline
    out = run("ask", "--json", "--session", "t3", stdin=questions, env={"ASSISTANT_CACHE": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["status"] for r in lines] == ["answered", "error", "error", "answered", "out_of_scope"]
    assert lines[1]["answer"] == lines[2]["answer"] == MESSAGES["empty"]
    assert lines[1]["findings"] == lines[1]["citations"] == lines[1]["suggestions"] == []
    assert {f["payer"] for f in lines[3]["findings"]} == {"县区"}


def test_empty_question_exits_non_zero_with_the_api_message(tmp_path):
    from fastapi.testclient import TestClient

    from _web_fakes import FakeEngine
    from assistant.service.api import create_app
    from assistant.config import Settings

    with TestClient(create_app(Settings(cache_dir=tmp_path), engine=FakeEngine())) as client:
        refused = client.post("/api/ask", json={"question": ""})
    assert refused.status_code == 422
    message = refused.json()["error"]["message"]

    out = run("ask", "")
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.strip() == message
    as_json = run("ask", "--json", "")
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout) == {"status": "error", "answer": message, "findings": [], "citations": [],
                                          "suggestions": [], "options": []}
    explained = run("ask", "--explain", "  ")
    assert explained.returncode == 1 and explained.stdout == ""
    assert explained.stderr.strip() == message


def test_session_carries_across_processes(tmp_path):
    env = {"ASSISTANT_CACHE": str(tmp_path)}
    first = json.loads(run("ask", "--json", "--session", "desk-7", "知识产权质押融资谁出钱？", env=env).stdout)
    second = json.loads(run("ask", "--json", "--session", "desk-7", "换成钦南区呢？", env=env).stdout)
    assert len(first["findings"]) == 2
    assert [f["payer"] for f in second["findings"]] == ["县区"]
    assert "钦南区" in second["answer"]
    alone = json.loads(run("ask", "--json", "换成钦南区呢？", env=env).stdout)
    assert alone["status"] == "clarify"


def test_stdin_without_json_is_refused():
    out = run("ask", stdin="专利导航谁出钱？\n")
    assert out.returncode == 2 and "--json" in out.stderr


def test_did_you_mean_options_are_numbered_and_picked_by_number(tmp_path):
    """Where options cannot be tapped (a terminal, a WeChat reply), they are numbered lines, and the
    next message "1" asks about the first one."""
    out = run("ask", "--json", "--session", "t2", stdin="商标品牌工作站建设谁出钱\n1\n",
              env={"ASSISTANT_CACHE": str(tmp_path)})
    first, second = [json.loads(line) for line in out.stdout.splitlines()]
    assert first["status"] == "not_listed" and first["findings"] == []
    assert first["options"] == [{"label": "商标品牌指导站建设", "question": "商标品牌指导站建设由谁承担支出责任？"}]
    assert "1. 商标品牌指导站建设" in first["answer"]
    assert second["status"] == "answered" and {f["matter"] for f in second["findings"]} == {"商标品牌指导站建设"}


def test_explain_prints_the_decision():
    out = run("ask", "--explain", "作品登记是不是市里全包了")
    trace = json.loads(out.stdout)
    claim = trace["plans"][0]["levels"][0]
    assert claim["role"] == "claim" and claim.get("exclusive") is True
    assert trace["decision"]["verdicts"][0]["yes_no"] == "no" and trace["answer"]["answer"].startswith("不是。")
