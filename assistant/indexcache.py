"""A prebuilt index of the whole corpus, kept in the cache folder: compile once, load one file.

The cache key covers everything the index is built from: the corpus and rules files, the
vocabulary data and the assistant's own code. Any change gives a new key, so a stale index is
never read; it is a local cache the assistant wrote itself, never shipped or downloaded.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from collections.abc import Sequence
from pathlib import Path

from assistant.config import PACKAGE_DATA, Settings

_CODE = Path(__file__).resolve().parent
FORMAT = 2


def _fingerprint(settings: Settings) -> str:
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    folders = [(settings.corpus_dir, "*.txt"), (settings.rules_dir, "*.yaml"), (PACKAGE_DATA, "*"), (_CODE, "*.py")]
    for folder, pattern in folders:
        for path in sorted(folder.glob(pattern)) if folder.exists() else []:
            if path.is_file():
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def index_cache_path(settings: Settings) -> Path:
    """A folder: catalog.pkl (the catalog and jieba's table) and one pickle per plan."""
    return settings.cache_dir / "index" / f"index-{_fingerprint(settings)}"


class LazyIndexes(Sequence):
    """The plans' indexes, each read from its own pickle the first time a question needs it."""

    def __init__(self, folder: Path | None, count: int, loaded: list | None = None) -> None:
        self.folder = folder
        self._items = list(loaded) if loaded is not None else [None] * count

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        item = self._items[i]
        if item is None:
            with open(self.folder / f"plan-{i}.pkl", "rb") as fh:
                item = self._items[i] = pickle.load(fh)
        return item


def read_index_cache(folder: Path):
    """(catalog, jieba state, lazy indexes), or None when there is no usable cache."""
    try:
        with open(folder / "catalog.pkl", "rb") as fh:
            catalog, state = pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
        return None
    return catalog, state, LazyIndexes(folder, catalog.size)


def write_index_cache(folder: Path, indexes: list, catalog, tokenizer) -> None:
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = folder.with_name(folder.name + f".{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        for i, ix in enumerate(indexes):
            with open(tmp / f"plan-{i}.pkl", "wb") as fh:
                pickle.dump(ix, fh, protocol=pickle.HIGHEST_PROTOCOL)
        with open(tmp / "catalog.pkl", "wb") as fh:   # written last: its presence means complete
            pickle.dump((catalog, tokenizer.state), fh, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            os.replace(tmp, folder)
        except OSError:   # another process finished the same index first: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
            return
        # One index per cache folder: drop those of other fingerprints (never a process's .tmp).
        for old in folder.parent.glob("index-*"):
            if old.name != folder.name and ".tmp" not in old.name:
                shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache folder only costs start-up time
