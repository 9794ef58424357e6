"""Conversation stores and the state workers share.

The engine is pure (context in, context out); these keep each conversation's context and its last turns
by id. The web API and the channels use a `ConversationStore`:

- `DatabaseStore` (the default): the conversations live in `SharedState`, the database every worker and
  every host is configured with (``ASSISTANT_DB_URL``), so a follow-up works whichever worker or host
  receives it, and a restart keeps them. A turn is written before its answer is sent.
- `MemoryStore`: this process only (``ASSISTANT_SESSION_STORE=memory``, one worker; tests).
- `FileStore`: the CLI's ``--session ID``, one JSON file per session.

`SharedState` is general on purpose: a table of (namespace, key) → bytes with an optional expiry, plus a
revision per namespace that changes on every write to it. Conversations are the namespace "session";
whatever else the workers must agree on (channel users' contexts, replies to platform retries, teachings)
is another namespace. Data every question reads and that rarely changes (teachings) goes through
`NamespaceCache`: each worker keeps a copy and re-reads it when the namespace's revision moved.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, NamedTuple, Protocol

import sqlalchemy as sa

log = logging.getLogger(__name__)

SESSIONS = "session"            # namespace of the web API's conversations
CLEANUP_SECONDS = 60.0          # how often each process deletes expired state
CHECKPOINT_SECONDS = 1.0        # SQLite: how often the write-ahead log is copied into the database file
CLEANUP_CHUNK = 200             # rows deleted per transaction by the cleanup
BUSY_SECONDS = 30.0             # SQLite: how long a write may wait for another process's write to finish
STATE_FILE = "assistant-state.db"

state_metadata = sa.MetaData()

state_table = sa.Table(
    "assistant_state", state_metadata,
    sa.Column("ns", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("value", sa.LargeBinary, nullable=False),
    sa.Column("expires_at", sa.Float, index=True),        # Unix time; NULL: kept until deleted
)

revision_table = sa.Table(
    "assistant_state_revision", state_metadata,
    sa.Column("ns", sa.String(32), primary_key=True),
    sa.Column("rev", sa.BigInteger, nullable=False),
)


# --------------------------------------------------------------------------- conversations

class Conversation(NamedTuple):
    context: str                    # the engine's context as canonical JSON (the answer cache's key)
    turns: tuple[bytes, ...] = ()   # each turn's finished JSON {"question", "result"}, oldest first


class ConversationStore(Protocol):
    """What the web API and the channels use, on the event loop."""
    async def load(self, session_id: str) -> Conversation | None: ...
    async def save(self, session_id: str, conversation: Conversation) -> None: ...


def encode_conversation(conversation: Conversation) -> bytes:
    """One line of context JSON, then one line per turn: JSON written by json.dumps has no raw newline,
    so trimming and replaying turns is a split, not a parse."""
    return b"\n".join((conversation.context.encode("utf-8"), *conversation.turns))


def decode_conversation(value: bytes) -> Conversation:
    context, *turns = bytes(value).split(b"\n")
    return Conversation(context.decode("utf-8"), tuple(turns))


class MemoryStore:
    """Bounded in size (LRU) and age (TTL); safe across threads. This process only."""

    def __init__(self, max_sessions: int = 10_000, ttl_seconds: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_sessions = max_sessions
        self.ttl = ttl_seconds
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str) -> Any | None:
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

    def put(self, session_id: str, context: Any) -> None:
        with self._lock:
            self._items[session_id] = (self._clock(), context)
            self._items.move_to_end(session_id)
            while len(self._items) > self.max_sessions:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    async def load(self, session_id: str) -> Any | None:
        return self.get(session_id)

    async def save(self, session_id: str, conversation: Any) -> None:
        self.put(session_id, conversation)


class DatabaseStore:
    """Conversations in the shared database: namespace `ns` of a `SharedState`, expiring `ttl_seconds`
    after their last turn. `max_sessions` is enforced by the periodic cleanup (oldest first)."""

    def __init__(self, state: SharedState, ns: str = SESSIONS, ttl_seconds: float = 3600.0,
                 max_sessions: int | None = None) -> None:
        self.state = state
        self.ns = ns
        self.ttl = ttl_seconds
        if max_sessions:
            state.limits[ns] = max_sessions

    def get(self, session_id: str) -> Conversation | None:
        value = self.state.get(self.ns, session_id)
        return decode_conversation(value) if value is not None else None

    def put(self, session_id: str, conversation: Conversation) -> None:
        self.state.put(self.ns, session_id, encode_conversation(conversation), ttl=self.ttl)

    async def load(self, session_id: str) -> Conversation | None:
        value = await self.state.aget(self.ns, session_id)
        return decode_conversation(value) if value is not None else None

    async def save(self, session_id: str, conversation: Conversation) -> None:
        """Committed when this returns (with the other writes of the same moment: `SharedState.aput`)."""
        await self.state.aput(self.ns, session_id, encode_conversation(conversation), ttl=self.ttl)


# --------------------------------------------------------------------------- the shared state

def state_url(db_url: str | None, state_dir: Path) -> str:
    """The SQLAlchemy URL of the shared state for a configured ``ASSISTANT_DB_URL``.

    PostgreSQL: the same database as the question log (other tables). SQLite: a file of its own beside
    the log's (``assistant-state.db``): SQLite has one writer per file, and the log's group commits wait
    for the disk (``synchronous=FULL``); an answer must not wait behind them."""
    from assistant.helpdesk.log import resolve_url

    url = resolve_url(db_url, state_dir)
    if not url.startswith("sqlite"):
        return url
    path = sa.engine.make_url(url).database
    if not path or path == ":memory:":
        state_dir.mkdir(parents=True, exist_ok=True)
        return "sqlite:///" + str((state_dir / STATE_FILE).resolve())
    log_file = Path(path)
    name = STATE_FILE if log_file.name == "assistant.db" else f"{log_file.stem}-state{log_file.suffix or '.db'}"
    return "sqlite:///" + str(log_file.with_name(name))


class SharedState:
    """(namespace, key) → bytes in the configured database, with optional expiry; thread-safe.

    `aget` and `aput` are the answer path (the web API awaits them on the event loop). The writes of one
    turn of the event loop are gathered and committed in one transaction (on PostgreSQL also the reads,
    one round trip each), on a driver connection of their own (sqlite3 or psycopg) with prepared
    primary-key statements: one transaction of a few rows costs about what one row alone would, and
    SQLAlchemy's per-statement overhead would be several times the statement. `get`, `put` and `delete`
    do the same one at a time, for callers off the event loop. Everything else (schema, listing,
    cleanup) goes through SQLAlchemy. A background thread deletes expired rows every `cleanup_seconds`
    (each process does; the deletes are idempotent) and, for SQLite, checkpoints the write-ahead log
    every second, so no answer pays for it.

    SQLite runs in WAL mode with ``synchronous=NORMAL``: a committed write is in the log file, which a
    kill -9 of the process cannot take back (like the question log's journal); only losing the machine
    itself could lose the last moments' turns.
    """

    def __init__(self, url: str, *, clock: Callable[[], float] = time.time,
                 cleanup_seconds: float | None = CLEANUP_SECONDS) -> None:
        self.url = url
        self.dialect = url.split(":", 1)[0].split("+", 1)[0]
        self.limits: dict[str, int] = {}      # namespace → most rows kept (oldest expiry dropped first)
        self._clock = clock
        self._lock = threading.Lock()
        if self.dialect == "sqlite":
            self.engine = sa.create_engine(url, connect_args={"timeout": 30})
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            mark = "?"
        elif self.dialect == "postgresql":
            self.engine = sa.create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2)
            mark = "%s"
        else:
            raise ValueError(f"unsupported database for shared state: {self.dialect}")
        from assistant.helpdesk.log import create_tables
        create_tables(state_metadata, self.engine)
        t = state_table.name
        self._get_sql = f"SELECT value FROM {t} WHERE ns = {mark} AND key = {mark} " \
                        f"AND (expires_at IS NULL OR expires_at > {mark})"
        self._put_sql = (f"INSERT INTO {t} (ns, key, value, expires_at) VALUES ({mark}, {mark}, {mark}, {mark}) "
                         "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at")
        self._delete_sql = f"DELETE FROM {t} WHERE ns = {mark} AND key = {mark}"
        self._get_many_sql = f"SELECT key, value FROM {t} WHERE ns = %s AND key = ANY(%s) " \
                             f"AND (expires_at IS NULL OR expires_at > %s)"
        self._conn: Any = None
        # Per event loop: the operations waiting for this turn's flush (tests run several loops).
        self._batches: dict[asyncio.AbstractEventLoop, list[tuple[str, tuple[Any, ...], asyncio.Future]]] = {}
        self._busy: dict[asyncio.AbstractEventLoop, float] = {}     # since when writes find SQLite locked
        self._stop = threading.Event()
        self._cleaner: threading.Thread | None = None
        if cleanup_seconds:
            self._cleaner = threading.Thread(target=self._clean_periodically, args=(cleanup_seconds,),
                                             name="shared-state-cleanup", daemon=True)
            self._cleaner.start()

    # -- the answer path: one driver connection ----------------------------------------------------

    def _connect(self) -> Any:
        if self.dialect == "sqlite":
            path = sa.engine.make_url(self.url).database
            conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            _sqlite_pragmas(conn, None)
            # Checkpoints are the cleanup thread's job: here one would stall an answer on fsync.
            conn.execute("PRAGMA wal_autocheckpoint=0")
            # Another worker writing: SQLite's own wait would sleep the event loop in steps of
            # milliseconds; the batch is retried a moment later instead, the loop serving meanwhile.
            conn.execute("PRAGMA busy_timeout=0")
            return conn
        import psycopg

        conninfo = sa.engine.make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
        # Bounded waits: these run on the event loop.
        return psycopg.connect(conninfo, autocommit=True, connect_timeout=5,
                               options="-c statement_timeout=5000")

    def _execute(self, sql: str, params: tuple[Any, ...], fetch: bool = False) -> Any:
        def run(conn: Any) -> Any:
            if self.dialect == "sqlite":
                cur = conn.execute(sql, params)
            else:
                cur = conn.execute(sql, params, prepare=True)
            return cur.fetchone() if fetch else None
        if self.dialect != "sqlite":
            return self._with_connection(run)
        # One statement at a time (off the answer path, or a read, which WAL rarely makes wait).
        deadline, pause = time.monotonic() + BUSY_SECONDS, 0.0005
        while True:
            try:
                return self._with_connection(run)
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    def _with_connection(self, work: Callable[[Any], Any]) -> Any:
        with self._lock:
            for attempt in (1, 2):
                if self._conn is None:
                    self._conn = self._connect()
                try:
                    return work(self._conn)
                except Exception as exc:
                    # A broken PostgreSQL connection (server restarted, network): reconnect once.
                    if self.dialect == "sqlite" or attempt == 2 or not _is_disconnect(exc, self._conn):
                        raise
                    log.warning("shared state: connection lost (%s); reconnecting", exc)
                    self._drop_connection()
        return None

    # -- the answer path, batched per turn of the event loop -----------------------------------------

    async def aget(self, ns: str, key: str) -> bytes | None:
        """`get` for the event loop. SQLite reads directly (a local page-cache read, microseconds);
        PostgreSQL reads wait for this turn's round trip."""
        if self.dialect == "sqlite":
            return self.get(ns, key)
        return await self._enqueue("get", (ns, key))

    async def aput(self, ns: str, key: str, value: bytes, ttl: float | None = None) -> None:
        """`put` for the event loop: committed, with the other writes of this turn, when it returns."""
        expires = self._clock() + ttl if ttl is not None else None
        await self._enqueue("put", (ns, key, value, expires))

    def _enqueue(self, kind: str, args: tuple[Any, ...]) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._add(loop, [(kind, args, future)])
        return future

    def _add(self, loop: asyncio.AbstractEventLoop, ops: list[tuple[str, tuple[Any, ...], asyncio.Future]],
             delay: float = 0.0) -> None:
        batch = self._batches.get(loop)
        if batch is None:
            batch = self._batches[loop] = []
            # Runs after the callbacks already due: every request that reaches here meanwhile joins.
            if delay:
                loop.call_later(delay, self._flush, loop, delay)
            else:
                loop.call_soon(self._flush, loop, 0.0)
        batch.extend(ops)

    def _flush(self, loop: asyncio.AbstractEventLoop, delay: float) -> None:
        batch = self._batches.pop(loop, [])
        gets = [(args, f) for kind, args, f in batch if kind == "get"]
        puts = [(args, f) for kind, args, f in batch if kind == "put"]
        if gets:
            self._settle(gets, self._read_many)
        if puts:
            try:
                self._settle(puts, self._write_many)
            except _Busy:
                # Another process holds SQLite's write lock (for microseconds, usually): try again soon,
                # with whatever joins meanwhile; the waiting requests wait, the event loop does not.
                if time.monotonic() - self._busy_since(loop) > BUSY_SECONDS:
                    self._settle(puts, _raise(sqlite3.OperationalError("database is locked")))
                    return
                self._add(loop, [("put", args, f) for args, f in puts], min(max(delay * 2, 0.0002), 0.005))
                return
        self._busy.pop(loop, None)

    def _busy_since(self, loop: asyncio.AbstractEventLoop) -> float:
        return self._busy.setdefault(loop, time.monotonic())

    @staticmethod
    def _settle(ops: list[tuple[tuple[Any, ...], asyncio.Future]], run: Callable[[list], list]) -> None:
        try:
            results = run([args for args, _ in ops])
        except _Busy:
            raise
        except Exception as exc:  # noqa: BLE001 - every waiting request gets the error
            for _, future in ops:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(ops, results):
            if not future.done():
                future.set_result(result)

    def _read_many(self, keys: list[tuple[str, str]]) -> list[bytes | None]:
        now = self._clock()
        by_ns: dict[str, list[str]] = {}
        for ns, key in keys:
            by_ns.setdefault(ns, []).append(key)

        def run(conn: Any) -> dict[tuple[str, str], bytes]:
            found = {}
            for ns, names in by_ns.items():
                for key, value in conn.execute(self._get_many_sql, (ns, names, now), prepare=True).fetchall():
                    found[(ns, key)] = bytes(value)
            return found
        found = self._with_connection(run)
        return [found.get(k) for k in keys]

    def _write_many(self, rows: list[tuple[Any, ...]]) -> list[None]:
        def run(conn: Any) -> None:
            if self.dialect == "sqlite":
                try:
                    conn.execute("BEGIN IMMEDIATE")       # the write lock first, or SQLITE_BUSY at once
                except sqlite3.OperationalError as exc:
                    if _is_busy(exc):
                        raise _Busy() from exc
                    raise
                try:
                    conn.executemany(self._put_sql, rows)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            else:
                with conn.transaction(), conn.cursor() as cur:
                    cur.executemany(self._put_sql, rows)     # pipelined: one round trip
        self._with_connection(run)
        return [None] * len(rows)

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - it is broken already
                pass

    def get(self, ns: str, key: str) -> bytes | None:
        """The value, or None when there is none or it has expired."""
        row = self._execute(self._get_sql, (ns, key, self._clock()), fetch=True)
        return bytes(row[0]) if row is not None else None

    def put(self, ns: str, key: str, value: bytes, ttl: float | None = None, *, bump: bool = False) -> None:
        """Store (replace) a value; committed when this returns. `ttl` seconds from now, None: no expiry.
        `bump`: also move the namespace's revision, for the caches of data every worker reads
        (`NamespaceCache`); one transaction then."""
        expires = self._clock() + ttl if ttl is not None else None
        if not bump:
            self._execute(self._put_sql, (ns, key, value, expires))
            return
        with self.engine.begin() as conn:
            conn.execute(_upsert(self.dialect, state_table, {"ns": ns, "key": key, "value": value,
                                                             "expires_at": expires}, ("ns", "key")))
            self._bump(conn, ns)

    def delete(self, ns: str, key: str, *, bump: bool = False) -> None:
        if not bump:
            self._execute(self._delete_sql, (ns, key))
            return
        with self.engine.begin() as conn:
            conn.execute(state_table.delete().where(state_table.c.ns == ns, state_table.c.key == key))
            self._bump(conn, ns)

    # -- the rest: SQLAlchemy ----------------------------------------------------------------------

    def bump(self, conn: sa.Connection, ns: str) -> None:
        """Move a namespace's revision inside the caller's transaction (`self.engine.begin()`): for data
        kept in tables of its own whose readers use `NamespaceCache(load=...)`."""
        self._bump(conn, ns)

    def _bump(self, conn: sa.Connection, ns: str) -> None:
        stmt = _upsert(self.dialect, revision_table, {"ns": ns, "rev": 1}, ("ns",),
                       update={"rev": revision_table.c.rev + 1})
        conn.execute(stmt)

    def revision(self, ns: str) -> int:
        """A number that changes whenever a write with `bump` touches the namespace (0: never)."""
        with self.engine.connect() as conn:
            rev = conn.execute(sa.select(revision_table.c.rev).where(revision_table.c.ns == ns)).scalar()
        return int(rev or 0)

    def items(self, ns: str) -> dict[str, bytes]:
        """Every live key of a namespace with its value."""
        t = state_table.c
        now = self._clock()
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.key, t.value).where(
                t.ns == ns, sa.or_(t.expires_at.is_(None), t.expires_at > now)).order_by(t.key)).all()
        return {key: bytes(value) for key, value in rows}

    def count(self, ns: str) -> int:
        t = state_table.c
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(state_table)
                                    .where(t.ns == ns)).scalar_one())

    def cleanup(self, chunk: int = CLEANUP_CHUNK, pause: float = 0.0) -> int:
        """Delete expired rows, and beyond each namespace's limit the ones that expire first. In
        transactions of at most `chunk` rows, `pause` seconds apart: after a busy hour there are many, and
        one long transaction would hold up every answer's write meanwhile. Returns the rows deleted."""
        t = state_table.c
        selections = [sa.select(t.ns, t.key).where(t.expires_at <= self._clock())]
        for ns, limit in self.limits.items():
            selections += self._beyond_limit(ns, limit)
        deleted = 0
        for selection in selections:
            while True:
                with self.engine.begin() as conn:
                    keys = conn.execute(selection.limit(chunk)).all()
                    by_ns: dict[str, list[str]] = {}
                    for ns, key in keys:
                        by_ns.setdefault(ns, []).append(key)
                    # `ns = ? AND key IN (...)`: the primary key's index. SQLite scans the whole table for
                    # `(ns, key) IN (VALUES ...)`, with the write lock held (50 ms a chunk on 150,000 rows).
                    for ns, names in by_ns.items():
                        conn.execute(state_table.delete().where(t.ns == ns, t.key.in_(names)))
                deleted += len(keys)
                if len(keys) < chunk or self._stop.is_set():
                    break
                if pause:
                    time.sleep(pause)
        return deleted

    def _beyond_limit(self, ns: str, limit: int) -> list[sa.Select]:
        """Selections of the rows of `ns` past the newest `limit` by expiry (the least recently used; ties
        by key), rows without expiry aside. The edge is found once, by one ordered read: selecting each
        chunk as "past the first `limit` in that order" sorted the whole namespace every time (SQLite
        ~0.2 s a chunk on 150,000 rows, two minutes of a core per worker after a load test)."""
        t = state_table.c
        dated = sa.and_(t.ns == ns, t.expires_at.is_not(None))
        if limit <= 0:
            return [sa.select(t.ns, t.key).where(dated)]
        with self.engine.connect() as conn:
            edge = conn.execute(sa.select(t.expires_at).where(dated).order_by(t.expires_at.desc())
                                .offset(limit - 1).limit(1)).scalar()
            if edge is None:                          # within the limit
                return []
            newer = conn.execute(sa.select(sa.func.count()).select_from(state_table)
                                 .where(t.ns == ns, t.expires_at > edge)).scalar_one()
            last_kept = conn.execute(sa.select(t.key).where(t.ns == ns, t.expires_at == edge).order_by(t.key)
                                     .offset(limit - newer - 1).limit(1)).scalar()
        return [sa.select(t.ns, t.key).where(t.ns == ns, t.expires_at < edge),
                sa.select(t.ns, t.key).where(t.ns == ns, t.expires_at == edge, t.key > last_kept)]

    def _clean_periodically(self, every: float) -> None:
        # SQLite checkpoints often (the log would otherwise grow by megabytes a second under load and
        # slow every read); expired rows are deleted every `every` seconds.
        tick = min(every, CHECKPOINT_SECONDS) if self.dialect == "sqlite" else every
        due = time.monotonic() + every
        while not self._stop.wait(tick):
            try:
                if time.monotonic() >= due:
                    due = time.monotonic() + every
                    n = self.cleanup(pause=0.01)
                    if n:
                        log.info("shared state: %d expired entries deleted", n)
                self.checkpoint()
            except Exception:  # noqa: BLE001 - try again next time
                log.exception("shared state: cleanup failed")

    def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database file (the cleanup thread does this too)."""
        if self.dialect == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        self._stop.set()
        if self._cleaner is not None:
            self._cleaner.join(timeout=10)
            self._cleaner = None
        with self._lock:
            self._drop_connection()
        self.engine.dispose()


class NamespaceCache:
    """A worker's copy of a whole namespace (decoded by `decode`), re-read when its revision moved.

    `current()` costs one primary-key read of the revision, so a write on any worker or host is seen by
    the next question everywhere. Writers must pass ``bump=True`` to `SharedState.put`/`delete` (or call
    `SharedState.bump` in their own transaction).

    `load`: data kept in a table of its own rather than in the namespace's rows (teachings): called
    instead of reading the namespace when the revision moved. `min_interval`: seconds during which
    `current()` trusts its copy without reading the revision (0: read it every time); `invalidate()`
    makes the next call read it (the worker that wrote sees its own write at once)."""

    def __init__(self, state: SharedState, ns: str, decode: Callable[[bytes], Any] = json.loads, *,
                 load: Callable[[], Any] | None = None, min_interval: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.state = state
        self.ns = ns
        self.decode = decode
        self.load = load
        self.min_interval = min_interval
        self._clock = clock
        self._rev: int | None = None
        self._checked = float("-inf")
        self._items: Any = {}
        self._lock = threading.Lock()

    @property
    def revision(self) -> int | None:
        """The revision the copy was read at (None: not read yet)."""
        return self._rev

    def invalidate(self) -> None:
        self._checked = float("-inf")

    def current(self) -> Any:
        if self.min_interval and self._clock() - self._checked < self.min_interval:
            return self._items
        rev = self.state.revision(self.ns)
        with self._lock:
            self._checked = self._clock()
            if rev != self._rev:
                self._items = self.load() if self.load is not None else \
                    {k: self.decode(v) for k, v in self.state.items(self.ns).items()}
                self._rev = rev
            return self._items


def _upsert(dialect: str, table: sa.Table, values: dict[str, Any], keys: tuple[str, ...],
            update: dict[str, Any] | None = None) -> Any:
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    stmt = insert(table).values(**values)
    return stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_=update or {k: stmt.excluded[k] for k in values if k not in keys})


class _Busy(Exception):
    """SQLite's write lock is held by another process."""


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def _raise(exc: Exception) -> Callable[[list], list]:
    def run(_: list) -> list:
        raise exc
    return run


def _is_disconnect(exc: Exception, conn: Any) -> bool:
    import psycopg

    return isinstance(exc, psycopg.OperationalError) or bool(getattr(conn, "closed", False))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
    finally:
        cur.close()


def open_state(db_url: str | None, state_dir: Path, **kwargs: Any) -> SharedState:
    """The shared state for the configured ``ASSISTANT_DB_URL`` (see `state_url`)."""
    return SharedState(state_url(db_url, state_dir), **kwargs)


# --------------------------------------------------------------------------- the CLI's sessions

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
