"""Teachings: the help desk tells the assistant which listed matter a phrasing names, never what the answer is.

A teaching is one of:
- ``link``: a phrasing names a matter of a plan (optionally at one of the matter's levels): "县里搞软件合规检查
  的钱谁出" → 软件正版化工作组织推进. The phrasing kept is the question's matter span (the question without its
  level, place and question words, as the frame reads it), so close variants ("软件合规检查是不是市里出") read
  the same way, and the level and the verdict still come from the question and the rules;
- ``not_listed``: a phrasing is truly not in the plan (not listed, no look-alike offered);
- ``synonym``: a user's word means a word of the plan (like thesaurus.yaml, while the plan is loaded).
None carries a verdict, a quote or a level outcome of its own: a link only makes the phrasing a match of a
matter that rules/ has, at a level that matter has an outcome for, and decide() answers it from the rules.

Storage: the table ``assistant_teachings`` in the shared state's database (SQLite beside the question log,
or the PostgreSQL of ``ASSISTANT_DB_URL``), with who, when, the question and the answers before and after.
Users' taps on "您问的是不是…" options are rows too (status ``candidate``, counted); nothing a user does
is learned until an admin approves it. Every change to the teachings in force moves the revision of the
shared state's namespace ``teach``; each worker's `TaughtSource` notices it (a `NamespaceCache`) and
recompiles the taught phrasings only, never the plans' indexes; the web API's answer cache follows the
revision.

Before a teaching is saved, the question cases (`case_files`) and the teachings' own cases are answered
with and without it; when an answer changes, the save needs a confirmation (`NeedsConfirm`). Export writes
a YAML file that is both the reviewed teachings (import reads it) and an `assistant eval` case file.
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import sqlalchemy as sa
import yaml

from assistant.config import PROJECT_ROOT, Settings
from assistant.service.sessions import NamespaceCache, SharedState

if TYPE_CHECKING:   # type hints only: the engine imports nothing of the help desk
    from assistant.engine import Assistant
    from assistant.language.lexicon import Lexicon
    from assistant.document.index import DocIndex

log = logging.getLogger("assistant.helpdesk.teach")

TEACH_NS = "teach"              # the shared state's namespace whose revision moves with the teachings in force
CHECK_SECONDS = 0.5             # how long a worker trusts its copy before reading the revision again
KINDS = ("link", "not_listed", "synonym")
STATUSES = ("active", "undone", "candidate", "rejected")
MAX_WORD = 20                   # a synonym's word and meaning, in characters
MAX_WHO = 64
CHANGES_SHOWN = 50              # changed cases returned to the admin at most

teach_metadata = sa.MetaData()

teachings_table = sa.Table(
    "assistant_teachings", teach_metadata,
    sa.Column("id", sa.String(24), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("phrasing", sa.Text, nullable=False),          # the matter span taught; a synonym's word
    sa.Column("doc_id", sa.String(128)),
    sa.Column("matter_id", sa.String(64)),
    sa.Column("level", sa.String(64)),
    sa.Column("word", sa.String(64)),
    sa.Column("means", sa.String(64)),
    sa.Column("who", sa.String(MAX_WHO)),
    sa.Column("when", sa.String(32), nullable=False),         # UTC, ISO 8601; the last change of status
    sa.Column("question", sa.Text, nullable=False),           # the question it was taught from (its example)
    sa.Column("answer_before", sa.Text),                      # JSON: status, answer, findings, anchors
    sa.Column("answer_after", sa.Text),
    sa.Column("count", sa.Integer, nullable=False, server_default="1"),   # candidates: how often users picked it
)


class TeachError(ValueError):
    """A teaching refused; `message` is for the admin (Chinese), `status` the HTTP status to answer with:
    404 an unknown plan, matter or teaching; 409 (the default) a teaching that conflicts with the loaded rules
    or with the teachings in force (a level the matter lacks, another plan's matter, …); 422 a malformed one
    (what the API's request schema already excludes)."""

    def __init__(self, message: str, status: int = 409, code: str = "invalid_teaching") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class NeedsConfirm(Exception):
    """Saving the proposal would change the answers of existing cases: shown to the admin first."""

    def __init__(self, proposal: "Proposal") -> None:
        super().__init__(f"{len(proposal.changes)} cases change")
        self.proposal = proposal


@dataclass(frozen=True)
class Teaching:
    id: str
    kind: str
    phrasing: str
    question: str
    status: str = "active"
    doc_id: str | None = None
    matter_id: str | None = None
    level: str | None = None
    word: str | None = None
    means: str | None = None
    who: str | None = None
    when: str = ""
    answer_before: str | None = None
    answer_after: str | None = None
    count: int = 1

    def public(self, engine: Assistant | None = None) -> dict[str, Any]:
        """As the admin API and `teach list --json` show it (with the matter's name when the plan is loaded)."""
        out = asdict(self)
        for key in ("answer_before", "answer_after"):
            out[key] = json.loads(out[key]) if out[key] else None
        if engine is not None and self.matter_id:
            ix = engine.index_of(self.doc_id) if self.doc_id else None
            matter = _matter(ix, self.matter_id) if ix is not None else None
            out["matter_name"] = matter["name"] if matter else None
            out["doc_title"] = ix.doc.title if ix is not None else None
        return out


def _now() -> str:
    """UTC to the microsecond: teachings are listed (and exported) in the order they were taught."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _matter(ix: DocIndex, matter_id: str) -> dict | None:
    return next((e.matter for e in ix.matters if e.matter["id"] == matter_id), None)


# --------------------------------------------------------------------------- storage

class TeachStore:
    """The teachings table in the shared state's database; writes that change what is in force move the
    namespace's revision in the same transaction."""

    def __init__(self, state: SharedState) -> None:
        from assistant.helpdesk.log import create_tables

        self.state = state
        create_tables(teach_metadata, state.engine)

    @staticmethod
    def _teaching(row: Any) -> Teaching:
        return Teaching(**{c.name: row[c.name] for c in teachings_table.columns})

    def active(self) -> tuple[Teaching, ...]:
        """The teachings in force, oldest first."""
        return tuple(self.list("active"))

    def list(self, status: str | None = None) -> list[Teaching]:
        t = teachings_table.c
        query = sa.select(teachings_table)
        if status:
            query = query.where(t.status == status)
        order = (t.count.desc(), t["when"].desc(), t.id) if status == "candidate" else (t["when"], t.id)
        with self.state.engine.connect() as conn:
            return [self._teaching(r) for r in conn.execute(query.order_by(*order)).mappings()]

    def get(self, teaching_id: str) -> Teaching | None:
        with self.state.engine.connect() as conn:
            row = conn.execute(sa.select(teachings_table).where(teachings_table.c.id == teaching_id)).mappings().first()
        return self._teaching(row) if row else None

    def put(self, teaching: Teaching) -> None:
        """Insert or replace a teaching (by id) and move the revision."""
        values = asdict(teaching)
        with self.state.engine.begin() as conn:
            conn.execute(teachings_table.delete().where(teachings_table.c.id == teaching.id))
            conn.execute(teachings_table.insert().values(**values))
            self.state.bump(conn, TEACH_NS)

    def set_status(self, teaching_id: str, status: str, when: str, expect: tuple[str, ...]) -> bool:
        """Change a teaching's status if it is one of `expect`; False when there is no such teaching."""
        t = teachings_table.c
        with self.state.engine.begin() as conn:
            done = conn.execute(teachings_table.update().where(t.id == teaching_id, t.status.in_(expect))
                                .values(status=status, **{"when": when})).rowcount
            if done:
                self.state.bump(conn, TEACH_NS)
        return bool(done)

    def add_candidate(self, teaching: Teaching) -> None:
        """Count a user's pick (a candidate link). The id is the pick's own (plan, phrasing, matter): the same
        pick again adds one; a pick of an undone teaching makes it a candidate again. Nothing in force moves."""
        t = teachings_table.c
        with self.state.engine.begin() as conn:
            known = conn.execute(sa.select(t.status).where(t.id == teaching.id)).scalar()
            if known is None:
                conn.execute(teachings_table.insert().values(**asdict(teaching)))
                return
            again = {"status": "candidate"} if known == "undone" else {}
            conn.execute(teachings_table.update().where(t.id == teaching.id)
                         .values(count=t.count + 1, question=teaching.question, **{"when": teaching.when}, **again))


# --------------------------------------------------------------------------- applying them

@dataclass(frozen=True)
class Alias:
    """A taught phrasing of one plan: its words (as the frame reads them) and what it names."""
    words: tuple[str, ...]
    teaching: Teaching

    @property
    def joined(self) -> str:
        return "".join(self.words)


@dataclass
class Reading:
    """What a taught phrasing makes of a question for one plan (see `frame.analyze`)."""
    matches: list
    unexplained: list[str]
    weights: dict[str, float]
    mentions: list
    not_listed: str | None = None


@dataclass(frozen=True)
class Taught:
    """The teachings in force, compiled against the loaded plans: what `frame.analyze` reads."""
    version: int
    aliases: dict[str, tuple[Alias, ...]] = field(default_factory=dict)   # doc_id → most words first
    lexicon: Any = None          # the engine's lexicon with the taught synonyms, or None when there are none
    lex: Any = None              # the lexicon the aliases were read with
    tok: Any = None
    teachings: tuple[Teaching, ...] = ()

    def read(self, index: DocIndex, units: list[str], mentions: list, text: str,
             significant: Callable[[str], bool]) -> Reading | None:
        """The reading of the first taught phrasing of this plan that the question says — each of its words is
        in the question, and every other content word of the question names nothing (a question with more
        in it is left to the ordinary matching) — or None."""
        aliases = self.aliases.get(index.doc_id)
        if not aliases or not units:
            return None
        from assistant.question.frame import LevelMention
        from assistant.question.match import MatterMatch, weight

        for alias in aliases:
            if not all(w in text for w in alias.words):
                continue
            covered = [u for u in units if u in alias.words or u in alias.joined]
            left = [u for u in units if u not in covered]
            if not covered or any(significant(u) for u in left):
                continue
            weights = {u: weight(u, index, self.lex, self.tok) for u in units}
            t = alias.teaching
            if t.kind == "not_listed":
                return Reading([], list(units), weights, mentions, not_listed=t.id)
            entry = next((e for e in index.matters if e.matter["id"] == t.matter_id), None)
            if entry is None:        # compiled against these rules: cannot happen, but never guess
                continue
            # A level the phrasing itself implies, where the question names none; the rules' own levels.
            if t.level and not any(m.level or m.foreign for m in mentions):
                mentions = [*mentions, LevelMention(t.level, index.label_of(t.level), False)]
            coverage = sum(weights[u] for u in covered) / (sum(weights.values()) or 1.0)
            return Reading([MatterMatch(entry, covered, coverage, True, 0.0, taught=t.id)], left, weights, mentions)
        return None


def phrase_words(engine: Assistant, ix: DocIndex, phrasing: str, lex: Lexicon) -> tuple[str, ...]:
    """A phrasing's words for one plan, read as a question is read (its level, place and question words out)."""
    from assistant.language.prepare import question_text
    from assistant.question.frame import matter_span

    text = question_text(phrasing, lex)[0]
    _, units = matter_span(text, list(engine.tokenizer.words(text)), ix, lex, engine.catalog.aliases)
    return tuple(units)


def matter_phrasing(engine: Assistant, ix: DocIndex, question: str, lex: Lexicon) -> str:
    """The question's matter span for one plan: from its first content word to its last, in the words the
    question is read in ("县里搞软件合规检查的钱谁出" → "软件合规检查"); "" when it has none."""
    from assistant.language.prepare import question_text
    from assistant.question.frame import matter_span

    text = question_text(question, lex)[0]
    _, units = matter_span(text, list(engine.tokenizer.words(text)), ix, lex, engine.catalog.aliases)
    spans = [(text.find(u), text.find(u) + len(u)) for u in units if text.find(u) >= 0]
    if not spans:
        return ""
    return text[min(s for s, _ in spans):max(e for _, e in spans)].strip("，。？！?!、 的")


def rules_problem(engine: Assistant, t: Teaching) -> str | None:
    """Why a teaching does not fit the loaded rules (a plan, matter or level they do not have), or None."""
    if t.kind == "synonym":
        return None if t.word and t.means else "同义词缺少词语或含义"
    ix = engine.index_of(t.doc_id) if t.doc_id else None
    if ix is None:
        return f"未载入方案 {t.doc_id}"
    if t.kind == "not_listed":
        return None
    matter = _matter(ix, t.matter_id or "")
    if matter is None:
        return f"《{ix.doc.title}》中没有事项 {t.matter_id}"
    if t.level and t.level not in {o["level"] for o in matter["outcomes"]}:
        have = "、".join(ix.label_of(o["level"]) for o in matter["outcomes"] if o["level"]) or "无"
        return f"事项“{matter['name']}”在方案中没有“{ix.label_of(t.level)}”层级的结论（只有：{have}）"
    return None


def taught_lexicon(engine: Assistant, synonyms: list[Teaching]) -> Lexicon | None:
    """The engine's lexicon with the taught synonyms (user's word → the plan's word), or None for none."""
    if not synonyms:
        return None
    base = engine.lexicon
    merged = {k: list(v) for k, v in base.synonyms.items()}
    for t in synonyms:
        means = base.canonicalize(t.means)    # the plans are read in canonical words ("推广" → 运用促进)
        merged.setdefault(means, [])
        if t.word not in merged[means]:
            merged[means].append(t.word)
    return replace(base, synonyms=merged, _synonym_re=None, _canonical={})


def compile_taught(engine: Assistant, teachings: tuple[Teaching, ...], version: int,
                   memo: dict | None = None) -> Taught:
    """The teachings in force as the engine reads them. Each is checked against the loaded rules again (a
    teaching of a plan not loaded, or of a matter or level the rules no longer have, is left out and
    logged); `memo` keeps each phrasing's words between versions, so a change recompiles only what changed."""
    memo = {} if memo is None else memo
    usable = []
    for t in teachings:
        problem = rules_problem(engine, t)
        if problem:
            log.warning("teaching %s left out: %s", t.id, problem)
            continue
        usable.append(t)
    synonyms = [t for t in usable if t.kind == "synonym"]
    lexicon = taught_lexicon(engine, synonyms)
    lex = lexicon or engine.lexicon
    key = tuple(sorted((t.word, t.means) for t in synonyms))
    aliases: dict[str, list[Alias]] = {}
    for t in usable:
        if t.kind == "synonym":
            continue
        ix = engine.index_of(t.doc_id)
        words = memo.get((t.doc_id, t.phrasing, key))
        if words is None:
            words = memo[(t.doc_id, t.phrasing, key)] = phrase_words(engine, ix, t.phrasing, lex)
        if words:
            aliases.setdefault(t.doc_id, []).append(Alias(words, t))
    ordered = {doc: tuple(sorted(found, key=lambda a: (-len(a.words), -len(a.joined), a.teaching.when, a.teaching.id)))
               for doc, found in aliases.items()}
    return Taught(version, ordered, lexicon, lex, engine.tokenizer, tuple(usable))


class Fixed:
    """A `TaughtSource` stand-in that always gives one snapshot (what-if answers, evaluation)."""

    def __init__(self, taught: Taught) -> None:
        self.taught = taught

    def current(self) -> Taught:
        return self.taught


class TaughtSource:
    """A worker's teachings in force: re-read from the database when the namespace's revision moved (checked
    at most every `min_interval` seconds; `refresh()` makes the next question check), compiled once per
    revision. A database that cannot be read keeps the last teachings (answers go on)."""

    def __init__(self, engine: Assistant, store: TeachStore, min_interval: float = CHECK_SECONDS) -> None:
        self.engine = engine
        self.store = store
        self.cache = NamespaceCache(store.state, TEACH_NS, load=store.active, min_interval=min_interval)
        self._rows: Any = None
        self._taught = Taught(0, lex=engine.lexicon, tok=engine.tokenizer)
        self._memo: dict = {}
        self._lock = threading.Lock()

    def current(self) -> Taught:
        try:
            rows = self.cache.current()
        except Exception:  # noqa: BLE001 - a database hiccup must not stop answers
            log.exception("teachings: could not read the revision; keeping version %s", self._taught.version)
            return self._taught
        if rows is not self._rows:
            with self._lock:
                if rows is not self._rows:
                    self._taught = compile_taught(self.engine, rows, self.cache.revision or 0, self._memo)
                    self._rows = rows
        return self._taught

    def refresh(self) -> None:
        self.cache.invalidate()


def attach(engine: Assistant, state: SharedState, min_interval: float = CHECK_SECONDS,
           store: TeachStore | None = None) -> TaughtSource:
    """Make `engine` read the teachings kept in `state`'s database (`store`: its table, when open already)."""
    source = TaughtSource(engine, store or TeachStore(state), min_interval)
    engine.teachings = source
    return source


# --------------------------------------------------------------------------- answers and cases

def summary(result: dict) -> dict[str, Any]:
    """What an answer is, for before/after and for comparing: status, text, findings, cited anchors."""
    from assistant.evaluate import short_anchor

    return {"status": result["status"], "answer": result["answer"],
            "findings": [{k: f.get(k) for k in ("matter", "level", "payer")} for f in result.get("findings") or []],
            "anchors": [short_anchor(c) for c in result.get("citations") or []]}


def case_files(settings: Settings) -> list[Path]:
    """The question cases a teaching is checked against: the data folder's `cases/*.yaml` when it has them,
    else the project's own sets (tests/cases/*.yaml, about the plans the project ships)."""
    folder = settings.data_dir / "cases" if settings.data_dir else None
    if folder is None or not folder.is_dir():
        folder = PROJECT_ROOT / "tests" / "cases"
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def teaching_case(t: Teaching, engine: Assistant, result: dict) -> dict[str, Any]:
    """A teaching as a question case (tests/cases/README.md): its question, and the answer the rules give it
    now — the matter taught, and the levels, payers and paragraphs of that matter's findings."""
    from assistant.evaluate import lead_word

    expect: dict[str, Any] = {"status": result["status"]}
    if t.kind == "link":
        ix = engine.index_of(t.doc_id)
        name = _matter(ix, t.matter_id)["name"]
        mine = [f for f in result.get("findings") or [] if f.get("matter") == name]
        expect = {"status": "answered", "matters": [name],
                  "levels": sorted({f["level"] for f in mine if f.get("level")}),
                  "payers": sorted({f["payer"] for f in mine})}
        lead = lead_word(result["answer"])
        if lead in ("是", "不是"):
            expect["lead"] = lead
        anchors = {c["label"] for c in result.get("citations") or []}
        if anchors:
            expect["anchors"] = summary(result)["anchors"]
    elif t.kind == "not_listed":
        expect = {"status": "not_listed", "payers": []}
    elif result.get("findings"):
        expect["payers"] = sorted({f["payer"] for f in result["findings"]})
    return {"id": t.id, "category": "taught", "question": t.question, "expect": expect}


# --------------------------------------------------------------------------- teaching

@dataclass
class Proposal:
    teaching: Teaching
    before: dict[str, Any]
    after: dict[str, Any]
    changes: list[dict[str, Any]]
    checked: int                  # cases answered with and without it

    def public(self, engine: Assistant | None = None) -> dict[str, Any]:
        return {"teaching": self.teaching.public(engine), "before": self.before, "after": self.after,
                "changes": self.changes[:CHANGES_SHOWN], "changed": len(self.changes), "checked": self.checked}


class Teacher:
    """Validates, checks and saves teachings for one engine (the admin API and the CLI use it)."""

    def __init__(self, engine: Assistant, store: TeachStore, source: TaughtSource | None = None,
                 cases: list[Path] | None = None) -> None:
        self.engine = engine
        self.store = store
        self.source = source
        self.cases = list(cases or [])
        self._memo: dict = {}
        self._before: tuple[Any, list] | None = None     # (key, answers of the cases) with the teachings in force
        self._lock = threading.Lock()                     # one proposal at a time (they read the same state)

    # -- what is in force ------------------------------------------------------------------------

    def _taught(self, teachings: tuple[Teaching, ...]) -> Taught:
        return compile_taught(self.engine, teachings, -1, self._memo)

    def _engine(self, taught: Taught):
        return self.engine.with_teachings(Fixed(taught))

    def _plan(self, doc_id: str | None, question: str | None = None):
        """The plan a teaching is for: the one given, else the plan the question is read against first."""
        if doc_id:
            ix = self.engine.index_of(doc_id)
            if ix is None:
                raise TeachError(f"未载入方案“{doc_id}”。已载入：{self._loaded()}", 404, "unknown_document")
            return ix
        ix = self.engine.index_of(self.engine.default_doc) if self.engine.default_doc else None
        if ix is None:
            raise TeachError("没有载入任何方案。", 404, "unknown_document")
        return ix

    def _loaded(self) -> str:
        return "、".join(f"{m['doc_id']}（{m['title']}）" for m in self.engine.documents())

    def find_matter(self, matter: str, doc_id: str | None = None) -> tuple[DocIndex, dict]:
        """(plan index, matter) for a matter's id or name as in rules/; refused when unknown, when it is
        another plan's than the one given, or when several plans have it and none is given."""
        matter = (matter or "").strip()
        if not matter:
            raise TeachError("请指定事项（名称或编号）。", 422, "invalid_request")
        found = []
        for meta in self.engine.documents():
            ix = self.engine.index_of(meta["doc_id"])
            for e in ix.matters:
                if matter in (e.matter["id"], e.matter["name"]):
                    found.append((ix, e.matter))
        if doc_id:
            ix = self._plan(doc_id)
            mine = [(i, m) for i, m in found if i.doc_id == ix.doc_id]
            if mine:
                return mine[0]
            if found:
                other = found[0][0]
                raise TeachError(f"事项“{matter}”是《{other.doc.title}》的事项，不是《{ix.doc.title}》的；"
                                 f"教学不能把一份方案里的说法关联到另一份方案的事项。", 409, "cross_plan")
            raise TeachError(f"《{ix.doc.title}》中没有事项“{matter}”（请用 rules/ 中的事项名称或编号，如 m12）。",
                             404, "unknown_matter")
        if not found:
            raise TeachError(f"已载入的方案中没有事项“{matter}”（请用 rules/ 中的事项名称或编号，如 m12）。",
                             404, "unknown_matter")
        if len({i.doc_id for i, _ in found}) > 1:
            raise TeachError(f"多份方案都有事项“{matter}”，请指定方案（--doc）："
                             + "、".join(i.doc_id for i, _ in found))
        return found[0]

    @staticmethod
    def level_of(ix: DocIndex, matter: dict, level: str | None) -> str | None:
        """The plan's level for a level word (its name, label or a user's word); refused when the matter
        has no outcome at it."""
        if not level:
            return None
        level = level.strip()
        names = {lv: lv for lv in ix.levels} | {ix.label_of(lv): lv for lv in ix.levels} | dict(ix.level_aliases)
        name = names.get(level)
        have = [o["level"] for o in matter["outcomes"] if o["level"]]
        if name is None or name not in have:
            shown = "、".join(dict.fromkeys(ix.label_of(lv) for lv in have)) or "无"
            raise TeachError(f"事项“{matter['name']}”在方案中没有“{level}”层级的结论（只有：{shown}）；"
                             f"教学不能产生方案没有的结论。", 409, "unknown_level")
        return name

    # -- proposals -----------------------------------------------------------------------------

    def propose(self, kind: str, question: str, *, matter: str | None = None, doc_id: str | None = None,
                level: str | None = None, word: str | None = None, means: str | None = None,
                who: str | None = None, teaching_id: str | None = None, check_cases: bool = True,
                base: tuple[Teaching, ...] | None = None, count: int = 1) -> Proposal:
        """Validate a teaching against the loaded rules and answer what it changes (nothing is saved).
        `base`: the teachings it joins (default: those in force)."""
        from assistant.service.inputs import QuestionError, check_question

        if kind not in KINDS:
            raise TeachError(f"未知的教学类型“{kind}”（link / not_listed / synonym）。", 422, "invalid_request")
        try:
            question = check_question(question)
        except QuestionError as err:
            raise TeachError(err.message, 422, "invalid_request") from None
        who = (who or "").strip()[:MAX_WHO] or "管理员"
        active = self.store.active() if base is None else base
        lex = self._taught(active).lex
        if kind == "synonym":
            ix = self._plan(doc_id)
            t = self._synonym(ix, question, word, means, lex)
        else:
            if kind == "link":
                ix, found = self.find_matter(matter or "", doc_id)
                level = self.level_of(ix, found, level)
            else:
                ix = self._plan(doc_id, question)
                found, level = None, None
            phrasing = matter_phrasing(self.engine, ix, question, lex)
            words = phrase_words(self.engine, ix, phrasing, lex) if phrasing else ()
            if not words:
                raise TeachError("这句话去掉层级、地名和疑问词后没有可以教的说法（例如只有“谁出钱”）。")
            self._not_too_general(ix, words, lex)
            self._names_no_other(ix, phrasing, found, lex)
            t = Teaching(id="", kind=kind, phrasing=phrasing, question=question, doc_id=ix.doc_id,
                         matter_id=found["id"] if found else None, level=level)
            self._not_taught_yet(t, active, words, lex)
            self._same_plan(ix, question)
        t = replace(t, id=teaching_id or new_teaching_id(), who=who, when=_now(), count=count)
        before_taught, after_taught = self._taught(active), self._taught((*active, t))
        before = summary(self._engine(before_taught).ask(question)[0])
        after = summary(self._engine(after_taught).ask(question)[0])
        self._took_effect(t, ix, after)
        t = replace(t, answer_before=json.dumps(before, ensure_ascii=False),
                    answer_after=json.dumps(after, ensure_ascii=False))
        changes, checked = self._changes(active, before_taught, after_taught) if check_cases else ([], 0)
        return Proposal(t, before, after, changes, checked)

    def _synonym(self, ix, question: str, word: str | None, means: str | None, lex) -> Teaching:
        word, means = (word or "").strip(), (means or "").strip()
        if not word or not means:
            raise TeachError("同义词需要“用户的说法”和“方案中的词”。", 422, "invalid_request")
        if word == means or len(word) > MAX_WORD or len(means) > MAX_WORD:
            raise TeachError(f"同义词的两个词应不同，各不超过 {MAX_WORD} 个字。")
        if means not in ix.doc.source and lex.canonicalize(means) not in ix.vocab | ix.doc_words:
            raise TeachError(f"“{means}”不是《{ix.doc.title}》原文中的词：同义词只能把用户的说法对应到方案的用词。")
        for meta in self.engine.documents():
            other = self.engine.index_of(meta["doc_id"])
            if word in other.doc.source:
                raise TeachError(f"“{word}”在《{other.doc.title}》原文中出现，不能作为同义词"
                                 f"（会改变方案本身的读法）；请改为把问题关联到事项。")
        known = {v for vs in lex.synonyms.values() for v in vs} | set(lex.synonyms)
        if word in known:
            raise TeachError(f"“{word}”已经是同义词表中的词。", 409, "duplicate")
        if word not in question:
            raise TeachError(f"例句中没有“{word}”：请给出用户用这个词问的问题。")
        return Teaching(id="", kind="synonym", phrasing=word, question=question, doc_id=ix.doc_id,
                        word=word, means=means)

    def _not_too_general(self, ix, words: tuple[str, ...], lex) -> None:
        """A phrasing made only of words several listed matters share ("补助", "保护") would take other
        matters' questions with it."""
        from assistant.question.match import covering

        if all(len(covering(w, ix, lex, self.engine.tokenizer)) >= 2 for w in words):
            raise TeachError(f"说法“{''.join(words)}”太笼统：方案中多个事项都有这些词，关联后会把其他事项的问题"
                             f"也答成所选事项。请从更具体的问题教起。")

    def _names_no_other(self, ix, phrasing: str, target: dict | None, lex) -> None:
        """A phrasing that says a listed matter's own name is that matter's: it is never linked to another
        one, nor marked as not in the plan (the plan's own words cannot be taught away)."""
        for e in ix.matters:
            if target is not None and e.matter["id"] == target["id"]:
                continue
            key = (ix.doc_id, e.matter["id"], "name")
            words = self._memo.get(key)
            if words is None:
                words = self._memo[key] = phrase_words(self.engine, ix, e.matter["name"], lex)
            if words and all(w in phrasing for w in words):
                raise TeachError(f"说法“{phrasing}”就是方案事项“{e.matter['name']}”的名称，"
                                 + ("不能关联到其他事项。" if target else "不能标记为方案未列明。"),
                                 409, "names_listed_matter")

    def _not_taught_yet(self, t: Teaching, active: tuple[Teaching, ...], words: tuple[str, ...], lex) -> None:
        for other in active:
            if other.kind == "synonym" or other.doc_id != t.doc_id:
                continue
            ix = self.engine.index_of(other.doc_id)
            if phrase_words(self.engine, ix, other.phrasing, lex) != words:
                continue
            if (other.kind, other.matter_id, other.level) == (t.kind, t.matter_id, t.level):
                raise TeachError(f"已有相同的教学 {other.id}（说法“{other.phrasing}”）。", 409, "duplicate")
            raise TeachError(f"说法“{other.phrasing}”已由教学 {other.id} 教过，请先撤销它再教。", 409, "conflict")

    def _same_plan(self, ix, question: str) -> None:
        """A question that names another plan (its place, 文号 or title) is that plan's to answer."""
        from assistant.language.prepare import question_text
        from assistant.question.frame import analyze

        lex = self.engine.lexicon
        prepared = question_text(question, lex)
        indexes = [self.engine.index_of(m["doc_id"]) for m in self.engine.documents()]
        a = analyze(question, indexes, lex, self.engine.tokenizer, self.engine.catalog, prepared)
        named = [d.index for d in a.docs if d.named == 2]
        if named and ix.doc_id not in {n.doc_id for n in named}:
            raise TeachError(f"问题指向《{named[0].doc.title}》，不能关联到《{ix.doc.title}》的事项。", 409, "cross_plan")

    def _took_effect(self, t: Teaching, ix, after: dict) -> None:
        """The question taught must now be read as taught (else the teaching would only sit there)."""
        if t.kind == "link":
            name = _matter(ix, t.matter_id)["name"]
            matters = {f["matter"] for f in after["findings"]}
            if after["status"] != "answered" or matters != {name}:
                raise TeachError(f"关联后这个问题仍没有按“{name}”回答（{after['answer'][:60]}…）："
                                 f"问题里可能还有该事项解释不了的词，请从更贴近的问题教起。")
            if t.level and any(f["level"] not in (t.level, None) for f in after["findings"]):
                raise TeachError("关联后的回答不是所选层级的结论：问题本身已说明了层级，无需指定。")
        elif t.kind == "not_listed" and after["status"] != "not_listed":
            raise TeachError(f"标记后这个问题仍没有答为“方案未列明”（{after['answer'][:60]}…）。")

    def _case_list(self, active: tuple[Teaching, ...]) -> list[dict]:
        from assistant.evaluate import load_cases

        cases = []
        for path in self.cases:
            for case in load_cases(path) or []:
                cases.append({**case, "id": f"{path.stem}:{case.get('id')}"})
        cases += [{"id": f"教学:{t.id}", "question": t.question, "expect": {}} for t in active]
        return cases

    @staticmethod
    def _run(engine, cases: list[dict]) -> list[list[dict]]:
        from assistant.evaluate import _turns

        out = []
        for case in cases:
            context, answers = None, []
            for turn in _turns(case):
                result, context = engine.ask(turn["question"], context)
                answers.append({"question": turn["question"], **summary(result)})
            out.append(answers)
        return out

    def _changes(self, active: tuple[Teaching, ...], before: Taught, after: Taught) -> tuple[list[dict], int]:
        """The cases whose answers the teaching changes (first changed turn of each)."""
        cases = self._case_list(active)
        key = (tuple(t.id for t in active), tuple((p, p.stat().st_mtime_ns) for p in self.cases))
        if self._before is None or self._before[0] != key:
            self._before = (key, self._run(self._engine(before), cases))
        old = self._before[1]
        new = self._run(self._engine(after), cases)
        changes = []
        for case, was, now in zip(cases, old, new):
            for b, a in zip(was, now):
                if (b["status"], b["answer"]) != (a["status"], a["answer"]):
                    changes.append({"case": case["id"], "question": b["question"],
                                    "before": {"status": b["status"], "answer": b["answer"]},
                                    "after": {"status": a["status"], "answer": a["answer"]}})
                    break
        return changes, len(cases)

    # -- saving --------------------------------------------------------------------------------

    def teach(self, kind: str, question: str, *, confirm: bool = False, **kwargs: Any) -> Proposal:
        """Propose and save; `NeedsConfirm` when existing answers change and `confirm` is not given."""
        with self._lock:
            proposal = self.propose(kind, question, **kwargs)
            if proposal.changes and not confirm:
                raise NeedsConfirm(proposal)
            self.store.put(proposal.teaching)
        self._refresh()
        return proposal

    def _refresh(self) -> None:
        if self.source is not None:
            self.source.refresh()

    def undo(self, teaching_id: str) -> Teaching:
        if not self.store.set_status(teaching_id, "undone", _now(), ("active",)):
            raise TeachError(f"没有生效中的教学 {teaching_id}。", 404, "unknown_teaching")
        self._refresh()
        return self.store.get(teaching_id)

    def approve(self, candidate_id: str, who: str | None = None, confirm: bool = False) -> Proposal:
        """An admin approves a user's pick: it becomes a link like one taught by hand (same checks)."""
        c = self.store.get(candidate_id)
        if c is None or c.status != "candidate":
            raise TeachError(f"没有待审核的候选 {candidate_id}。", 404, "unknown_teaching")
        return self.teach("link", c.question, matter=c.matter_id, doc_id=c.doc_id, who=who,
                          teaching_id=c.id, confirm=confirm, count=c.count)

    def reject(self, candidate_id: str) -> Teaching:
        if not self.store.set_status(candidate_id, "rejected", _now(), ("candidate",)):
            raise TeachError(f"没有待审核的候选 {candidate_id}。", 404, "unknown_teaching")
        return self.store.get(candidate_id)

    def candidate(self, question: str, doc_id: str, matter_id: str) -> Teaching | None:
        """Count a user's pick of an option (their phrasing → the matter picked): a candidate, never in force."""
        ix = self.engine.index_of(doc_id)
        if ix is None or _matter(ix, matter_id) is None:
            return None
        phrasing = matter_phrasing(self.engine, ix, question, self.engine.lexicon)
        if not phrasing:
            return None
        digest = hashlib.sha1(f"{doc_id}\n{phrasing}\n{matter_id}".encode()).hexdigest()[:10]
        t = Teaching(id=f"c{digest}", kind="link", phrasing=phrasing, question=question, status="candidate",
                     doc_id=doc_id, matter_id=matter_id, who="用户点选", when=_now())
        self.store.add_candidate(t)
        return t

    # -- review files --------------------------------------------------------------------------

    def export(self) -> str:
        """The teachings in force as a YAML file: reviewed data (import reads it) and a case file
        (`assistant eval` runs it: each entry's question and the answer the rules give it now)."""
        active = self.store.active()
        taught = self._engine(self._taught(active))
        entries = []
        for t in active:
            problem = rules_problem(self.engine, t)
            if problem:      # a plan not loaded here: its teachings stay in the database, not in this file
                log.warning("teaching %s not exported: %s", t.id, problem)
                continue
            result, _ = taught.ask(t.question)
            entry: dict[str, Any] = {"id": t.id, "kind": t.kind, "doc": t.doc_id}
            if t.kind == "synonym":
                entry.update(word=t.word, means=t.means)
            else:
                entry["phrasing"] = t.phrasing
            if t.kind == "link":
                ix = self.engine.index_of(t.doc_id)
                entry.update(matter=t.matter_id, matter_name=_matter(ix, t.matter_id)["name"])
                if t.level:
                    entry["level"] = t.level
            case = teaching_case(t, self.engine, result)
            entry.update(question=t.question, who=t.who, when=t.when, category=case["category"],
                         expect=case["expect"])
            entries.append(entry)
        header = ("# Teachings of the help desk (assistant teach export): which listed matter a phrasing names,\n"
                  "# that a phrasing is not in the plan, or that a user's word means the plan's word. None carries\n"
                  "# a verdict: each entry's `expect` is the answer the rules give its question, so this file is\n"
                  "# also a case file (`assistant eval FILE`). `assistant teach import FILE` reads it back.\n")
        return header + yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=1000)

    def import_text(self, text: str, who: str | None = None) -> list[Teaching]:
        """Read an exported file: every entry is validated against the loaded rules as a new teaching is (the
        phrasing must read as taught); all are saved, or none when one is refused (`TeachError` names it)."""
        try:
            entries = yaml.safe_load(text) or []
        except yaml.YAMLError as err:
            raise TeachError(f"不是有效的 YAML：{err}", 422, "invalid_request") from None
        if not isinstance(entries, list):
            raise TeachError("教学文件应是一个列表（assistant teach export 的格式）。", 422, "invalid_request")
        with self._lock:
            active = list(self.store.active())
            done: list[Teaching] = []
            for n, e in enumerate(entries, 1):
                if not isinstance(e, dict) or e.get("kind") not in KINDS or not e.get("question"):
                    raise TeachError(f"第 {n} 条：缺少 kind（link / not_listed / synonym）或 question。", 422,
                                     "invalid_request")
                if any(t.id == e.get("id") for t in active):
                    continue                      # in force already
                try:
                    p = self.propose(e["kind"], str(e["question"]), matter=e.get("matter"), doc_id=e.get("doc"),
                                     level=e.get("level"), word=e.get("word"), means=e.get("means"),
                                     who=e.get("who") or who, teaching_id=str(e["id"]) if e.get("id") else None,
                                     check_cases=False, base=tuple(active))
                except TeachError as err:
                    if err.code == "duplicate":       # the same teaching under another id: in force already
                        continue
                    raise TeachError(f"第 {n} 条（{e.get('id') or e['question']}）：{err.message}", err.status,
                                     err.code) from None
                t = replace(p.teaching, when=str(e.get("when") or p.teaching.when))
                active.append(t)
                done.append(t)
            for t in done:
                self.store.put(t)
        self._refresh()
        return done


def new_teaching_id() -> str:
    return "t" + secrets.token_hex(4)


# --------------------------------------------------------------------------- users' picks

class CandidateListener:
    """An answer listener: a record whose question picked a "您问的是不是…" option (`picked`, added by the web
    API and the channels) is counted as a candidate teaching. On the event loop it only hands the record to a
    thread of its own; the channels call it from their worker thread."""

    def __init__(self, teacher: Callable[[], Teacher | None]) -> None:
        self.teacher = teacher
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="teach-candidates")

    def before_response(self, record: dict[str, Any]) -> None:
        if record.get("picked"):
            self._pool.submit(self._add, record["picked"])

    def __call__(self, record: dict[str, Any]) -> None:
        if record.get("picked"):
            self._add(record["picked"])

    def _add(self, picked: dict[str, Any]) -> None:
        teacher = self.teacher()
        if teacher is None:
            return
        try:
            teacher.candidate(picked["question"], picked["doc_id"], picked["matter_id"])
        except Exception:  # noqa: BLE001 - a candidate lost is no answer lost
            log.exception("teachings: candidate not stored")

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def open_teacher(settings: Settings, engine: Assistant, state: SharedState | None = None) -> Teacher:
    """The CLI's: the teachings of the data folder's database (created if needed), read by `engine`."""
    from assistant.service.sessions import open_state

    state = state or open_state(settings.db_url, settings.state_dir, cleanup_seconds=None)
    source = attach(engine, state, min_interval=0.0)
    return Teacher(engine, source.store, source, case_files(settings))


def attach_from_settings(engine: Assistant, settings: Settings) -> TaughtSource:
    """`assistant ask` and `eval`: `engine` reads the data folder's teachings (the command line checks first,
    with the standard library, that there are any: `assistant.cli._has_teachings`)."""
    from assistant.service.sessions import open_state

    return attach(engine, open_state(settings.db_url, settings.state_dir, cleanup_seconds=None), min_interval=0.0)
