"""Conversation stores: the engine is pure (context in, context out); these keep contexts by id."""
from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Protocol


class SessionStore(Protocol):
    def get(self, session_id: str) -> dict | None: ...
    def put(self, session_id: str, context: dict) -> None: ...


class MemoryStore:
    """Bounded in size (LRU) and age (TTL); safe across threads."""

    def __init__(self, max_sessions: int = 10_000, ttl_seconds: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_sessions = max_sessions
        self.ttl = ttl_seconds
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str) -> dict | None:
        with self._lock:
            item = self._items.get(session_id)
            if item is None:
                return None
            stamp, context = item
            if self._clock() - stamp > self.ttl:
                del self._items[session_id]
                return None
            self._items.move_to_end(session_id)
            return context

    def put(self, session_id: str, context: dict) -> None:
        with self._lock:
            self._items[session_id] = (self._clock(), context)
            self._items.move_to_end(session_id)
            while len(self._items) > self.max_sessions:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


_SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]")


class FileStore:
    """One JSON file per session, for the CLI's `--session ID` across processes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, session_id: str) -> Path:
        return self.directory / (_SAFE_ID.sub("_", session_id)[:100] + ".json")

    def get(self, session_id: str) -> dict | None:
        try:
            return json.loads(self._path(session_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, session_id: str, context: dict) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(session_id)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(context, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
