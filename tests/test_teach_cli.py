"""`assistant teach …` as an admin uses it (a cold process each), on the data folder of ASSISTANT_DATA: add,
list, undo, refusals with a non-zero exit, the confirmation when cases change, and export → import into a
fresh data folder reproducing the answers, with `assistant eval` passing on the exported cases."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ASKED = "县里搞软件合规检查的钱谁出？"


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("teach-cli-cache")      # one index for every data folder (same plans)


def data_folder(root: Path, cases: list[dict] | None = None) -> Path:
    """A data folder with the seed plan, and a case file of its own (the cases teachings are checked against)."""
    root.mkdir(parents=True)
    shutil.copytree(ROOT / "corpus", root / "corpus")
    shutil.copytree(ROOT / "rules", root / "rules")
    (root / "cases").mkdir()
    (root / "cases" / "mine.yaml").write_text(yaml.safe_dump(cases or [], allow_unicode=True), encoding="utf-8")
    return root


def run(data: Path, cache: Path, *args: str) -> subprocess.CompletedProcess:
    return run_in(data, cache, *args)


def run_in(data: Path, cache: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA=str(data), ASSISTANT_CACHE=str(cache))
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=180, input=stdin)


def ask(data: Path, cache: Path, question: str) -> dict:
    out = run(data, cache, "ask", "--json", question)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def ask_all(data: Path, cache: Path, questions: list[str]) -> list[dict]:
    """One process, one line each (one conversation: the same in every folder compared)."""
    out = run_in(data, cache, "ask", "--json", stdin="\n".join(questions) + "\n")
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_add_list_ask_undo_and_refusals(tmp_path: Path, cache: Path) -> None:
    data = data_folder(tmp_path / "data")
    assert ask(data, cache, ASKED)["status"] == "not_listed"

    out = run(data, cache, "teach", "add", ASKED, "软件正版化工作组织推进", "--who", "李四")
    assert out.returncode == 0, out.stderr
    assert "已保存教学" in out.stdout and "“软件合规检查”" in out.stdout and "现在：县里的软件正版化" in out.stdout
    listed = json.loads(run(data, cache, "teach", "list", "--json").stdout)
    assert [(t["kind"], t["matter_id"], t["who"], t["status"]) for t in listed] == [("link", "m26", "李四", "active")]
    assert (data / "assistant-state.db").exists()           # in the data folder (ASSISTANT_DATA)
    result = ask(data, cache, "软件合规检查是不是市里出")
    assert result["answer"].startswith("是。") and [f["payer"] for f in result["findings"]] == ["市"]

    refused = [(("m99",), "没有事项"), (("m24", "--level", "县区"), "只有：市级"),
               (("m26", "--doc", "no-such-plan"), "未载入方案")]
    for extra, words in refused:
        out = run(data, cache, "teach", "add", "县里的侵权纠纷裁决谁出钱", *extra)
        assert out.returncode == 1 and words in out.stderr, (extra, out.stderr)
    assert len(json.loads(run(data, cache, "teach", "list", "--json").stdout)) == 1

    out = run(data, cache, "teach", "undo", listed[0]["id"])
    assert out.returncode == 0 and "已撤销" in out.stdout
    assert ask(data, cache, ASKED)["status"] == "not_listed"
    assert run(data, cache, "teach", "undo", listed[0]["id"]).returncode == 1
    assert "（没有教学）" in run(data, cache, "teach", "list").stdout
    assert listed[0]["id"] in run(data, cache, "teach", "list", "--status", "undone").stdout


def test_a_change_to_the_data_folders_cases_needs_yes(tmp_path: Path, cache: Path) -> None:
    case = {"id": "mine-1", "question": "机关单位采购正版软件的钱方案里怎么分",
            "expect": {"status": "not_listed", "payers": []}}
    data = data_folder(tmp_path / "data", [case])
    out = run(data, cache, "teach", "add", "县里采购正版软件谁出钱", "m26")
    assert out.returncode == 3 and "mine:mine-1" in out.stderr and "--yes" in out.stderr
    assert json.loads(run(data, cache, "teach", "list", "--json").stdout) == []
    out = run(data, cache, "teach", "add", "县里采购正版软件谁出钱", "m26", "--yes")
    assert out.returncode == 0 and "1 个回答改变" in out.stdout


def test_export_then_import_into_a_fresh_folder_reproduces_the_answers(tmp_path: Path, cache: Path) -> None:
    first = data_folder(tmp_path / "first")
    taught = [("add", ASKED, "m26"), ("add", "专利地图是不是市里出", "专利导航"), ("not-listed", "县里的商标工作站谁出钱"),
              ("synonym", "打官司帮扶", "维权援助", "县里的打官司帮扶谁出钱")]
    for args in taught:
        out = run(first, cache, "teach", *args)
        assert out.returncode == 0, out.stderr
    exported = tmp_path / "teachings.yaml"
    out = run(first, cache, "teach", "export", str(exported))
    assert out.returncode == 0 and "已导出 4 条" in out.stdout
    entries = yaml.safe_load(exported.read_text(encoding="utf-8"))
    questions = [e["question"] for e in entries]
    answers = ask_all(first, cache, questions)

    fresh = data_folder(tmp_path / "fresh")
    before = json.loads(run(fresh, cache, "eval", "--json", "--no-baseline", str(exported)).stdout)
    assert before["correct"] < len(entries)                   # the cases need the teachings
    out = run(fresh, cache, "teach", "import", str(exported))
    assert out.returncode == 0 and "已导入 4 条" in out.stdout, out.stderr
    assert ask_all(fresh, cache, questions) == answers
    assert [a["status"] for a in answers] == ["answered", "answered", "not_listed", "answered"]
    out = run(fresh, cache, "eval", "--json", "--no-baseline", str(exported))
    report = json.loads(out.stdout)
    assert out.returncode == 0 and report["correct"] == report["cases"] == 4, report["failures"]
    assert "已导入 0 条" in run(fresh, cache, "teach", "import", str(exported)).stdout
