"""The prebuilt index cache: where it lives."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import assistant.config as config
from assistant.cli import main
from assistant.config import load_settings

ROOT = Path(__file__).resolve().parent.parent


def _data_folder(folder: Path, suffix: str = "") -> Path:
    """A data folder holding the project's seed plan (with `suffix` appended: another corpus)."""
    shutil.copytree(ROOT / "corpus", folder / "corpus")
    shutil.copytree(ROOT / "rules", folder / "rules")
    for txt in (folder / "corpus").glob("*.txt"):
        txt.write_text(txt.read_text(encoding="utf-8") + suffix, encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- where the cache lives

def test_cache_folder_follows_the_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert load_settings(env={"ASSISTANT_DATA": str(data)}).cache_dir == data / ".cache"
    assert load_settings(env={}, data_dir=data).cache_dir == data / ".cache"
    explicit = {"ASSISTANT_DATA": str(data), "ASSISTANT_CACHE": str(tmp_path / "c")}
    assert load_settings(env=explicit).cache_dir == tmp_path / "c"          # $ASSISTANT_CACHE wins
    assert load_settings(env={}).cache_dir == config.PROJECT_ROOT / ".cache"  # no data folder: as before


def test_ask_with_data_writes_its_cache_there_not_into_the_project(tmp_path: Path, monkeypatch, capsys) -> None:
    project = tmp_path / "project"      # stands in for the checkout, whose .cache/ must stay untouched
    monkeypatch.setattr(config, "PROJECT_ROOT", project)
    monkeypatch.delenv("ASSISTANT_CACHE", raising=False)
    monkeypatch.delenv("ASSISTANT_DATA", raising=False)
    data = _data_folder(tmp_path / "x")
    assert main(["--data", str(data), "ask", "--json", "作品登记谁出钱？"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "answered"
    assert len(list((data / ".cache" / "index").glob("index-*/catalog.pkl"))) == 1
    assert list((data / ".cache" / "jieba").glob("jieba-*.pkl"))
    assert not (project / ".cache").exists()
