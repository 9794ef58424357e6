"""Question log: every question and answer, and the feedback on answers.

SQLite by default (``<state_dir>/assistant.db``, WAL journal, ``synchronous=FULL``), PostgreSQL when
the URL says so (SQLAlchemy Core over psycopg 3).

Two ways in. ``add`` commits before it returns (the channels use it, off the event loop). ``log`` is
for the web API's answers, on the event loop, before the response: it appends the row to this
process's journal (``<state_dir>/question-log-journal/``, one JSON line per answer) and returns; a
background thread writes what gathered in the journal to the database every ``JOURNAL_LINGER``
seconds, all of it in one transaction (group commit), and then drops the journal lines. Either way a
record the user has been answered with survives a kill -9 of the server: once ``os.write`` has
returned, the line is the operating system's, not the process's, and the next ``open_log`` writes the
journals of processes that are gone into the database. Reads (``get``, ``stats``, ...) and feedback
first wait for the journal to be written, so they see every answer logged before them.

Personal data is kept minimal: the question text is stored; client addresses and channel user ids
only as salted HMAC-SHA256 hashes (salt from ``ASSISTANT_HASH_SALT`` or a file in the data folder),
hashed before they reach the journal too.
"""
from __future__ import annotations

import fcntl
import hashlib
import hmac
import itertools
import json
import logging
import os
import re
import secrets
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

log = logging.getLogger(__name__)

# Days are counted in China Standard Time (UTC+8, no daylight saving): the help desk's working day.
LOCAL_TZ = timezone(timedelta(hours=8))
UNANSWERED = ("not_listed", "out_of_scope", "clarify")
STATUSES = ("answered",) + UNANSWERED + ("error",)   # error: refused input or an internal failure (issue 15)
RATINGS = ("up", "down")
MAX_QUESTION = 2000
MAX_COMMENT = 1000
SALT_FILE = "hash_salt.key"

metadata = sa.MetaData()

questions = sa.Table(
    "questions", metadata,
    sa.Column("answer_id", sa.String(64), primary_key=True),
    sa.Column("ts", sa.String(32), nullable=False, index=True),      # UTC, "YYYY-MM-DDTHH:MM:SS.mmmZ"
    sa.Column("day", sa.String(10), nullable=False, index=True),     # local (UTC+8) date, YYYY-MM-DD
    sa.Column("channel", sa.String(16), nullable=False, index=True),
    sa.Column("session_id", sa.String(128)),
    sa.Column("user_hash", sa.String(64)),
    sa.Column("client_hash", sa.String(64)),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("matters", sa.Text, nullable=False),                   # JSON list
    sa.Column("anchors", sa.Text, nullable=False),                   # JSON list of citation labels
    sa.Column("latency_ms", sa.Float),
)

feedback = sa.Table(
    "feedback", metadata,
    sa.Column("answer_id", sa.String(64), sa.ForeignKey("questions.answer_id"), primary_key=True),
    sa.Column("ts", sa.String(32), nullable=False, index=True),
    sa.Column("rating", sa.String(8), nullable=False, index=True),
    sa.Column("comment", sa.Text),
)

QUESTION_COLUMNS = tuple(c.name for c in questions.columns)
# Rows per INSERT statement when a group is written to SQLite (12 parameters a row; SQLite >= 3.32
# allows 32766 parameters per statement, older versions 999).
SQLITE_ROWS_PER_INSERT = 80 if sqlite3.sqlite_version_info < (3, 32) else 1000

JOURNAL_DIR = "question-log-journal"     # under the state folder
JOURNAL_LINGER = 0.05                    # seconds the journal's answers gather before they are written
JOURNAL_FILE_BYTES = 1 << 20             # a journal file past this size is replaced by a fresh one
JOURNAL_RETRY_SECONDS = 2.0              # the database was unavailable: try again after this long
_encode_row = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

CSV_COLUMNS = ["answer_id", "time", "day", "channel", "session_id", "question", "status",
               "matters", "anchors", "latency_ms", "rating", "comment"]


def create_tables(meta: sa.MetaData, engine: Engine) -> None:
    """`create_all`, safe when several workers start at once on a new database (each would otherwise see
    no table and create it: the loser's CREATE fails). PostgreSQL: under a transaction-level advisory
    lock. SQLite: tried again after a clash."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(7268530011)"))   # any fixed number
            meta.create_all(conn)
        return
    for attempt in range(5):
        try:
            meta.create_all(engine)
            return
        except sa.exc.OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.1 * (attempt + 1))


def resolve_url(db_url: str | None, state_dir: Path) -> str:
    """The SQLAlchemy URL for a configured ``ASSISTANT_DB_URL`` (None → SQLite file in state_dir)."""
    if not db_url:
        state_dir.mkdir(parents=True, exist_ok=True)
        return "sqlite:///" + str((state_dir / "assistant.db").resolve())
    scheme, sep, rest = db_url.partition("://")
    if not sep:
        raise ValueError(f"无法识别的数据库地址：{db_url!r}")
    scheme = scheme.lower()
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return "postgresql+psycopg://" + rest
    if scheme == "sqlite":
        return db_url
    raise ValueError(f"不支持的数据库类型：{scheme}（请使用 postgresql:// 或留空使用 SQLite）")


def resolve_salt(state_dir: Path, env_salt: str | None = None) -> bytes:
    """The hashing salt: ``ASSISTANT_HASH_SALT`` if given, else a random one kept in state_dir."""
    if env_salt:
        return env_salt.encode("utf-8")
    path = state_dir / SALT_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    state_dir.mkdir(parents=True, exist_ok=True)
    salt = secrets.token_hex(32).encode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as f:
        f.write(salt)
        f.flush()
        os.fsync(f.fileno())
    return salt


def _format_ts(when: datetime) -> str:
    when = when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str) and value:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        return datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when


# The API's own record time: datetime.now(timezone.utc).isoformat(timespec="milliseconds").
_API_TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")
_LOCAL_DAY_OF_UTC_HOUR: dict[str, str] = {}


def _ts_and_day(value: Any) -> tuple[str, str]:
    """(UTC time as stored, local day) of a record's time. The API's format takes a short cut (this runs
    for every answer): the stored form is a prefix of it, and the local day follows from the UTC hour
    (UTC+8 is a whole number of hours), looked up once per hour."""
    if isinstance(value, str) and len(value) == 29 and _API_TIME_RE.fullmatch(value):
        hour = value[:13]
        day = _LOCAL_DAY_OF_UTC_HOUR.get(hour)
        if day is None:
            day = datetime.fromisoformat(hour + ":00:00+00:00").astimezone(LOCAL_TZ).strftime("%Y-%m-%d")
            if len(_LOCAL_DAY_OF_UTC_HOUR) > 1000:
                _LOCAL_DAY_OF_UTC_HOUR.clear()
            _LOCAL_DAY_OF_UTC_HOUR[hour] = day
        return value[:23] + "Z", day
    when = _parse_time(value)
    return _format_ts(when), when.astimezone(LOCAL_TZ).strftime("%Y-%m-%d")


@lru_cache(maxsize=4096)
def _json_tuple(items: tuple[str, ...]) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def _json_list(value: Any) -> str:
    if not value:
        return "[]"
    # The same matters and citations come back again and again: their JSON is cached.
    return _json_tuple(tuple(v if type(v) is str else str(v) for v in value if v is not None))


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100) of an ascending list."""
    if not sorted_values:
        return None
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    frac = pos - lo
    return float(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac)


def since_day(days: int, today: str | None = None) -> str:
    """The first local day of the last `days` days, today included."""
    end = datetime.strptime(today, "%Y-%m-%d").date() if today else datetime.now(LOCAL_TZ).date()
    return (end - timedelta(days=days - 1)).isoformat()


class QuestionLog:
    """The log store. Thread-safe (SQLAlchemy's pool, a lock around the journal)."""

    def __init__(self, url: str, salt: bytes, journal_dir: Path | None = None) -> None:
        self.url = url
        self._salt = salt
        self.dialect = url.split(":", 1)[0].split("+", 1)[0]
        if self.dialect == "sqlite":
            self.engine: Engine = sa.create_engine(url, connect_args={"timeout": 30})
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
        create_tables(metadata, self.engine)
        # Hashes of recent identifiers are kept (in memory only): a client asks more than once.
        self._hash = lru_cache(maxsize=4096)(self._hmac)
        # The journal (see the module's docstring); None: `log` is `add`.
        self.journal_dir = journal_dir
        self._jlock = threading.Lock()          # journal file, pending rows and counters change together
        self._file: _JournalFile | None = None  # where `log` appends
        self._retired: list[_JournalFile] = []  # full files, removed once their rows are in the database
        self._pending: list[tuple[Any, ...]] = []
        self._logged = 0                        # rows given to `log`
        self._written = 0                       # of those, rows the writer is done with
        self._written_cond = threading.Condition()
        self._wake = threading.Event()          # rows are pending
        self._hurry = threading.Event()         # someone waits for them: no lingering
        self._writer: threading.Thread | None = None
        self._closing = False                   # `log` is `add` from now on
        self._stopped = False                   # the writer thread ends
        if journal_dir is not None:
            self.recover()

    # -- writing -------------------------------------------------------------------------------

    def hash(self, value: str | None) -> str | None:
        """Salted hash of a personal identifier (client address, channel user id); None stays None."""
        if value is None or value == "":
            return None
        return self._hash(str(value))

    def _hmac(self, value: str) -> str:
        return hmac.new(self._salt, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def _question_row(self, record: dict[str, Any]) -> tuple[Any, ...]:
        """The ``questions`` row (in QUESTION_COLUMNS order) for an answer record; personal identifiers
        are hashed here. Runs for every answer, on the event loop (`log`): kept cheap."""
        answer_id = str(record.get("answer_id") or "")
        if not answer_id:
            raise ValueError("record without answer_id")
        ts, day = _ts_and_day(record.get("time"))
        latency = record.get("latency_ms")
        session_id = record.get("session_id")
        return (
            answer_id[:64],
            ts,
            day,
            str(record.get("channel") or "unknown")[:16],
            str(session_id)[:128] if session_id else None,
            record.get("user_hash") or self.hash(record.get("user")),
            self.hash(record.get("client")),
            str(record.get("question") or "")[:MAX_QUESTION],
            str(record.get("status") or "unknown")[:16],
            _json_list(record.get("matters")),
            _json_list(record.get("anchors")),
            float(latency) if latency is not None else None,
        )

    def _insert(self, conn: sa.Connection, rows: list[tuple[Any, ...]], *, ignore_known: bool = False) -> None:
        """INSERT the rows; with ``ignore_known`` a row whose answer id is already stored is skipped
        (journal lines are written at least once)."""
        if self.dialect == "sqlite":
            # One multi-row INSERT rather than executemany: SQLAlchemy's executemany costs tens of
            # microseconds of Python per row (under the GIL the event loop needs too).
            for start in range(0, len(rows), SQLITE_ROWS_PER_INSERT):
                chunk = rows[start:start + SQLITE_ROWS_PER_INSERT]
                conn.exec_driver_sql(_sqlite_insert_sql(len(chunk), ignore_known),
                                     tuple(itertools.chain.from_iterable(chunk)))
        else:
            # SQLAlchemy sends a group to PostgreSQL as multi-row INSERTs ("insertmanyvalues").
            stmt = pg_insert(questions).on_conflict_do_nothing() if ignore_known else questions.insert()
            conn.execute(stmt, [dict(zip(QUESTION_COLUMNS, row)) for row in rows])

    def add(self, record: dict[str, Any]) -> None:
        """Store one answered question. ``client`` and ``user`` are hashed here, never stored raw.
        Returns only after the transaction is committed (durable)."""
        row = self._question_row(record)
        with self.engine.begin() as conn:
            self._insert(conn, [row])

    # -- the journal (answers on the event loop) ------------------------------------------------

    def log(self, record: dict[str, Any]) -> None:
        """Store one answered question without waiting for the database: the row (personal identifiers
        hashed) is appended to this process's journal, and the writer thread puts it in the database
        with the others of the next ``JOURNAL_LINGER`` seconds, in one transaction. Returns once the
        line is written to the journal file (``os.write``: the operating system has it, a kill -9 of
        the process cannot take it back). Meant for the event loop: no lock is held for long, nothing
        waits for the disk. Without a journal folder, or once the log is closing, this is ``add``."""
        if self.journal_dir is None or self._closing:
            self.add(record)
            return
        row = self._question_row(record)
        line = _encode_row(row).encode("utf-8") + b"\n"
        with self._jlock:
            closing = self._closing
            if not closing:
                if self._file is None:
                    self._file = _JournalFile.create(self.journal_dir)
                self._file.append(line)
                self._pending.append(row)
                self._logged += 1
                if self._writer is None:
                    self._writer = threading.Thread(target=_journal_writer, name="qlog-writer", daemon=True,
                                                    args=(weakref.ref(self), self._wake, self._hurry))
                    self._writer.start()
        if closing:                     # closed meanwhile
            self.add(record)
        elif not self._wake.is_set():
            self._wake.set()

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every row given to ``log`` so far is in the database (or refused by it). Reads
        call this, so they see every answer logged before them. False if that took over ``timeout``."""
        target = self._logged
        if self._written >= target:
            return True
        self._hurry.set()
        self._wake.set()
        with self._written_cond:
            return self._written_cond.wait_for(lambda: self._written >= target, timeout)

    def _write_journal(self) -> None:
        """The writer thread's turn: everything pending, in one transaction; then the journal files
        whose rows are all in the database are removed."""
        fresh = None
        current = self._file
        if current is not None and current.size >= JOURNAL_FILE_BYTES:
            fresh = _JournalFile.create(self.journal_dir)     # made outside the lock `log` takes
        with self._jlock:
            self._wake.clear()
            self._hurry.clear()
            rows, self._pending = self._pending, []
            upto = self._logged
            if fresh is not None and self._file is current and not self._stopped:
                self._retired.append(current)
                self._file, fresh = fresh, None
            retired = list(self._retired)
        if fresh is not None:           # closed meanwhile: not needed
            fresh.remove()
        left = self._store_rows(rows) if rows else []
        if left:                        # the database is unavailable: the rows wait, in order, and so do their files
            with self._jlock:
                self._pending[:0] = left
            self._hurry.wait(JOURNAL_RETRY_SECONDS)
            self._wake.set()
            return
        for file in retired:
            file.remove()
        with self._jlock:
            self._retired = [f for f in self._retired if f not in retired]
        with self._written_cond:
            self._written = upto
            self._written_cond.notify_all()

    def _store_rows(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Write rows in one transaction. Returns the rows still to be written: the database was
        unavailable (try again later). A row the database refuses is logged and dropped."""
        try:
            with self.engine.begin() as conn:
                self._insert(conn, rows, ignore_known=True)
            return []
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            log.warning("question log: %d answers wait for the database (%s)", len(rows), exc)
            return rows
        except Exception:  # noqa: BLE001 - find the row it is, keep the others
            if len(rows) == 1:
                log.exception("question log: answer %s not stored", rows[0][0])
                return []
        for i, row in enumerate(rows):
            if self._store_rows([row]):
                return rows[i:]
        return []

    def recover(self) -> int:
        """Write the journals of processes that are gone (a kill -9 between an answer and the writer's
        turn) into the database, then remove them; a journal a running process holds is left alone.
        Returns the number of rows read (some may have been in the database already)."""
        if self.journal_dir is None or not self.journal_dir.is_dir():
            return 0
        total = 0
        for path in sorted(self.journal_dir.iterdir()):
            if not (path.suffix == ".jsonl" or path.name.endswith(".tmp")):
                continue
            with _JournalFile.claim(path) as claimed:
                if claimed is None:                   # a live process's journal
                    continue
                rows = claimed.rows()
                if rows:
                    try:
                        with self.engine.begin() as conn:
                            self._insert(conn, rows, ignore_known=True)
                    except Exception:  # noqa: BLE001 - the file stays for the next start
                        log.exception("question log: journal %s could not be written", path.name)
                        continue
                    log.info("question log: %d answers from journal %s written", len(rows), path.name)
                total += len(rows)
                claimed.remove()
        return total

    def add_feedback(self, answer_id: str, rating: str, comment: str | None = None,
                     when: datetime | None = None) -> bool:
        """Record (or replace) the feedback on one answer. False when the answer id is unknown.
        A later rating replaces an earlier one; an empty comment keeps the earlier comment."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}")
        comment = (comment or "").strip()[:MAX_COMMENT] or None
        values = {"ts": _format_ts(when or datetime.now(timezone.utc)), "rating": rating}
        row = {"answer_id": answer_id, "comment": comment, **values}
        insert = sqlite_insert if self.dialect == "sqlite" else pg_insert
        stmt = insert(feedback).values(**row)
        self.flush()                    # the answer may be in the journal still
        stmt = stmt.on_conflict_do_update(
            index_elements=[feedback.c.answer_id],
            set_={"ts": stmt.excluded.ts, "rating": stmt.excluded.rating,
                  "comment": sa.func.coalesce(stmt.excluded.comment, feedback.c.comment)})
        with self.engine.begin() as conn:
            known = conn.execute(sa.select(questions.c.answer_id)
                                 .where(questions.c.answer_id == answer_id)).first()
            if known is None:
                return False
            conn.execute(stmt)
        return True

    # -- reading -------------------------------------------------------------------------------

    def get(self, answer_id: str) -> dict[str, Any] | None:
        self.flush()
        with self.engine.connect() as conn:
            row = conn.execute(self._joined().where(questions.c.answer_id == answer_id)).mappings().first()
        return self._row(row) if row else None

    def count(self) -> int:
        self.flush()
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(questions)).scalar_one())

    def _joined(self) -> sa.Select:
        return (sa.select(questions, feedback.c.rating, feedback.c.comment)
                .select_from(questions.outerjoin(feedback, feedback.c.answer_id == questions.c.answer_id)))

    @staticmethod
    def _row(row: Any) -> dict[str, Any]:
        return {
            "answer_id": row["answer_id"], "time": row["ts"], "day": row["day"], "channel": row["channel"],
            "session_id": row["session_id"], "user_hash": row["user_hash"], "client_hash": row["client_hash"],
            "question": row["question"], "status": row["status"],
            "matters": json.loads(row["matters"] or "[]"), "anchors": json.loads(row["anchors"] or "[]"),
            "latency_ms": row["latency_ms"], "rating": row["rating"], "comment": row["comment"],
        }

    def recent(self, limit: int = 50, status: str | None = None, contains: str | None = None) -> list[dict[str, Any]]:
        """The latest records, newest first: of one status, and/or whose question contains some words (the
        admin page picks a logged question to teach from)."""
        self.flush()
        q = questions.c
        query = self._joined().order_by(q.ts.desc(), q.answer_id.desc()).limit(limit)
        if status:
            query = query.where(q.status == status)
        if contains:
            query = query.where(q.question.contains(contains, autoescape=True))
        with self.engine.connect() as conn:
            return [self._row(r) for r in conn.execute(query).mappings().all()]

    def rows(self, since_day: str | None = None, batch: int = 1000) -> Iterator[dict[str, Any]]:
        """All records in time order (for the CSV export), fetched in batches."""
        self.flush()
        query = self._joined().order_by(questions.c.ts, questions.c.answer_id)
        if since_day:
            query = query.where(questions.c.day >= since_day)
        last: tuple[str, str] | None = None
        while True:
            q = query
            if last is not None:
                q = q.where(sa.or_(questions.c.ts > last[0],
                                   sa.and_(questions.c.ts == last[0], questions.c.answer_id > last[1])))
            with self.engine.connect() as conn:
                chunk = conn.execute(q.limit(batch)).mappings().all()
            for row in chunk:
                yield self._row(row)
            if len(chunk) < batch:
                return
            last = (chunk[-1]["ts"], chunk[-1]["answer_id"])

    def stats(self, days: int | None = None, top: int = 20, today: str | None = None) -> dict[str, Any]:
        """Totals, per day/status/channel, latency percentiles, top unanswered questions, disliked answers.
        ``days`` limits to the last N local days (including today); None → all time."""
        self.flush()
        since = since_day(days, today) if days else None
        q = questions.c
        cond = q.day >= since if since else sa.true()
        with self.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(questions).where(cond)).scalar_one()
            sessions = conn.execute(sa.select(sa.func.count(sa.distinct(q.session_id)))
                                    .where(cond)).scalar_one()
            per_status = dict(conn.execute(sa.select(q.status, sa.func.count())
                                           .where(cond).group_by(q.status)).all())
            per_channel = dict(conn.execute(sa.select(q.channel, sa.func.count())
                                            .where(cond).group_by(q.channel)).all())
            per_day_rows = conn.execute(
                sa.select(q.day, q.status, sa.func.count()).where(cond).group_by(q.day, q.status)
                .order_by(q.day)).all()
            latencies = sorted(v for (v,) in conn.execute(
                sa.select(q.latency_ms).where(cond, q.latency_ms.is_not(None))).all())
            top_unanswered: dict[str, list[dict]] = {}
            for status in UNANSWERED:
                rows = conn.execute(
                    sa.select(q.question, sa.func.count().label("n"), sa.func.max(q.ts).label("last"))
                    .where(cond, q.status == status).group_by(q.question)
                    .order_by(sa.desc("n"), sa.desc("last")).limit(top)).all()
                top_unanswered[status] = [{"question": r[0], "count": int(r[1]), "last": r[2]} for r in rows]
            fcond = feedback.c.ts >= since if since else sa.true()
            ratings = dict(conn.execute(sa.select(feedback.c.rating, sa.func.count())
                                        .where(fcond).group_by(feedback.c.rating)).all())
            disliked = conn.execute(
                sa.select(q.answer_id, q.ts, q.channel, q.question, q.status, q.anchors,
                          feedback.c.comment, feedback.c.ts.label("feedback_time"))
                .select_from(feedback.join(questions, feedback.c.answer_id == q.answer_id))
                .where(fcond, feedback.c.rating == "down")
                .order_by(feedback.c.ts.desc()).limit(top)).mappings().all()

        per_day: dict[str, dict[str, int]] = {}
        for day, status, n in per_day_rows:
            per_day.setdefault(day, {})[status] = int(n)
        per_day_list = []
        if per_day:
            first = datetime.strptime(since or min(per_day), "%Y-%m-%d").date()
            last = datetime.strptime(max(per_day), "%Y-%m-%d").date()
            if days:
                last = max(last, datetime.strptime(today, "%Y-%m-%d").date() if today
                           else datetime.now(LOCAL_TZ).date())
            d = first
            while d <= last:
                key = d.isoformat()
                counts = per_day.get(key, {})
                per_day_list.append({"day": key, "total": sum(counts.values()),
                                     **{s: counts.get(s, 0) for s in STATUSES}})
                d += timedelta(days=1)
        unanswered = sum(int(per_status.get(s, 0)) for s in UNANSWERED)
        return {
            "since": since,
            "totals": {
                "questions": int(total),
                "sessions": int(sessions),
                "answered": int(per_status.get("answered", 0)),
                "unanswered": unanswered,
                "answered_rate": round(int(per_status.get("answered", 0)) / total, 4) if total else None,
                "feedback_up": int(ratings.get("up", 0)),
                "feedback_down": int(ratings.get("down", 0)),
            },
            "per_day": per_day_list,
            "per_status": {k: int(v) for k, v in per_status.items()},
            "per_channel": {k: int(v) for k, v in per_channel.items()},
            "latency_ms": {
                "count": len(latencies),
                "p50": percentile(latencies, 50), "p90": percentile(latencies, 90),
                "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
                "max": float(latencies[-1]) if latencies else None,
            },
            "top_unanswered": top_unanswered,
            "disliked": [{"answer_id": r["answer_id"], "time": r["ts"], "channel": r["channel"],
                          "question": r["question"], "status": r["status"],
                          "anchors": json.loads(r["anchors"] or "[]"), "comment": r["comment"],
                          "feedback_time": r["feedback_time"]} for r in disliked],
        }

    def close(self) -> None:
        """Write what the journal holds, remove its files, stop the writer, close the connections."""
        if self.journal_dir is not None:
            with self._jlock:
                self._closing = True            # answers from now on are committed by `add`
            done = self.flush()
            with self._jlock:
                self._stopped = True
                files = [f for f in (*self._retired, self._file) if f is not None]
                self._file, self._retired = None, []
                writer, self._writer = self._writer, None
            for file in files:
                if done:
                    file.remove()
                else:                   # left for the next start (recover)
                    file.close()
            self._hurry.set()
            self._wake.set()
            if writer is not None:
                writer.join(timeout=10)
        self.engine.dispose()


def _journal_writer(ref: weakref.ref[QuestionLog], wake: threading.Event, hurry: threading.Event) -> None:
    """The writer thread: waits for rows, lets more gather for JOURNAL_LINGER, writes them."""
    while True:
        if not wake.wait(1.0):
            if ref() is None:
                return
            continue
        hurry.wait(JOURNAL_LINGER)
        store = ref()
        if store is None or store._stopped:
            return
        try:
            store._write_journal()
        except Exception:  # noqa: BLE001 - the rows stay pending; try again
            log.exception("question log: writing the journal failed")
            hurry.wait(JOURNAL_RETRY_SECONDS)
        del store


class _JournalFile:
    """One journal file, held with an exclusive flock for as long as its process may need it: other
    processes' `recover` skip it. Created under a dot name and renamed once locked, so no one can
    claim it in between."""

    def __init__(self, fd: int, path: Path) -> None:
        self.fd: int | None = fd
        self.path = path
        self.size = 0

    @classmethod
    def create(cls, folder: Path) -> _JournalFile:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = f"{os.getpid()}-{secrets.token_hex(6)}"
        tmp = folder / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        path = folder / f"{name}.jsonl"
        os.rename(tmp, path)
        return cls(fd, path)

    @classmethod
    @contextmanager
    def claim(cls, path: Path) -> Iterator[_JournalFile | None]:
        """The file, locked, if no running process holds it; None otherwise."""
        try:
            fd = os.open(path, os.O_RDWR | os.O_APPEND)
        except FileNotFoundError:
            yield None
            return
        file = cls(fd, path)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield None
                return
            yield file
        finally:
            file.close()

    def append(self, line: bytes) -> None:
        assert self.fd is not None
        done = os.write(self.fd, line)
        while done < len(line):         # a short write (rare for a regular file): the rest
            done += os.write(self.fd, line[done:])
        self.size += done

    def rows(self) -> list[tuple[Any, ...]]:
        assert self.fd is not None
        with open(self.fd, "rb", closefd=False) as f:
            f.seek(0)
            data = f.read()
        rows = []
        for n, line in enumerate(data.split(b"\n"), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, list) or len(row) != len(QUESTION_COLUMNS):
                    raise ValueError("not a row")
            except ValueError:          # e.g. a line cut short by an operating system crash
                log.warning("question log: journal %s line %d is unreadable; skipped", self.path.name, n)
                continue
            rows.append(tuple(row))
        return rows

    def remove(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        except OSError as exc:          # its rows are in the database: a leftover is only read again
            log.warning("question log: journal %s not removed: %s", self.path.name, exc)
        self.close()

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)           # releases the lock
            self.fd = None

    __del__ = close


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
    finally:
        cur.close()


@lru_cache(maxsize=None)
def _sqlite_insert_sql(rows: int, ignore_known: bool = False) -> str:
    values = "(" + ", ".join("?" * len(QUESTION_COLUMNS)) + ")"
    verb = "INSERT OR IGNORE" if ignore_known else "INSERT"
    return f"{verb} INTO questions ({', '.join(QUESTION_COLUMNS)}) VALUES " + ", ".join([values] * rows)


def open_log(db_url: str | None, state_dir: Path, salt: str | None = None) -> QuestionLog:
    """Open (and create if needed) the question log configured by ``ASSISTANT_DB_URL``."""
    url = resolve_url(db_url, state_dir)
    return QuestionLog(url, resolve_salt(state_dir, salt), journal_dir=state_dir / JOURNAL_DIR)
