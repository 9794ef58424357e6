"""The prebuilt index cache: where it lives, and that no process deletes an index another reads."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import assistant.config as config
import assistant.indexcache as indexcache
from assistant.cli import main
from assistant.config import load_settings
from assistant.engine import Assistant
from assistant.indexcache import LazyIndexes, index_cache_path, read_index_cache, write_index_cache

ROOT = Path(__file__).resolve().parent.parent
fcntl = pytest.importorskip("fcntl")   # readers and writers of the cache coordinate with flock (POSIX)


def _write(folder: Path, plans: list) -> None:
    """An index of plain picklable stand-ins: the cache only pickles what it is given."""
    write_index_cache(folder, plans, SimpleNamespace(size=len(plans)), SimpleNamespace(state={"n": len(plans)}))


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


# --------------------------------------------------------------------------- no index deleted under a reader

def test_a_reader_loads_its_plans_after_another_index_is_written(tmp_path: Path) -> None:
    cache = tmp_path / "index"
    a, b, c = cache / "index-a", cache / "index-b", cache / "index-c"
    _write(a, [{"plan": "a0"}, {"plan": "a1"}])
    catalog, state, lazy = read_index_cache(a)            # process A: the catalog only
    assert catalog.size == 2 and state == {"n": 2}
    _write(b, [{"plan": "b0"}])                           # another corpus, same cache folder
    assert list(lazy) == [{"plan": "a0"}, {"plan": "a1"}]  # A's plans, read lazily, still there
    lazy.close()                                          # A has gone: its index may now be dropped
    _write(c, [{"plan": "c0"}])
    assert sorted(p.name for p in cache.iterdir()) == ["index-c"]


def test_a_reader_in_another_process_keeps_its_index(tmp_path: Path) -> None:
    cache = tmp_path / "index"
    a = cache / "index-a"
    _write(a, [{"plan": "a0"}, {"plan": "a1"}, {"plan": "a2"}])
    reader = ("import json, sys\nfrom pathlib import Path\nfrom assistant.indexcache import read_index_cache\n"
              "catalog, state, lazy = read_index_cache(Path(sys.argv[1]))\n"
              "print('ready', flush=True)\nsys.stdin.readline()\nprint(json.dumps(list(lazy)), flush=True)\n")
    proc = subprocess.Popen([sys.executable, "-c", reader, str(a)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        _write(cache / "index-b", [{"plan": "b0"}])       # e.g. someone ingests while a server runs
        out, err = proc.communicate("go\n", timeout=60)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 0, err
    assert json.loads(out) == [{"plan": "a0"}, {"plan": "a1"}, {"plan": "a2"}]
    _write(cache / "index-c", [{"plan": "c0"}])            # the reader has exited: a and b are dropped
    assert sorted(p.name for p in cache.iterdir()) == ["index-c"]


def test_an_index_being_deleted_is_not_read(tmp_path: Path) -> None:
    a = tmp_path / "index" / "index-a"
    _write(a, [{"plan": "a0"}])
    with open(a / "catalog.pkl", "rb") as deleter:         # a writer dropping this index holds it exclusively
        fcntl.flock(deleter.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert read_index_cache(a) is None                 # → the reader builds its index itself
    built = read_index_cache(a)
    assert built is not None and list(built[2]) == [{"plan": "a0"}]


def test_a_running_engine_keeps_answering_while_another_data_folder_is_indexed(tmp_path: Path, monkeypatch) -> None:
    # Keys from the corpus only: code and vocabulary edited in this checkout meanwhile must not change them.
    monkeypatch.setattr(indexcache, "_CODE", tmp_path / "no-code")
    monkeypatch.setattr(indexcache, "PACKAGE_DATA", tmp_path / "no-data")
    shared = str(tmp_path / "shared-cache")                # one $ASSISTANT_CACHE for two data folders
    sx = load_settings(env={"ASSISTANT_DATA": str(_data_folder(tmp_path / "x")), "ASSISTANT_CACHE": shared})
    sy = load_settings(env={"ASSISTANT_DATA": str(_data_folder(tmp_path / "y", "\n")), "ASSISTANT_CACHE": shared})
    assert index_cache_path(sx) != index_cache_path(sy)
    Assistant.load(settings=sx)                            # compiles x and writes its index
    server = Assistant.load(settings=sx)                   # reads x's catalog; plans when first asked
    assert isinstance(server.indexes, LazyIndexes)
    Assistant.load(settings=sy)                            # compiles y into the same cache folder
    result, _ = server.ask("作品登记谁出钱？")
    assert result["status"] == "answered" and {f["payer"] for f in result["findings"]} == {"市", "县区"}
    assert server.indexes.folder.is_dir() and len(list(server.indexes.folder.parent.glob("index-*"))) == 2

