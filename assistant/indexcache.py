"""A prebuilt index of the whole corpus, kept in the cache folder: compile once, load one file.

The cache key covers everything the index is built from: the corpus and rules files, the
vocabulary data and the assistant's own code. Any change gives a new key, so a stale index is
never read; it is a local cache the assistant wrote itself, never shipped or downloaded.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from assistant.config import PACKAGE_DATA, Settings

_CODE = Path(__file__).resolve().parent
FORMAT = 1


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
    return settings.cache_dir / "index" / f"index-{_fingerprint(settings)}.pkl"


def read_index_cache(path: Path):
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError):
        return None


def write_index_cache(path: Path, indexes: list, tokenizer) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("index-*.pkl"):   # one index per cache folder
            if old != path:
                old.unlink(missing_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump((indexes, tokenizer.state), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache folder only costs start-up time
