"""A prebuilt index of the whole corpus, kept in the cache folder: compile once, load one file.

The cache key covers everything the index is built from: the corpus and rules files, the
vocabulary data and the assistant's own code. Any change gives a new key, so a stale index is
never read; it is a local cache the assistant wrote itself, never shipped or downloaded.

Several processes may share one cache folder (a server running while someone ingests, two data
folders with one $ASSISTANT_CACHE). A process that read an index's catalog reads its plans later,
so an index must not vanish under it:
- an index folder is written under a temporary name and renamed into place, so it is complete
  or absent;
- a reader holds a shared lock (flock) on the catalog file for as long as its LazyIndexes lives;
- a writer drops the indexes of other fingerprints only when it gets an exclusive lock on their
  catalog, i.e. when no live process reads them; an index in use stays until its readers exit.
Locks rather than an age or count rule: a server may go days between loading its catalog and
first needing some plan, and no age or count is safe for it; a lock is released by the kernel
when its process dies, so a crashed reader never pins an index. Where there are no locks
(Windows, a file system without flock) nothing is deleted.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from collections.abc import Sequence
from pathlib import Path

try:
    import fcntl
except ImportError:   # Windows: no advisory locks, so indexes are never deleted
    fcntl = None

from assistant.config import PACKAGE_DATA, Settings

_CODE = Path(__file__).resolve().parent
FORMAT = 2


def _fingerprint(settings: Settings) -> str:
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    folders = [(settings.corpus_dir, "*.txt"), (settings.rules_dir, "*.yaml"), (PACKAGE_DATA, "*"), (_CODE, "**/*.py")]
    for folder, pattern in folders:
        for path in sorted(folder.glob(pattern)) if folder.exists() else []:
            if path.is_file():
                digest.update(path.relative_to(folder).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def index_cache_path(settings: Settings) -> Path:
    """A folder: catalog.pkl (the catalog and jieba's table) and one pickle per plan."""
    return settings.cache_dir / "index" / f"index-{_fingerprint(settings)}"


def _lock(fh, exclusive: bool) -> bool | None:
    """Try to lock an open file without waiting: True locked, False held by another process in the
    conflicting mode, None when this system or file system has no locks."""
    if fcntl is None:
        return None
    try:
        fcntl.flock(fh.fileno(), (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:   # ENOLCK, EOPNOTSUPP…: writers cannot lock either, so they delete nothing
        return None
    return True


class LazyIndexes(Sequence):
    """The plans' indexes, each read from its own pickle the first time a question needs it.

    `lock` is the open catalog file, share-locked: while it is open no writer deletes the folder.
    """

    def __init__(self, folder: Path | None, count: int, loaded: list | None = None, lock=None) -> None:
        self.folder = folder
        self._items = list(loaded) if loaded is not None else [None] * count
        self._lock = lock

    def close(self) -> None:
        """Release the folder (also done when this object is garbage-collected)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

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
        fh = open(folder / "catalog.pkl", "rb")
    except OSError:
        return None
    try:
        # Locked, then still linked: a writer deleting this folder holds the exclusive lock from
        # before it renames the folder away until after it has removed it.
        if _lock(fh, exclusive=False) is False or os.fstat(fh.fileno()).st_nlink == 0:
            fh.close()
            return None
        catalog, state = pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
        fh.close()
        return None
    return catalog, state, LazyIndexes(folder, catalog.size, lock=fh)


def _drop_unused(parent: Path, keep: str) -> None:
    """Delete the indexes in `parent` other than `keep` that no live process reads."""
    for old in parent.glob("index-*"):
        if old.name == keep or ".tmp" in old.name:   # never a writer's unfinished folder
            continue
        if not old.is_dir():   # a single-file index of an older format: read whole, safe to unlink
            old.unlink(missing_ok=True)
            continue
        try:
            fh = open(old / "catalog.pkl", "rb")
        except OSError:
            continue
        with fh:
            if not _lock(fh, exclusive=True):   # read by a live process, or no locks: keep it
                continue
            trash = parent / f".trash-{old.name}-{os.getpid()}"
            try:
                os.rename(old, trash)   # gone from its name at once; then removed at leisure
            except OSError:
                continue
            shutil.rmtree(trash, ignore_errors=True)


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
        _drop_unused(folder.parent, folder.name)
    except OSError:
        pass  # a read-only cache folder only costs start-up time
