"""The question log store, run against SQLite and against a real PostgreSQL server."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from _pgserver import shared_server
from assistant.helpdesk import log as qlog
from assistant.helpdesk.log import QuestionLog, open_log, percentile, resolve_salt, resolve_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def pg_server():
    return shared_server()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str | None:
    """None → the default SQLite file; else a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("pg_server").create_database()


@pytest.fixture
def store(db_url, tmp_path):
    log = open_log(db_url, tmp_path / "state", salt="test-salt")
    yield log
    log.close()


def rec(n: int, **kw) -> dict:
    base = {"time": f"2025-03-0{1 + n % 3}T02:00:{n % 60:02d}Z", "channel": "web", "session_id": f"s{n % 4}",
            "question": f"问题{n}", "status": "answered", "matters": ["专利导航"],
            "anchors": ["钦政办〔2025〕15号 二（三）第3段"], "latency_ms": float(n), "answer_id": f"{n:032x}",
            "client": "203.0.113.7"}
    base.update(kw)
    return base


def test_add_and_get_round_trip_hashes_personal_data(store):
    store.add(rec(1, time="2025-03-01T17:30:00.123456+00:00", user="oUSERopenid123",
                  matters=["专利导航", "作品登记"]))
    got = store.get(f"{1:032x}")
    assert got["time"] == "2025-03-01T17:30:00.123Z"
    assert got["day"] == "2025-03-02"  # 01:30 the next day in UTC+8
    assert got["question"] == "问题1" and got["status"] == "answered" and got["channel"] == "web"
    assert got["matters"] == ["专利导航", "作品登记"]
    assert got["anchors"] == ["钦政办〔2025〕15号 二（三）第3段"]
    assert got["latency_ms"] == 1.0 and got["rating"] is None
    assert got["client_hash"] == store.hash("203.0.113.7") and len(got["client_hash"]) == 32
    assert got["user_hash"] == store.hash("oUSERopenid123")
    # The raw address and user id are nowhere in the database.
    with store.engine.connect() as conn:
        cells = [str(v) for row in conn.execute(sa.text("SELECT * FROM questions")).all() for v in row]
    assert not any("203.0.113.7" in c or "oUSERopenid123" in c for c in cells)
    assert store.get("f" * 32) is None


def test_duplicate_answer_id_is_rejected(store):
    store.add(rec(1))
    with pytest.raises(sa.exc.IntegrityError):
        store.add(rec(1, question="另一个"))
    assert store.count() == 1
    with pytest.raises(ValueError):
        store.add(rec(2, answer_id=""))


def test_feedback_replaces_rating_and_keeps_comment(store):
    store.add(rec(1))
    aid = f"{1:032x}"
    assert store.add_feedback("0" * 31 + "9", "up") is False
    assert store.add_feedback(aid, "up") is True
    assert store.get(aid)["rating"] == "up"
    assert store.add_feedback(aid, "down", "  引用的段落不对  ") is True
    assert store.get(aid)["rating"] == "down" and store.get(aid)["comment"] == "引用的段落不对"
    assert store.add_feedback(aid, "down", "") is True  # an empty comment keeps the earlier one
    assert store.get(aid)["comment"] == "引用的段落不对"
    store.add_feedback(aid, "down", "长" * 5000)
    assert len(store.get(aid)["comment"]) == 1000
    with pytest.raises(ValueError):
        store.add_feedback(aid, "meh")
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM feedback")).scalar_one() == 1


def test_stats(store):
    for n in range(1, 101):  # latencies 1..100 ms
        store.add(rec(n, time="2025-03-01T02:00:00Z"))
    for n in range(101, 106):
        store.add(rec(n, status="not_listed", question="商标代理谁管？", channel="wechat", latency_ms=None,
                      time="2025-03-03T02:00:00Z"))
    store.add(rec(106, status="not_listed", question="版权交易补贴？", channel="api", latency_ms=None,
                  time="2025-03-03T03:00:00Z"))
    store.add(rec(107, status="clarify", question="谁出钱？", latency_ms=None, time="2025-03-03T03:00:00Z"))
    store.add(rec(108, status="error", question="\ufffd专利导航", latency_ms=None, time="2025-03-03T03:00:00Z"))
    store.add_feedback(f"{5:032x}", "down", "没有回答县区的情况")
    store.add_feedback(f"{6:032x}", "up")
    store.add_feedback(f"{106:032x}", "down")

    s = store.stats()
    assert s["totals"] == {"questions": 108, "sessions": 4, "answered": 100, "unanswered": 7,
                           "answered_rate": round(100 / 108, 4), "feedback_up": 1, "feedback_down": 2}
    assert s["per_status"] == {"answered": 100, "not_listed": 6, "clarify": 1, "error": 1}
    assert s["per_channel"] == {"web": 102, "wechat": 5, "api": 1}
    assert [d["day"] for d in s["per_day"]] == ["2025-03-01", "2025-03-02", "2025-03-03"]
    assert s["per_day"][0]["answered"] == 100 and s["per_day"][1]["total"] == 0
    assert s["per_day"][2] == {"day": "2025-03-03", "total": 8, "answered": 0, "not_listed": 6,
                               "out_of_scope": 0, "clarify": 1, "error": 1}     # the day's columns add up
    lat = s["latency_ms"]
    assert lat["count"] == 100 and lat["p50"] == pytest.approx(50.5) and lat["p90"] == pytest.approx(90.1)
    assert lat["p95"] == pytest.approx(95.05) and lat["p99"] == pytest.approx(99.01) and lat["max"] == 100
    assert s["top_unanswered"]["not_listed"][0] == {"question": "商标代理谁管？", "count": 5,
                                                    "last": "2025-03-03T02:00:00.000Z"}
    assert s["top_unanswered"]["not_listed"][1]["question"] == "版权交易补贴？"
    assert s["top_unanswered"]["clarify"] == [{"question": "谁出钱？", "count": 1, "last": "2025-03-03T03:00:00.000Z"}]
    assert s["top_unanswered"]["out_of_scope"] == []
    disliked = {d["answer_id"]: d for d in s["disliked"]}
    assert set(disliked) == {f"{5:032x}", f"{106:032x}"}
    assert disliked[f"{5:032x}"]["comment"] == "没有回答县区的情况"
    assert disliked[f"{5:032x}"]["question"] == "问题5"
    assert disliked[f"{106:032x}"]["comment"] is None

    recent = store.stats(days=2, today="2025-03-04")
    assert recent["since"] == "2025-03-03"
    assert recent["totals"]["questions"] == 8
    assert [d["day"] for d in recent["per_day"]] == ["2025-03-03", "2025-03-04"]
    assert recent["latency_ms"]["count"] == 0 and recent["latency_ms"]["p50"] is None


def test_stats_on_empty_log(store):
    s = store.stats()
    assert s["totals"]["questions"] == 0 and s["totals"]["answered_rate"] is None
    assert s["per_day"] == [] and s["disliked"] == []


def test_rows_in_time_order_across_batches(store):
    for n in (5, 3, 9, 1, 7, 2, 8):
        store.add(rec(n, time=f"2025-03-01T02:00:{n:02d}Z"))
    store.add(rec(10, time="2025-03-01T02:00:05Z"))  # same time as n=5: ordered by answer id
    ids = [r["answer_id"] for r in store.rows(batch=3)]
    assert ids == [f"{n:032x}" for n in (1, 2, 3, 5, 10, 7, 8, 9)]
    assert [r["answer_id"] for r in store.rows(since_day="2025-03-02")] == []


def test_concurrent_writers(store):
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(20):
                store.add(rec(k * 1000 + i))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count() == 120


def _commits(store) -> list[int]:
    """Counts the transactions committed on the store's engine from now on."""
    commits: list[int] = []
    sa.event.listen(store.engine, "commit", lambda conn: commits.append(1))
    return commits


def _journal_lines(store) -> list[str]:
    return [line for f in sorted(store.journal_dir.glob("*.jsonl"))
            for line in f.read_text(encoding="utf-8").splitlines()]


def test_log_writes_what_gathered_in_one_transaction(store):
    """Group commit: the rows logged while the writer is busy go to the database together, in one
    transaction; each is in the journal as soon as log() returns; none is lost."""
    groups: list[int] = []
    gate = threading.Event()
    insert = store._insert

    def held_insert(conn, rows, **kw):
        groups.append(len(rows))
        gate.wait(10)                       # the first group is held: the next rows gather behind it
        return insert(conn, rows, **kw)
    store._insert = held_insert
    commits = _commits(store)
    store.log(rec(0, user="openid0"))
    for _ in range(500):
        if groups:
            break
        threading.Event().wait(0.01)
    for n in range(1, 50):
        store.log(rec(n, user=f"openid{n}"))
    # Every row is in the journal before the database has any: that is what the answer waited for.
    assert len(_journal_lines(store)) == 50 and commits == []
    gate.set()
    assert store.flush()
    assert groups == [1, 49] and len(commits) == 2
    assert store.count() == 50
    for n in (0, 1, 25, 49):
        got = store.get(f"{n:032x}")
        assert got["question"] == f"问题{n}" and got["user_hash"] == store.hash(f"openid{n}")
        assert got["client_hash"] == store.hash("203.0.113.7") and got["time"].endswith("Z")
    assert "203.0.113.7" not in "".join(_journal_lines(store))        # hashed before the journal too


def test_logged_answers_are_read_back_at_once(store):
    for n in range(1, 8):
        store.log(rec(n, time=f"2025-03-01T02:00:{n:02d}.000+00:00"))
    assert store.count() == 7                                        # reads wait for the writer
    assert [r["answer_id"] for r in store.rows()] == [f"{n:032x}" for n in range(1, 8)]
    assert store.stats()["totals"]["questions"] == 7
    store.log(rec(8))
    assert store.add_feedback(f"{8:032x}", "down", "不对") is True    # feedback right after the answer
    assert store.get(f"{3:032x}")["time"] == "2025-03-01T02:00:03.000Z"
    assert store.get(f"{3:032x}")["day"] == "2025-03-01"
    with pytest.raises(ValueError):
        store.log(rec(9, answer_id=""))


def test_log_rows_wait_while_the_database_is_unavailable(store, monkeypatch):
    monkeypatch.setattr(qlog, "JOURNAL_RETRY_SECONDS", 0.05)
    failures = [sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))] * 2
    insert = store._insert

    def flaky_insert(conn, rows, **kw):
        if failures:
            raise failures.pop()
        return insert(conn, rows, **kw)
    store._insert = flaky_insert
    for n in range(1, 6):
        store.log(rec(n))
    assert store.flush(timeout=10)
    assert failures == [] and store.count() == 5
    assert _journal_lines(store)             # the current journal file stays until close


def test_full_journal_files_are_replaced_and_removed_once_written(store, monkeypatch):
    monkeypatch.setattr(qlog, "JOURNAL_FILE_BYTES", 300)             # about one line a file
    seen: set[str] = set()
    for n in range(1, 7):
        store.log(rec(n))
        assert store.flush()
        seen.update(f.name for f in store.journal_dir.glob("*.jsonl"))
    assert store.count() == 6
    assert len(seen) >= 3                                            # files were replaced...
    assert len(list(store.journal_dir.glob("*.jsonl"))) <= 2         # ...and the written ones removed
    store.close()
    assert list(store.journal_dir.iterdir()) == []


def test_close_writes_the_journal_and_removes_it(db_url, tmp_path):
    first = open_log(db_url, tmp_path / "state", salt="s")
    for n in range(1, 4):
        first.log(rec(n))
    first.close()
    assert list(first.journal_dir.iterdir()) == []
    second = open_log(db_url, tmp_path / "state", salt="s")
    assert second.count() == 3
    second.close()


def test_a_running_process_journal_is_left_alone(db_url, tmp_path, monkeypatch):
    monkeypatch.setattr(qlog, "JOURNAL_LINGER", 3600)     # the writer would wait an hour before writing
    live = open_log(db_url, tmp_path / "state", salt="s")
    live.log(rec(1))
    other = open_log(db_url, tmp_path / "state", salt="s")  # e.g. an admin command beside the server
    assert other.count() == 0 and len(_journal_lines(live)) == 1
    live.close()                                            # close writes it, without the linger
    assert other.count() == 1
    other.close()


def test_unreadable_journal_lines_are_skipped(db_url, tmp_path, caplog):
    store = open_log(db_url, tmp_path / "state", salt="s")
    good = store._question_row(rec(1))
    store.close()
    journal = tmp_path / "state" / qlog.JOURNAL_DIR
    journal.mkdir(parents=True, exist_ok=True)
    (journal / "4242-dead.jsonl").write_bytes(
        (qlog._encode_row(good) + "\n" + '["cut short by a crash", "2025').encode("utf-8"))
    with caplog.at_level("WARNING", logger="assistant.helpdesk.log"):
        again = open_log(db_url, tmp_path / "state", salt="s")
    assert again.count() == 1 and again.get(f"{1:032x}")["question"] == "问题1"
    assert list(journal.iterdir()) == []
    assert any("unreadable" in r.getMessage() for r in caplog.records)
    again.close()


def test_reopen_keeps_records(db_url, tmp_path):
    first = open_log(db_url, tmp_path / "state", salt="s")
    first.add(rec(1))
    first.close()
    second = open_log(db_url, tmp_path / "state", salt="s")
    assert second.get(f"{1:032x}")["question"] == "问题1"
    second.close()


@pytest.mark.parametrize("write", ["add", "log"])
def test_acknowledged_record_survives_kill_9(db_url, tmp_path, write):
    """A child process stores records, says so, and is killed with SIGKILL before it can close anything.
    `log` is stopped from reaching the database at all (an hour's linger): the records survive in the
    journal, and the next open writes them."""
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from assistant.helpdesk import log as qlog\n"
         "qlog.JOURNAL_LINGER = 3600\n"
         "log = qlog.open_log(sys.argv[1] or None, Path(sys.argv[2]), salt='s')\n"
         "recs = [{'answer_id': f'k{n:031d}', 'question': f'被杀之前{n}', 'status': 'answered', 'channel': 'api'}\n"
         "        for n in range(40)]\n"
         "if sys.argv[3] == 'add':\n"
         "    log.add(recs[0])\n"
         "else:\n"
         "    for r in recs: log.log(r)\n"
         "print('stored', flush=True)\n"
         "time.sleep(60)\n",
         db_url or "", str(tmp_path / "state"), write],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "stored"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    log = open_log(db_url, tmp_path / "state", salt="s")
    assert log.get("k" + "0" * 31)["question"] == "被杀之前0"
    if write == "log":
        assert log.count() == 40 and log.get(f"k{39:031d}")["question"] == "被杀之前39"
        assert list(log.journal_dir.iterdir()) == []
    log.close()


def test_sqlite_is_wal_and_full_sync(tmp_path):
    log = open_log(None, tmp_path, salt="s")
    assert log.url == "sqlite:///" + str((tmp_path / "assistant.db").resolve())
    with log.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    log.close()


def test_resolve_url(tmp_path):
    assert resolve_url(None, tmp_path / "x") == "sqlite:///" + str((tmp_path / "x" / "assistant.db").resolve())
    assert (tmp_path / "x").is_dir()
    assert resolve_url("postgresql://u:p@db:5432/log", tmp_path) == "postgresql+psycopg://u:p@db:5432/log"
    assert resolve_url("postgres://u@db/log", tmp_path) == "postgresql+psycopg://u@db/log"
    assert resolve_url("sqlite:////tmp/a.db", tmp_path) == "sqlite:////tmp/a.db"
    with pytest.raises(ValueError):
        resolve_url("mysql://u@db/log", tmp_path)
    with pytest.raises(ValueError):
        resolve_url("not a url", tmp_path)


def test_salt_file_is_private_and_stable(tmp_path):
    salt = resolve_salt(tmp_path)
    assert len(salt) == 64
    assert (tmp_path / "hash_salt.key").stat().st_mode & 0o777 == 0o600
    assert resolve_salt(tmp_path) == salt
    assert resolve_salt(tmp_path, "from-env") == b"from-env"
    a = QuestionLog("sqlite://", salt)
    b = QuestionLog("sqlite://", b"other")
    assert a.hash("1.2.3.4") == a.hash("1.2.3.4") != b.hash("1.2.3.4")
    assert a.hash(None) is None and a.hash("") is None


def test_percentile():
    assert percentile([], 50) is None
    assert percentile([7.0], 99) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 100) == 4.0
