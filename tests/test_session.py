"""The shared state (assistant/service/sessions.py) on SQLite and on PostgreSQL: what several workers or hosts see of
each other's writes, expiry, cleanup, bounded turns, and the revision-checked cache for data every worker
reads (the layer teachings will use)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from _pgserver import shared_server
from assistant.service.sessions import (Conversation, DatabaseStore, NamespaceCache, SharedState, decode_conversation,
                               encode_conversation, open_state, state_url)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return state_url(None, tmp_path)
    return state_url(shared_server().create_database(), tmp_path)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def two(url: str, clock: Clock):
    """Two SharedState objects on one database: two workers (or hosts)."""
    a = SharedState(url, clock=clock, cleanup_seconds=None)
    b = SharedState(url, clock=clock, cleanup_seconds=None)
    yield a, b
    a.close()
    b.close()


def test_a_write_is_read_by_another_worker(two) -> None:
    a, b = two
    assert b.get("session", "s1") is None
    a.put("session", "s1", b"one", ttl=60)
    assert b.get("session", "s1") == b"one"
    b.put("session", "s1", b"two", ttl=60)             # the follow-up's turn, written by the other worker
    assert a.get("session", "s1") == b"two"
    assert a.get("other", "s1") is None                  # namespaces are separate
    a.delete("session", "s1")
    assert b.get("session", "s1") is None


def test_values_expire_and_cleanup_deletes_them(two, clock: Clock) -> None:
    a, b = two
    a.put("session", "old", b"x", ttl=10)
    a.put("session", "new", b"y", ttl=100)
    a.put("teaching", "t1", b"{}")                       # no ttl: kept until deleted
    clock.now += 11
    assert b.get("session", "old") is None and b.get("session", "new") == b"y"
    assert b.count("session") == 2                       # expired, not yet deleted
    for i in range(5):
        a.put("session", f"gone{i}", b"x", ttl=1)
    clock.now += 2
    assert b.cleanup(chunk=2) == 6
    assert b.count("session") == 1 and a.get("teaching", "t1") == b"{}"
    clock.now += 10_000
    assert a.cleanup() == 1 and a.get("teaching", "t1") == b"{}"


def test_cleanup_keeps_a_namespace_within_its_limit(two, clock: Clock) -> None:
    a, _ = two
    store = DatabaseStore(a, "session", ttl_seconds=100, max_sessions=3)
    for i in range(5):
        store.put(f"s{i}", Conversation("{}"))
        clock.now += 1
    store.put("s0", Conversation('{"again":1}'))         # used again: now the newest
    assert a.cleanup(chunk=1) == 2                       # one row per transaction: answers' writes interleave
    assert sorted(a.items("session")) == ["s0", "s3", "s4"]


def test_the_limit_breaks_ties_by_key_and_leaves_rows_without_expiry(two, clock: Clock) -> None:
    a, b = two
    a.limits["session"] = 3
    for i in range(6):                                   # one turn of the clock: the same expiry for all
        a.put("session", f"t{i}", b"x", ttl=100)
    a.put("session", "pinned", b"p")                     # no expiry: neither counted nor deleted
    clock.now += 1
    a.put("session", "fresh", b"y", ttl=100)
    assert a.cleanup(chunk=2) == 4
    assert sorted(b.items("session")) == ["fresh", "pinned", "t0", "t1"]
    assert a.cleanup() == 0


def test_conversations_round_trip_with_their_turns(two) -> None:
    a, b = two
    turns = (b'{"question":"\\u4e00\\n","result":{}}', json.dumps({"question": "市里的作品登记谁出钱？"},
                                                                  ensure_ascii=False).encode())
    conv = Conversation(json.dumps({"doc_id": "d", "matters": ["作品登记"], "levels": ["市"]}, ensure_ascii=False), turns)
    assert decode_conversation(encode_conversation(conv)) == conv
    DatabaseStore(a).put("sid", conv)
    assert DatabaseStore(b).get("sid") == conv
    assert DatabaseStore(b).get("missing") is None


def test_writes_of_one_event_loop_turn_share_a_transaction(two) -> None:
    """aput/aget as the web API uses them: concurrent requests' writes are committed together, and each
    caller learns the outcome of its own."""
    import asyncio

    a, b = two
    store_a = DatabaseStore(a, ttl_seconds=60)

    async def main() -> list:
        await asyncio.gather(*(store_a.save(f"s{i}", Conversation(f'{{"n":{i}}}', (b"{}",))) for i in range(20)))
        return await asyncio.gather(*(DatabaseStore(b).load(f"s{i}") for i in (*range(20), 99)))
    got = asyncio.run(main())
    assert [c.context for c in got[:20]] == [f'{{"n":{i}}}' for i in range(20)] and got[20] is None

    async def failing() -> None:
        a._put_sql = a._put_sql.replace("INSERT INTO", "INSERT INTO no_such_table_")   # the database refuses
        await store_a.save("x", Conversation("{}"))
    with pytest.raises(Exception):
        asyncio.run(failing())


def test_a_write_waiting_for_another_process_does_not_stop_the_event_loop(tmp_path: Path) -> None:
    """SQLite: while another process holds the write lock, the batch is retried; other requests are served."""
    import asyncio
    import sqlite3

    state = open_state(None, tmp_path, cleanup_seconds=None)
    other = sqlite3.connect(tmp_path / "assistant-state.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")                    # another worker is writing
    ticks = 0

    async def main() -> None:
        nonlocal ticks
        save = asyncio.ensure_future(state.aput("session", "k", b"v", ttl=60))
        while ticks < 50:                                # the loop keeps turning meanwhile
            await asyncio.sleep(0.001)
            ticks += 1
        assert not save.done()
        other.execute("COMMIT")
        await asyncio.wait_for(save, 5)
    asyncio.run(main())
    assert ticks == 50 and state.get("session", "k") == b"v"
    state.close()


def test_namespace_cache_sees_writes_from_any_worker(two) -> None:
    a, b = two
    cache_b = NamespaceCache(b, "teaching")
    assert cache_b.current() == {}
    a.put("teaching", "t1", json.dumps({"say": "甲"}).encode(), bump=True)
    assert cache_b.current() == {"t1": {"say": "甲"}}
    rev = b.revision("teaching")
    assert cache_b.current() is cache_b.current()        # unchanged revision: the same copy, not re-read
    a.delete("teaching", "t1", bump=True)
    assert b.revision("teaching") != rev and cache_b.current() == {}


def test_namespace_cache_with_a_loader_and_a_minimum_interval(two) -> None:
    """Data kept in a table of its own (teachings): `load` is called when the revision moved, which a writer
    moves in its own transaction (`bump`); within `min_interval` the copy is trusted without a read, and
    `invalidate` ends that at once (the worker that wrote)."""
    a, b = two
    loads: list[int] = []
    ticks = Clock()

    def load() -> list[int]:
        loads.append(1)
        return [len(loads)]

    cache = NamespaceCache(b, "teach", load=load, min_interval=5.0, clock=ticks)
    first = cache.current()
    assert first == [1] and cache.revision == 0
    with a.engine.begin() as conn:
        a.bump(conn, "teach")
    assert cache.current() is first                       # within the interval: not even the revision is read
    ticks.now += 5.0
    second = cache.current()
    assert second == [2] and cache.revision == a.revision("teach") != 0
    with a.engine.begin() as conn:
        a.bump(conn, "teach")
    cache.invalidate()
    assert cache.current() == [3]
    assert cache.current() == [3] and len(loads) == 3     # unchanged revision: not loaded again


def test_reconnects_after_the_postgresql_connection_is_lost(tmp_path: Path) -> None:
    state = SharedState(state_url(shared_server().create_database(), tmp_path), cleanup_seconds=None)
    try:
        state.put("session", "k", b"v", ttl=60)
        state._conn.close()                              # the server restarted, the network dropped, ...
        assert state.get("session", "k") == b"v"
    finally:
        state.close()


def test_sqlite_state_has_its_own_file_beside_the_log(tmp_path: Path) -> None:
    assert state_url(None, tmp_path).endswith("/assistant-state.db")
    assert state_url(f"sqlite:///{tmp_path}/desk.db", tmp_path) == f"sqlite:///{tmp_path}/desk-state.db"
    assert state_url("postgresql://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"
    state = open_state(None, tmp_path, cleanup_seconds=None)
    state.put("session", "k", b"v", ttl=60)
    state.checkpoint()
    state.close()
    assert (tmp_path / "assistant-state.db").stat().st_size > 0


def _create_at_once(urls: list[str], barrier, results) -> None:
    import sqlalchemy as sa

    from assistant.helpdesk.log import create_tables, metadata
    from assistant.service.sessions import state_metadata
    for url in urls:
        engine = sa.create_engine(url)
        barrier.wait()
        try:
            create_tables(metadata, engine)
            create_tables(state_metadata, engine)
            results.put("ok")
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results.put(repr(exc)[:300])
        engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_workers_starting_together_create_the_tables_once(kind: str, tmp_path: Path) -> None:
    """`serve --workers N` on a new database: every worker creates the tables at the same moment (without
    a lock about a third of such starts failed on PostgreSQL with a duplicate pg_type row)."""
    import multiprocessing

    spawn = multiprocessing.get_context("spawn")
    urls = [state_url(shared_server().create_database(), tmp_path) if kind == "postgresql"
            else f"sqlite:///{tmp_path}/new-{i}.db" for i in range(8)]
    barrier, results = spawn.Barrier(3), spawn.Queue()
    procs = [spawn.Process(target=_create_at_once, args=(urls, barrier, results)) for _ in range(3)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in range(3 * len(urls))]
    for p in procs:
        p.join(30)
    assert outcomes == ["ok"] * 24
