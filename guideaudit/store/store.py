"""The store: every sweep, every guide version, every defect and every auditor's decision.

SQLite by default (one file, see guideaudit.paths), PostgreSQL by URL. The store sits at the
bottom of the project: it knows guide records and plain defect rows, nothing of how checks,
scores or reports are made.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, case, create_engine, event, func, insert, select, update
from sqlalchemy import literal as sqlalchemy_literal
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
)

from guideaudit import __version__
from guideaudit.paths import default_db_url
from guideaudit.record import GuideRecord, content_json, defect_id, published_hash
from guideaudit.store import schema as t
from guideaudit.vocab import (
    REVIEW_STATUSES,
    USABLE_SWEEP_STATUSES,
    LedgerState,
    ReviewStatus,
    Verdict,
    ledger_kind,
)

SWEEP_STATUSES = ("running", "complete", "partial", "incomplete", "failed")
LEDGER_DETAIL_MAX = 500  # characters of a ledger row's detail (portal text, exception text)
LEDGER_TEXT_MAX = 2000  # URLs, referers, names
DISMISSED = ReviewStatus.DISMISSED.value
# What an auditor's decision on a 待核实 element makes of it (the guide unchanged).
SETTLES = {ReviewStatus.CONFIRMED.value: Verdict.FAIL.value, ReviewStatus.DISMISSED.value: Verdict.PASS.value}


_CONCURRENT_RETRIES = 5


def _concurrent_conflict(err: Exception) -> bool:
    """A unique key another writer took first, a deadlock, a busy SQLite: worth a retry."""
    if isinstance(err, IntegrityError):
        return True
    text = str(getattr(err, "orig", err)).lower()
    return "deadlock" in text or "locked" in text or "serializ" in text


# Sweeps per portal whose validators (ga_validators) are kept: the base of the next
# incremental sweep (the latest usable one) and the one before it (Store.prune_validators).
VALIDATOR_SWEEPS_KEPT = 2


def _stream(conn: Any, query: Any, rows: int) -> Any:
    """Execute ``query`` so its rows arrive ``rows`` at a time. ``Result.yield_per`` after a plain
    execute only chunks rows already fetched: psycopg then holds the whole result in memory
    (measured: a 100,000-guide sweep's crawl process at 410 MB counting its records on
    PostgreSQL, 229 MB on SQLite). The execution option opens a server-side cursor there."""
    return conn.execute(query, execution_options={"yield_per": rows})


class StoreError(RuntimeError):
    """A store problem the user can act on (bad URL, unknown sweep, wrong schema version)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _record_json(record: GuideRecord) -> tuple[str, str, str]:
    """(what a stored version is keyed on, the record as stored, its published-content hash),
    from one model_dump. The last must stay GuideRecord.content_hash()."""
    data = record.model_dump(mode="json")
    stored = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return content_json(data), stored, published_hash(data)


def _cap(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob).decode("utf-8"))


def _upsert(conn, table, rows: list[dict], keys: Sequence[str]) -> None:
    """Insert rows, replacing the row of the same key: how per-URL records of a sweep are
    written, so a resumed sweep that meets a URL again leaves one row, never two. Rows are
    de-duplicated by key first (the last wins): one statement may not touch a row twice."""
    if not rows:
        return
    latest = {tuple(r[k] for k in keys): r for r in rows}
    name = conn.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - the store supports these two
        raise StoreError(f"不支持的数据库 {name}")
    stmt = dialect_insert(table)
    others = [c.name for c in table.columns if c.name not in keys and c.name in rows[0]]
    if others:
        stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in others})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    conn.execute(stmt, list(latest.values()))


def lists_note(ledger: dict | None) -> str | None:
    """What failed list pages leave unknown, in words (None: no list page failed): ledger
    figures as ledger_counts gives them (a sweep's counts["ledger"] too)."""
    ledger = ledger or {}
    failed = ledger.get("failed_lists") or 0
    unknown, lists = ledger.get("unknown") or 0, ledger.get("unknown_lists") or 0
    if not failed and not unknown and not lists:
        return None
    failed = failed or lists
    known = failed - lists
    text = f"{failed} 个列表页无法读取"
    if known:
        text += f"，其上约 {unknown} 份指南未读"
    if lists:
        text += f"，{'其中 ' if known else ''}{lists} 个列表页上的指南数未知"
    return text


@dataclass(frozen=True)
class Sweep:
    id: int
    portal: str
    start_url: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    settings: dict
    counts: dict
    checker_version: str | None
    tool_version: str | None
    pid: int | None
    host: str | None
    log_path: str | None
    error: str | None

    @property
    def unread_note(self) -> str | None:
        """What every figure computed on a partial sweep (完成但不完整) says; None otherwise."""
        if self.status != "partial":
            return None
        ledger = (self.counts or {}).get("ledger") or {}
        n, share = ledger.get("unread_total", ledger.get("unread", 0)), ledger.get("share", 0.0)
        lists = lists_note(ledger)
        more = f"（{lists}）" if lists else ""
        return f"本次抓取有 {n} 个页面无法读取（{share:.1%}）{more}，评分基于已读取的指南"


@dataclass(frozen=True)
class RawPage:
    url: str | None
    content_type: str | None
    encoding: str | None
    body: bytes


@dataclass(frozen=True)
class DefectRow:
    """A defect as checks report it, plus its stable id (same across sweeps while it persists)."""

    defect_id: str
    rule: str
    element: str
    severity: str
    message: str
    evidence: str
    suggestion: str
    locus: str = ""


@dataclass(frozen=True)
class UnsureRow:
    """One reason an element could not be judged (待核实); item_id is per guide and element."""

    item_id: str
    element: str
    rule: str
    reason: str
    evidence: str = ""
    locus: str = ""


@dataclass(frozen=True)
class GuideEntry:
    """What one sweep saw of one guide: the record, its element verdicts, its defects and the
    reasons of its 待核实 elements."""

    record: GuideRecord
    elements: dict[str, str]
    defects: list[DefectRow]
    raw: RawPage | None = None
    unsure: list[UnsureRow] = field(default_factory=list)


@dataclass(frozen=True)
class StoredUnsure:
    item_id: str
    sweep_id: int
    guide_id: str
    element: str
    rule: str
    reason: str
    evidence: str
    locus: str
    url: str | None
    agency: str | None
    item_name: str | None
    content_hash: str
    review_status: str | None = None
    review_comment: str | None = None
    reviewer: str | None = None
    reviewed_at: datetime | None = None
    # 确认 → "fail", 误报 → "pass" while the guide is unchanged; None: still 待核实
    settled: str | None = None


@dataclass(frozen=True)
class CheckRun:
    sweep_id: int
    checker_version: str
    rules_digest: str
    settings: dict
    captures: dict
    created_at: datetime


@dataclass(frozen=True)
class StoredDefect:
    defect_id: str
    sweep_id: int
    guide_id: str
    rule: str
    element: str
    severity: str
    message: str
    evidence: str
    suggestion: str
    locus: str
    first_seen_sweep: int
    url: str | None
    agency: str | None
    item_name: str | None
    content_hash: str
    review_status: str | None = None
    review_comment: str | None = None
    reviewer: str | None = None
    reviewed_at: datetime | None = None
    dismissed: bool = False
    review_sweep: int | None = None  # the sweep whose list the decision was made on

    @property
    def marked_fixed_but_present(self) -> bool:
        """Marked 已整改 on an earlier sweep's list, and this later sweep still finds it."""
        return (
            self.review_status == ReviewStatus.FIXED.value
            and self.review_sweep is not None
            and self.review_sweep < self.sweep_id
        )


@dataclass(frozen=True)
class StoredGuide:
    sweep_id: int
    record: GuideRecord
    content_hash: str
    version_id: int
    elements: dict[str, str]
    defects: list[StoredDefect] = field(default_factory=list)
    unsure: list[StoredUnsure] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewDecision:
    defect_id: str
    status: str
    comment: str = ""


@dataclass(frozen=True)
class Review:
    defect_id: str
    guide_id: str
    status: str
    comment: str
    reviewer: str
    reviewed_at: datetime
    content_hash: str
    sweep_id: int | None
    source: str | None


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets `report` read while a sweep writes; NORMAL sync is safe with WAL.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"数据库地址无效：{url}（示例：sqlite:///路径.sqlite3 或 postgresql+psycopg://用户@主机/库名）") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
        engine = create_engine(url, future=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        return create_engine(parsed, future=True, pool_pre_ping=True)
    except (NoSuchModuleError, ModuleNotFoundError) as err:
        raise StoreError(
            f"不支持的数据库地址 {parsed.render_as_string(hide_password=True)}："
            f"{err}（支持 sqlite:/// 与 postgresql+psycopg://）"
        ) from None


def _upgrade(conn, found: int) -> None:
    """Bring a store of an older schema up to date in the caller's transaction: all or nothing.
    1 → 2 only added tables (create_all made them). 2 → 3: versions get their published-content
    hash (origin, session tokens and attachment fetch results left out), and auditors'
    decisions are rebound from the version key to it, so a 误报 survives a re-sweep from
    another host or port."""
    from sqlalchemy import inspect, text

    columns = {c["name"] for c in inspect(conn).get_columns(t.guide_versions.name)}
    if "published_hash" not in columns:
        conn.execute(text(f"ALTER TABLE {t.guide_versions.name} ADD COLUMN published_hash VARCHAR(64)"))
    for index in t.guide_versions.indexes:
        index.create(conn, checkfirst=True)
    rebind: dict[str, str] = {}
    rows = conn.execute(
        select(t.guide_versions.c.id, t.guide_versions.c.content_hash, t.guide_versions.c.record)
        .where(t.guide_versions.c.published_hash.is_(None))
    ).all()
    for row in rows:
        published = published_hash(_unpack(row.record))
        conn.execute(update(t.guide_versions).where(t.guide_versions.c.id == row.id).values(published_hash=published))
        rebind[row.content_hash] = published
    for old, new in rebind.items():
        conn.execute(update(t.reviews).where(t.reviews.c.content_hash == old).values(content_hash=new))
    _rekey_url_guides(conn)


def _rekey_url_guides(conn) -> None:
    """Guides without a code were keyed on a hash of their full URL (origin included) before
    schema 3; they are keyed on portal + path + query now. Every row that names such a guide,
    and every defect id derived from it, follows, so history and reviews stay with the guide.
    A guide that would collide with another (the same page read from two origins) keeps its
    old id: merging two histories is not something to do silently."""
    from guideaudit.record import stable_id

    rows = conn.execute(
        select(t.guide_versions.c.id, t.guide_versions.c.guide_id, t.guide_versions.c.record)
        .where(t.guide_versions.c.guide_id.like("url-%"))
    ).all()
    new_ids: dict[str, str] = {}
    for row in rows:
        data = _unpack(row.record)
        new = stable_id(None, None, data.get("url"), data.get("portal"))
        if new != row.guide_id:
            new_ids.setdefault(row.guide_id, new)
    taken = set(conn.execute(select(t.guide_versions.c.guide_id).distinct()).scalars())
    targets = [n for n in new_ids.values()]
    clashes = {n for n in targets if targets.count(n) > 1 or n in taken}
    for old, new in new_ids.items():
        if new in clashes:
            continue
        for row in conn.execute(
            select(t.guide_versions.c.id, t.guide_versions.c.record).where(t.guide_versions.c.guide_id == old)
        ).all():
            data = _unpack(row.record)
            before = published_hash(data)
            data["id"] = new
            stored = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            after = published_hash(data)
            conn.execute(
                update(t.guide_versions).where(t.guide_versions.c.id == row.id).values(
                    guide_id=new,
                    record=zlib.compress(stored.encode("utf-8"), 6),
                    content_hash=hashlib.sha256(content_json(data).encode("utf-8")).hexdigest(),
                    published_hash=after,
                )
            )
            # decisions were bound to the content under its old id: still the same content
            conn.execute(update(t.reviews).where(t.reviews.c.content_hash == before).values(content_hash=after))
        for table in (t.sweep_guides, t.unsure):
            conn.execute(update(table).where(table.c.guide_id == old).values(guide_id=new))
        for d in conn.execute(select(t.defects.c.id, t.defects.c.defect_id, t.defects.c.rule, t.defects.c.locus)
                              .where(t.defects.c.guide_id == old)).all():
            fresh = defect_id(new, d.rule, d.locus)
            conn.execute(update(t.defects).where(t.defects.c.id == d.id).values(guide_id=new, defect_id=fresh))
            conn.execute(update(t.defect_first_seen).where(t.defect_first_seen.c.defect_id == d.defect_id).values(defect_id=fresh))
            conn.execute(update(t.reviews).where(t.reviews.c.defect_id == d.defect_id).values(defect_id=fresh))
        conn.execute(update(t.reviews).where(t.reviews.c.guide_id == old).values(guide_id=new))



STORE_ID_KEY = "store_id"

# What the database said, for errors that are the user's setup rather than our bug (the CLI
# answers them in Chinese with exit 2; the transaction was rolled back, nothing was stored).
_DB_PROBLEMS = (
    ("database is locked", "数据库文件被另一个程序锁定（正在写入？），等它结束后重试"),
    ("readonly database", "数据库文件是只读的，无法写入"),
    ("database or disk is full", "磁盘已满，无法写入数据库"),
    ("disk i/o error", "读写数据库文件时出现磁盘错误"),
    ("unable to open database file", "无法打开数据库文件（路径不存在、是文件夹或没有权限）"),
    ("file is not a database", "不是 guideaudit 的数据库，或文件已损坏"),
    ("malformed", "数据库文件已损坏"),
)


def explain_db_error(err: BaseException) -> str | None:
    """A Chinese explanation of a database error that is not a bug of ours, else None."""
    if not isinstance(err, DatabaseError):
        return None
    text = str(getattr(err, "orig", err)).lower()
    for needle, said in _DB_PROBLEMS:
        if needle in text:
            return said
    return None


class Store:
    def __init__(self, url: str | None = None):
        self.url = url or default_db_url()
        self.engine = make_engine(self.url)
        try:
            t.metadata.create_all(self.engine)
            self._check_version()
        except OperationalError as err:
            raise StoreError(f"无法打开数据库 {self.display_url}：{err.orig}") from None
        except DatabaseError as err:  # not a database at all, or a damaged file
            raise StoreError(f"无法打开数据库 {self.display_url}：不是 guideaudit 的数据库，或文件已损坏（{err.orig}）") from None

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def _check_version(self) -> None:
        with self.engine.begin() as conn:
            found = conn.execute(select(t.meta.c.value).where(t.meta.c.key == "schema_version")).scalar()
            if found is None:
                conn.execute(insert(t.meta).values(key="schema_version", value=str(t.SCHEMA_VERSION)))
            elif int(found) in t.UPGRADABLE_FROM:
                _upgrade(conn, int(found))
                conn.execute(
                    update(t.meta).where(t.meta.c.key == "schema_version").values(value=str(t.SCHEMA_VERSION))
                )
            elif int(found) != t.SCHEMA_VERSION:
                raise StoreError(
                    f"数据库 {self.display_url} 的结构版本为 {found}，本程序需要 {t.SCHEMA_VERSION}"
                )

    @property
    def identity(self) -> str:
        """This store's id: random, made once, kept in ga_meta. Every 缺陷清单.xlsx carries it,
        so `review import` can refuse a workbook generated from another store."""
        if getattr(self, "_identity", None):
            return self._identity
        with self.engine.begin() as conn:
            found = conn.execute(select(t.meta.c.value).where(t.meta.c.key == STORE_ID_KEY)).scalar()
        if found is None:
            import uuid

            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(t.meta).values(key=STORE_ID_KEY, value=uuid.uuid4().hex))
            except IntegrityError:  # another process made it first: theirs stands
                pass
            with self.engine.begin() as conn:
                found = conn.execute(select(t.meta.c.value).where(t.meta.c.key == STORE_ID_KEY)).scalar()
        self._identity = str(found)
        return self._identity

    def close(self) -> None:
        self.engine.dispose()

    # --- sweeps -----------------------------------------------------------------------------

    def start_sweep(
        self,
        portal: str,
        start_url: str | None = None,
        settings: dict | None = None,
        checker_version: str | None = None,
        log_path: str | None = None,
    ) -> Sweep:
        with self.engine.begin() as conn:
            sweep_id = conn.execute(
                insert(t.sweeps).values(
                    portal=portal,
                    start_url=start_url,
                    status="running",
                    started_at=_now(),
                    settings=json.dumps(settings or {}, ensure_ascii=False, default=str),
                    counts="{}",
                    checker_version=checker_version,
                    tool_version=__version__,
                    pid=os.getpid(),
                    host=socket.gethostname(),
                    log_path=log_path,
                )
            ).inserted_primary_key[0]
        return self.get_sweep(sweep_id)

    def reopen_sweep(self, sweep_id: int) -> Sweep:
        """Mark an incomplete sweep running again, by this process, for --resume."""
        sweep = self.get_sweep(sweep_id)
        if sweep.status not in ("incomplete", "running", "failed", "partial"):
            raise StoreError(f"抓取批次 {sweep_id} 状态为 {sweep.status}，不能续抓")
        with self.engine.begin() as conn:
            conn.execute(
                update(t.sweeps)
                .where(t.sweeps.c.id == sweep_id)
                .values(status="running", finished_at=None, pid=os.getpid(), error=None)
            )
        return self.get_sweep(sweep_id)

    def finish_sweep(
        self, sweep_id: int, status: str, counts: dict | None = None, error: str | None = None
    ) -> Sweep:
        if status not in SWEEP_STATUSES:
            raise ValueError(f"unknown sweep status {status!r}")
        values: dict[str, Any] = {"status": status, "finished_at": _now(), "error": error}
        if counts is not None:
            values["counts"] = json.dumps(counts, ensure_ascii=False, default=str)
        with self.engine.begin() as conn:
            conn.execute(update(t.sweeps).where(t.sweeps.c.id == sweep_id).values(**values))
        return self.get_sweep(sweep_id)

    def update_counts(self, sweep_id: int, counts: dict) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(t.sweeps)
                .where(t.sweeps.c.id == sweep_id)
                .values(counts=json.dumps(counts, ensure_ascii=False, default=str))
            )

    @staticmethod
    def _sweep(row) -> Sweep:
        return Sweep(
            id=row.id,
            portal=row.portal,
            start_url=row.start_url,
            status=row.status,
            started_at=row.started_at,
            finished_at=row.finished_at,
            settings=json.loads(row.settings or "{}"),
            counts=json.loads(row.counts or "{}"),
            checker_version=row.checker_version,
            tool_version=row.tool_version,
            pid=row.pid,
            host=row.host,
            log_path=row.log_path,
            error=row.error,
        )

    def get_sweep(self, sweep_id: int) -> Sweep:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.sweeps).where(t.sweeps.c.id == sweep_id)).first()
        if row is None:
            raise StoreError(f"数据库 {self.display_url} 中没有第 {sweep_id} 次抓取")
        return self._sweep(row)

    def list_sweeps(self, portal: str | None = None, status: str | Sequence[str] | None = None) -> list[Sweep]:
        query = select(t.sweeps).order_by(t.sweeps.c.id)
        if portal:
            query = query.where(t.sweeps.c.portal == portal)
        if isinstance(status, str):
            query = query.where(t.sweeps.c.status == status)
        elif status:
            query = query.where(t.sweeps.c.status.in_(list(status)))
        with self.engine.connect() as conn:
            return [self._sweep(row) for row in conn.execute(query)]

    def latest_sweep(
        self, portal: str | None = None, status: str | Sequence[str] | None = USABLE_SWEEP_STATUSES
    ) -> Sweep | None:
        """The latest complete sweep (of ``portal``): the one definition reports, exports,
        scores and comparisons default to; ``status=None`` for the latest of any status.
        A partial sweep (完成但不完整) counts: it is usable, and what is computed on it says so."""
        found = self.list_sweeps(portal, status)
        return found[-1] if found else None

    def resolve_sweep(self, sweep_id: int | None, portal: str | None = None) -> Sweep | None:
        """--sweep N, or by default the latest complete sweep (None when there is none)."""
        if sweep_id is not None:
            return self.get_sweep(sweep_id)
        return self.latest_sweep(portal)

    def complete_sweeps_before(self, sweep: Sweep) -> list[Sweep]:
        """Complete sweeps of the same portal older than ``sweep``, oldest first (trends, and
        the sweep a comparison looks back to)."""
        return [s for s in self.list_sweeps(sweep.portal, USABLE_SWEEP_STATUSES) if s.id < sweep.id]

    # --- guides -----------------------------------------------------------------------------

    def save_guides(self, sweep_id: int, entries: Sequence[GuideEntry]) -> int:
        """Store a batch of checked guides in one transaction: all of them or none.

        A guide already stored in this sweep (a resumed sweep, a duplicate listing) is
        replaced, so a sweep holds each guide once (the last entry of a batch wins). The work is
        a fixed number of statements per batch, not per guide: a sweep writes 100k guides.
        """
        if not entries:
            return 0
        latest: dict[str, GuideEntry] = {}
        for entry in entries:
            latest.pop(entry.record.id, None)  # keep batch order, last one wins
            latest[entry.record.id] = entry
        packed = {gid: _record_json(e.record) for gid, e in latest.items()}
        digests = {gid: hashlib.sha256(p[0].encode("utf-8")).hexdigest() for gid, p in packed.items()}
        guide_ids = list(latest)
        # Several writers may store the same guide at once (workers of a distributed sweep, a
        # request re-run after its worker died): the loser of a unique key or a deadlock
        # retries the whole batch, which then replaces what the winner stored.
        for attempt in range(_CONCURRENT_RETRIES):
            try:
                self._save_batch(sweep_id, latest, packed, digests, guide_ids)
                break
            except (IntegrityError, OperationalError) as err:
                if attempt == _CONCURRENT_RETRIES - 1 or not _concurrent_conflict(err):
                    raise
                time.sleep(0.05 * (attempt + 1))
        return len(entries)

    def _save_batch(self, sweep_id, latest, packed, digests, guide_ids) -> None:
        with self.engine.begin() as conn:
            versions = dict(
                conn.execute(
                    select(t.guide_versions.c.content_hash, t.guide_versions.c.id).where(
                        t.guide_versions.c.content_hash.in_(set(digests.values()))
                    )
                ).all()
            )
            new_versions, queued = [], set()
            for gid, entry in latest.items():
                digest = digests[gid]
                if digest in versions or digest in queued:
                    continue
                queued.add(digest)
                raw = entry.raw
                new_versions.append(
                    {
                        "guide_id": gid,
                        "content_hash": digest,
                        "published_hash": packed[gid][2],
                        "record": zlib.compress(packed[gid][1].encode("utf-8"), 6),
                        "raw": zlib.compress(raw.body, 6) if raw else None,
                        "raw_url": raw.url if raw else None,
                        "raw_content_type": raw.content_type if raw else None,
                        "raw_encoding": raw.encoding if raw else None,
                        "first_sweep_id": sweep_id,
                    }
                )
            if new_versions:
                conn.execute(insert(t.guide_versions), new_versions)
                versions.update(
                    conn.execute(
                        select(t.guide_versions.c.content_hash, t.guide_versions.c.id).where(
                            t.guide_versions.c.content_hash.in_(queued)
                        )
                    ).all()
                )
            conn.execute(
                t.sweep_guides.delete().where(
                    (t.sweep_guides.c.sweep_id == sweep_id) & t.sweep_guides.c.guide_id.in_(guide_ids)
                )
            )
            conn.execute(
                t.defects.delete().where((t.defects.c.sweep_id == sweep_id) & t.defects.c.guide_id.in_(guide_ids))
            )
            conn.execute(
                t.unsure.delete().where((t.unsure.c.sweep_id == sweep_id) & t.unsure.c.guide_id.in_(guide_ids))
            )
            # A page that failed before (an earlier run of a resumed sweep) and is stored now
            # is no longer a failure of the sweep.
            recovered = {e.record.url for e in latest.values()} | {e.raw.url for e in latest.values() if e.raw}
            recovered.discard(None)
            if recovered:
                conn.execute(
                    t.fetch_failures.delete().where(
                        (t.fetch_failures.c.sweep_id == sweep_id) & t.fetch_failures.c.url.in_(recovered)
                    )
                )
            unsure_rows = [
                {"sweep_id": sweep_id, "guide_id": gid, **asdict(u)} for gid, e in latest.items() for u in e.unsure
            ]
            if unsure_rows:
                conn.execute(insert(t.unsure), unsure_rows)
            conn.execute(
                insert(t.sweep_guides),
                [
                    {
                        "sweep_id": sweep_id,
                        "guide_id": gid,
                        "version_id": versions[digests[gid]],
                        "url": e.record.url,
                        "agency": e.record.agency,
                        "item_name": e.record.item_name,
                        "fetched_at": e.record.fetched_at,
                        "elements": json.dumps(e.elements, ensure_ascii=False),
                    }
                    for gid, e in latest.items()
                ],
            )
            rows, seen = [], set()
            for gid, e in latest.items():
                for d in e.defects:
                    if d.defect_id in seen:  # one row per defect id and sweep
                        continue
                    seen.add(d.defect_id)
                    rows.append({"sweep_id": sweep_id, "guide_id": gid, **asdict(d)})
            if rows:
                conn.execute(insert(t.defects), rows)
                known = set(
                    conn.execute(
                        select(t.defect_first_seen.c.defect_id).where(t.defect_first_seen.c.defect_id.in_(seen))
                    ).scalars()
                )
                new = [{"defect_id": i, "sweep_id": sweep_id} for i in seen - known]
                if new:
                    conn.execute(insert(t.defect_first_seen), new)

    def done_urls(self, sweep_id: int) -> set[str]:
        """Guide page URLs this sweep already stored (what --resume must not fetch again)."""
        with self.engine.connect() as conn:
            return {
                u
                for u in conn.execute(select(t.sweep_guides.c.url).where(t.sweep_guides.c.sweep_id == sweep_id)).scalars()
                if u
            }

    def guide_count(self, sweep_id: int) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(t.sweep_guides).where(t.sweep_guides.c.sweep_id == sweep_id)
            ).scalar_one()

    def verdict_counts(self, sweep_id: int) -> dict[str, int]:
        """(guide × element) verdicts of a sweep as checked: {"pass": …, "incomplete": …}."""
        counts: dict[str, int] = {}
        with self.engine.connect() as conn:
            for blob in conn.execute(select(t.sweep_guides.c.elements).where(t.sweep_guides.c.sweep_id == sweep_id)).scalars():
                for verdict in json.loads(blob).values():
                    counts[verdict] = counts.get(verdict, 0) + 1
        return counts

    def add_fetch_failure(
        self, sweep_id: int, url: str, status: int | None, error: str | None, referer: str | None = None
    ) -> None:
        """Record that ``url`` could not be fetched (or checked) in this sweep. One row per URL
        and sweep: a resumed sweep failing on it again replaces the row, never adds a second."""
        with self.engine.begin() as conn:
            conn.execute(
                t.fetch_failures.delete().where((t.fetch_failures.c.sweep_id == sweep_id) & (t.fetch_failures.c.url == url))
            )
            conn.execute(
                insert(t.fetch_failures).values(
                    sweep_id=sweep_id, url=url, status=status, error=error, referer=referer, at=_now()
                )
            )

    def clear_fetch_failures(self, sweep_id: int, urls: Iterable[str]) -> int:
        """Forget failures of URLs fetched successfully since (an earlier run of a resumed sweep
        failed on them); how many were cleared."""
        urls = list(set(urls))
        cleared = 0
        with self.engine.begin() as conn:
            for start in range(0, len(urls), 500):
                cleared += conn.execute(
                    t.fetch_failures.delete().where(
                        (t.fetch_failures.c.sweep_id == sweep_id) & t.fetch_failures.c.url.in_(urls[start : start + 500])
                    )
                ).rowcount or 0
        return cleared

    def record_pages(self, sweep_id: int, pages: Iterable[tuple[str, str, int | None]]) -> None:
        """Pages the sweep received, as (request key, url, HTTP status); upserted by key, so a
        page fetched again by a resumed run is counted once."""
        rows = [{"sweep_id": sweep_id, "request_key": k, "url": u, "status": s} for k, u, s in pages]
        with self.engine.begin() as conn:
            _upsert(conn, t.sweep_pages, rows, ("sweep_id", "request_key"))

    def stored_counts(self, sweep_id: int) -> dict[str, int]:
        """Guides, defects and pages as the store holds them for this sweep (what a sweep's
        figures are computed from, never from what a process counted in memory)."""
        counts = {}
        with self.engine.connect() as conn:
            for key, table in (("guides", t.sweep_guides), ("defects", t.defects), ("pages", t.sweep_pages)):
                counts[key] = conn.execute(
                    select(func.count()).select_from(table).where(table.c.sweep_id == sweep_id)
                ).scalar_one()
        return counts

    def record_data(self, sweep_id: int) -> Iterator[dict]:
        """The stored records of a sweep as plain JSON data (no validation: for counting)."""
        query = (
            select(t.guide_versions.c.record)
            .join(t.sweep_guides, t.sweep_guides.c.version_id == t.guide_versions.c.id)
            .where(t.sweep_guides.c.sweep_id == sweep_id)
        )
        with self.engine.connect() as conn:
            for blob in _stream(conn, query, 500).scalars():
                yield _unpack(blob)

    def record_data_apart(self, sweep_id: int, base_id: int) -> Iterator[tuple[int, dict]]:
        """(+1, record) for each guide of ``sweep_id`` that ``base_id`` does not hold in the same
        version, (-1, record) for each guide of ``base_id`` that ``sweep_id`` does not: what a
        figure summed over records changes by from one sweep to the other (an incremental
        sweep's guides are mostly the base's versions, so this reads few records)."""
        g, other, v = t.sweep_guides, t.sweep_guides.alias("other"), t.guide_versions
        with self.engine.connect() as conn:
            for sign, (a, b) in ((1, (sweep_id, base_id)), (-1, (base_id, sweep_id))):
                query = (
                    select(v.c.record)
                    .select_from(
                        g.join(v, v.c.id == g.c.version_id).outerjoin(
                            other, (other.c.sweep_id == b) & (other.c.guide_id == g.c.guide_id)
                            & (other.c.version_id == g.c.version_id)
                        )
                    )
                    .where((g.c.sweep_id == a) & other.c.guide_id.is_(None))
                )
                for blob in _stream(conn, query, 500).scalars():
                    yield sign, _unpack(blob)

    def fetch_failures(self, sweep_id: int) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.fetch_failures).where(t.fetch_failures.c.sweep_id == sweep_id).order_by(t.fetch_failures.c.id)
            )
            return [dict(r._mapping) for r in rows]

    # --- the sweep ledger ---------------------------------------------------------------------

    def add_ledger(self, sweep_id: int, rows: Sequence[dict]) -> int:
        """Record how URLs of a sweep ended, in one transaction. A URL already in the sweep's
        ledger (a resumed sweep retrying it) is replaced: one row per URL, its latest outcome;
        within a batch the last row of a URL wins. Texts are capped here."""
        if not rows:
            return 0
        latest: dict[str, dict] = {}
        now = _now()
        for row in rows:
            url = str(row["url"])[:LEDGER_TEXT_MAX]
            kind = ledger_kind(str(row["kind"]))
            latest.pop(url, None)
            latest[url] = {
                "sweep_id": sweep_id,
                "url": url,
                "final_url": _cap(row.get("final_url"), LEDGER_TEXT_MAX),
                "state": row.get("state") or kind.state.value,
                "kind": kind.code[:24],
                "guide_id": _cap(row.get("guide_id"), 200),
                "status": row.get("status") if isinstance(row.get("status"), int) else None,
                "detail": _cap(row.get("detail"), LEDGER_DETAIL_MAX),
                "referer": _cap(row.get("referer"), LEDGER_TEXT_MAX),
                "agency": _cap(row.get("agency"), LEDGER_TEXT_MAX),
                "item_name": _cap(row.get("item_name"), LEDGER_TEXT_MAX),
                "role": _cap(row.get("role"), 8),
                "unknown": row.get("unknown") if isinstance(row.get("unknown"), int) else None,
                "at": now,
            }
        urls = list(latest)
        with self.engine.begin() as conn:
            for start in range(0, len(urls), 500):
                chunk = urls[start : start + 500]
                conn.execute(t.ledger.delete().where((t.ledger.c.sweep_id == sweep_id) & t.ledger.c.url.in_(chunk)))
            conn.execute(insert(t.ledger), list(latest.values()))
        return len(latest)

    def ledger(self, sweep_id: int, states: Sequence[str] | None = None) -> Iterator[dict]:
        """The sweep's ledger rows in the order they were first written (streamed)."""
        query = select(t.ledger).where(t.ledger.c.sweep_id == sweep_id).order_by(t.ledger.c.id)
        if states:
            query = query.where(t.ledger.c.state.in_(list(states)))
        with self.engine.connect() as conn:
            for row in _stream(conn, query, 1000):
                yield dict(row._mapping)

    def ledger_urls(self, sweep_id: int) -> set[str]:
        return set(self.iter_ledger_urls(sweep_id))

    def iter_ledger_urls(self, sweep_id: int) -> Iterator[str]:
        """The sweep's ledger URLs, streamed (a large sweep's set would be the crawl's peak)."""
        with self.engine.connect() as conn:
            yield from _stream(conn, select(t.ledger.c.url).where(t.ledger.c.sweep_id == sweep_id), 2000).scalars()

    def ledger_counts(self, sweep_id: int) -> dict:
        """{"rows", "states": {state: n}, "kinds": {kind: n}, "unread": n, "unknown": n,
        "unknown_lists": n, "failed_lists": n}: ``unread`` counts rows of kinds that may hide
        an unread guide, ``failed_lists`` the list pages among them, ``unknown`` the guides
        those would have led to (where the list said how many), ``unknown_lists`` failed list
        pages that did not say."""
        states: dict[str, int] = {}
        kinds: dict[str, int] = {}
        unread = unknown = unknown_lists = failed_lists = rows = 0
        query = (
            select(t.ledger.c.state, t.ledger.c.kind, t.ledger.c.role, t.ledger.c.unknown, func.count())
            .where(t.ledger.c.sweep_id == sweep_id)
            .group_by(t.ledger.c.state, t.ledger.c.kind, t.ledger.c.role, t.ledger.c.unknown)
        )
        with self.engine.connect() as conn:
            for state, kind, role, unknown_n, n in conn.execute(query):
                rows += n
                states[state] = states.get(state, 0) + n
                kinds[kind] = kinds.get(kind, 0) + n
                if ledger_kind(kind).unread:
                    unread += n
                    if role == "list":
                        failed_lists += n
                        if unknown_n is None:
                            unknown_lists += n
                        else:
                            unknown += unknown_n * n
        return {"rows": rows, "states": states, "kinds": kinds, "unread": unread,
                "unknown": unknown, "unknown_lists": unknown_lists, "failed_lists": failed_lists}

    def retry_urls(self, sweep_id: int) -> list[str]:
        """What a resume of this sweep must fetch again: every URL that may hide an unread
        guide (failed, blocked, robots) and every list page that failed (the guides behind it
        are unknown). Stored guides, ordinary non-guide pages and duplicates are not."""
        return [row["url"] for row in self.retry_rows(sweep_id)]

    def retry_rows(self, sweep_id: int) -> list[dict]:
        """The ledger rows of retry_urls, whole (role, unknown, referer: how to ask again)."""
        return [
            row for row in self.ledger(sweep_id)
            if ledger_kind(row["kind"]).unread or (row["role"] == "list" and row["state"] == LedgerState.FAILED.value)
        ]

    def add_check_run(
        self, sweep_id: int, checker_version: str, rules_digest: str, settings: dict, captures: dict
    ) -> None:
        """Record how this sweep's guides are checked (once per sweep and distinct run: a
        resumed sweep with the same checker adds nothing)."""
        with self.engine.begin() as conn:
            for run in conn.execute(select(t.check_runs).where(t.check_runs.c.sweep_id == sweep_id)):
                if (run.checker_version, run.rules_digest, json.loads(run.settings), json.loads(run.captures)) == (
                    checker_version, rules_digest, settings, captures
                ):
                    return
            conn.execute(
                insert(t.check_runs).values(
                    sweep_id=sweep_id, checker_version=checker_version, rules_digest=rules_digest,
                    settings=json.dumps(settings, ensure_ascii=False, sort_keys=True, default=str),
                    captures=json.dumps(captures, ensure_ascii=False, sort_keys=True),
                    created_at=_now(),
                )
            )

    def check_runs(self, sweep_id: int) -> list[CheckRun]:
        with self.engine.connect() as conn:
            return [
                CheckRun(r.sweep_id, r.checker_version, r.rules_digest, json.loads(r.settings),
                         json.loads(r.captures), r.created_at)
                for r in conn.execute(
                    select(t.check_runs).where(t.check_runs.c.sweep_id == sweep_id).order_by(t.check_runs.c.id)
                )
            ]

    def raw_page(self, sweep_id: int, guide_id: str) -> RawPage | None:
        query = (
            select(t.guide_versions)
            .join(t.sweep_guides, t.sweep_guides.c.version_id == t.guide_versions.c.id)
            .where((t.sweep_guides.c.sweep_id == sweep_id) & (t.sweep_guides.c.guide_id == guide_id))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or row.raw is None:
            return None
        return RawPage(row.raw_url, row.raw_content_type, row.raw_encoding, zlib.decompress(row.raw))

    # --- incremental re-sweeps (crawler/incremental.py) ----------------------------------------

    def save_validators(self, sweep_id: int, rows: Sequence[dict]) -> None:
        """Validators of guide pages / attachments (schema.validators); a URL seen again in the
        same sweep (resume) replaces its row."""
        if not rows:
            return
        latest = {(r["kind"], r["url"]): {**r, "sweep_id": sweep_id} for r in rows}
        with self.engine.begin() as conn:
            for kind in {k for k, _ in latest}:
                urls = [u for k, u in latest if k == kind]
                for start in range(0, len(urls), 500):
                    conn.execute(t.validators.delete().where(
                        (t.validators.c.sweep_id == sweep_id) & (t.validators.c.kind == kind)
                        & t.validators.c.url.in_(urls[start : start + 500])
                    ))
            conn.execute(insert(t.validators), list(latest.values()))

    def prune_validators(self, portal: str, keep_usable: int = VALIDATOR_SWEEPS_KEPT) -> int:
        """Delete the validators no incremental sweep of ``portal`` can still use; returns the
        rows deleted. A sweep's base is the latest usable sweep (crawler/sweep.py _pick_base), so
        kept are those of the last ``keep_usable`` usable sweeps (the latest, and one before it
        for a base named by hand), of sweeps still running or incomplete that are newer (a resume
        may finish them and make them the latest), and of the base sweeps these recorded."""
        sweeps = self.list_sweeps(portal)
        usable = [s for s in sweeps if s.status in USABLE_SWEEP_STATUSES]
        keep = {s.id for s in usable[-keep_usable:]} if keep_usable > 0 else set()
        oldest_kept = min(keep) if keep else 0
        for s in sweeps:
            if s.status in ("running", "incomplete") and s.id > oldest_kept:
                keep.add(s.id)
                base = (s.settings or {}).get("base_sweep")
                if base:
                    keep.add(int(base))
        drop = [s.id for s in sweeps if s.id not in keep]
        if not drop:
            return 0
        with self.engine.begin() as conn:
            return conn.execute(t.validators.delete().where(t.validators.c.sweep_id.in_(drop))).rowcount or 0

    def validators(self, sweep_id: int, kind: str) -> list[dict]:
        with self.engine.connect() as conn:
            return [
                dict(r._mapping)
                for r in conn.execute(
                    select(t.validators).where((t.validators.c.sweep_id == sweep_id) & (t.validators.c.kind == kind))
                )
            ]

    def version_hashes(self, sweep_id: int) -> dict[str, str]:
        """guide id → the version key (content hash) of each guide of a sweep."""
        with self.engine.connect() as conn:
            return dict(
                conn.execute(
                    select(t.sweep_guides.c.guide_id, t.guide_versions.c.content_hash)
                    .join(t.guide_versions, t.sweep_guides.c.version_id == t.guide_versions.c.id)
                    .where(t.sweep_guides.c.sweep_id == sweep_id)
                ).all()
            )

    def stored_records(self, sweep_id: int, guide_ids: Iterable[str]) -> dict[str, tuple[dict, RawPage | None]]:
        """guide id → (its record as stored, its raw page) in a sweep: what a reused guide is
        checked again from when it cannot simply be carried over."""
        ids = list(dict.fromkeys(guide_ids))
        found: dict[str, tuple[dict, RawPage | None]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                for row in conn.execute(
                    select(t.sweep_guides.c.guide_id, t.guide_versions)
                    .join(t.guide_versions, t.sweep_guides.c.version_id == t.guide_versions.c.id)
                    .where((t.sweep_guides.c.sweep_id == sweep_id) & t.sweep_guides.c.guide_id.in_(ids[start : start + 500]))
                ):
                    raw = RawPage(row.raw_url, row.raw_content_type, row.raw_encoding, zlib.decompress(row.raw)) if row.raw else None
                    found[row.guide_id] = (_unpack(row.record), raw)
        return found

    def carry_guides(self, from_sweep: int, to_sweep: int, guide_ids: Iterable[str]) -> dict[str, int]:
        """Link guides of ``from_sweep`` into ``to_sweep`` as they are (the same version, element
        verdicts, defects and 待核实), in bulk (INSERT … SELECT, a few statements per 500 guides),
        all or none; rows ``to_sweep`` already holds for them are replaced (resume). First
        sightings and reviews need nothing: the defects and the content are the same."""
        ids = list(dict.fromkeys(guide_ids))
        carried = {"guides": 0, "defects": 0}
        if not ids:
            return carried
        tables = (
            (t.sweep_guides, [c for c in t.sweep_guides.c if c.name != "sweep_id"]),
            (t.defects, [c for c in t.defects.c if c.name not in ("id", "sweep_id")]),
            (t.unsure, [c for c in t.unsure.c if c.name not in ("id", "sweep_id")]),
        )
        with self.engine.begin() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for table, columns in tables:
                    conn.execute(table.delete().where((table.c.sweep_id == to_sweep) & table.c.guide_id.in_(chunk)))
                    source = select(sqlalchemy_literal(to_sweep).label("sweep_id"), *columns).where(
                        (table.c.sweep_id == from_sweep) & table.c.guide_id.in_(chunk)
                    )
                    done = conn.execute(insert(table).from_select(["sweep_id", *[c.name for c in columns]], source))
                    if table is t.sweep_guides:
                        carried["guides"] += done.rowcount
                    elif table is t.defects:
                        carried["defects"] += done.rowcount
        return carried

    def reuse_figures(self, base_id: int, sweep_id: int) -> dict[str, int]:
        """An incremental sweep's figures, from the store: guides reused unread or unchecked, by
        how (ga_validators.how; "rechecked": reused unread but checked again), and its guides
        against the base sweep's (changed / new / removed)."""
        figures: dict[str, int] = {"base_sweep": base_id, "reused": 0}
        with self.engine.connect() as conn:
            for how, n in conn.execute(
                select(t.validators.c.how, func.count())
                .where((t.validators.c.sweep_id == sweep_id) & (t.validators.c.kind == "guide")
                       & (t.validators.c.outcome == "reused"))
                .group_by(t.validators.c.how)
            ).all():
                if how == "rechecked":
                    figures["rechecked"] = n
                else:
                    figures["reused"] += n
                    figures[f"reused_{how}"] = n
        changes = self.sweep_changes(base_id, sweep_id)
        figures.update(changed=changes["changed"], new=changes["new"], removed=changes["removed"])
        return figures

    def sweep_changes(self, base_id: int, sweep_id: int) -> dict[str, int]:
        """Guides of ``sweep_id`` against ``base_id``: the same version (unchanged), another
        version (changed), not in the base (new), and base guides it no longer has (removed)."""
        a, b = t.sweep_guides.alias("a"), t.sweep_guides.alias("b")
        pair = a.outerjoin(b, (b.c.sweep_id == base_id) & (b.c.guide_id == a.c.guide_id))
        with self.engine.connect() as conn:  # counted in the database: an incremental sweep ends sooner
            unchanged, changed, new = conn.execute(
                select(
                    func.coalesce(func.sum(case((b.c.version_id == a.c.version_id, 1), else_=0)), 0),
                    func.coalesce(func.sum(case((b.c.version_id != a.c.version_id, 1), else_=0)), 0),
                    func.coalesce(func.sum(case((b.c.guide_id.is_(None), 1), else_=0)), 0),
                ).select_from(pair).where(a.c.sweep_id == sweep_id)
            ).one()
            kept = conn.execute(
                select(func.count()).select_from(a.join(b, b.c.guide_id == a.c.guide_id))
                .where((a.c.sweep_id == base_id) & (b.c.sweep_id == sweep_id))
            ).scalar_one()
            total = conn.execute(
                select(func.count()).select_from(t.sweep_guides).where(t.sweep_guides.c.sweep_id == base_id)
            ).scalar_one()
        return {"unchanged": int(unchanged), "changed": int(changed), "new": int(new), "removed": total - kept}

    def change_figures(self, from_id: int, to_id: int) -> dict:
        """The figures of a comparison of two sweeps, counted by the database without reading a
        guide record (reports.compare.compare_totals; it must agree with reports.compare.compare,
        which reads both sweeps guide by guide). A defect counts when its guide is in the sweep
        and it is not withdrawn: the latest review says 误报 on the content the guide still has
        (what ``guides`` calls dismissed). Returns counts: ``before`` (from_id's defects),
        ``after``, ``persisting`` (in both, same guide), ``marked_fixed`` (to_id's defects whose
        latest review is 已整改 made on an earlier sweep's list), ``guides_added`` /
        ``guides_removed`` / ``guides_changed`` (published content differs), and ``dropped``:
        from_id's defects to_id no longer has, as (defect id, guide id, element, to_id's element
        verdicts JSON, None when the guide is gone): as many rows as there were changes."""
        r, g, v = t.reviews, t.sweep_guides, t.guide_versions
        last = select(func.max(r.c.id).label("id")).group_by(r.c.defect_id).subquery("last_review")
        latest = select(r.c.defect_id, r.c.status, r.c.content_hash, r.c.sweep_id).join(last, last.c.id == r.c.id).subquery("lr")

        def live(sweep_id: int, name: str):
            d, sg, sv = t.defects.alias(f"{name}_d"), g.alias(f"{name}_g"), v.alias(f"{name}_v")
            dismissed = case((and_(latest.c.status == DISMISSED, latest.c.content_hash == sv.c.published_hash), 1), else_=0)
            inner = (
                select(d.c.defect_id, d.c.guide_id, d.c.element, latest.c.status, latest.c.sweep_id.label("review_sweep"),
                       dismissed.label("dismissed"))
                .select_from(
                    d.join(sg, (sg.c.sweep_id == d.c.sweep_id) & (sg.c.guide_id == d.c.guide_id))
                    .join(sv, sv.c.id == sg.c.version_id)
                    .join(t.defect_first_seen, t.defect_first_seen.c.defect_id == d.c.defect_id)
                    .outerjoin(latest, latest.c.defect_id == d.c.defect_id)
                )
                .where(d.c.sweep_id == sweep_id)
                .subquery(f"{name}_all")
            )
            return select(inner.c.defect_id, inner.c.guide_id, inner.c.element, inner.c.status, inner.c.review_sweep) \
                .where(inner.c.dismissed == 0).subquery(name)

        before, after = live(from_id, "le"), live(to_id, "lt")
        same = (before.c.defect_id == after.c.defect_id) & (before.c.guide_id == after.c.guide_id)
        g_from, g_to = g.alias("g_from"), g.alias("g_to")
        v_from, v_to = v.alias("v_from"), v.alias("v_to")
        with self.engine.connect() as conn:
            n_before = conn.execute(select(func.count()).select_from(before)).scalar_one()
            n_after, persisting, marked = conn.execute(
                select(
                    func.count(),
                    func.count(before.c.defect_id),
                    func.coalesce(func.sum(case(
                        (and_(after.c.status == ReviewStatus.FIXED.value, after.c.review_sweep < to_id), 1), else_=0
                    )), 0),
                ).select_from(after.outerjoin(before, same))
            ).one()
            dropped = [
                tuple(row) for row in conn.execute(
                    select(before.c.defect_id, before.c.guide_id, before.c.element, g_to.c.elements)
                    .select_from(
                        before.outerjoin(after, same)
                        .outerjoin(g_to, (g_to.c.sweep_id == to_id) & (g_to.c.guide_id == before.c.guide_id))
                    )
                    .where(after.c.defect_id.is_(None))
                )
            ]

            def only_in(a: int, b: int) -> int:
                ga, gb = g.alias("ga"), g.alias("gb")
                return conn.execute(
                    select(func.count()).select_from(ga.outerjoin(gb, (gb.c.sweep_id == b) & (gb.c.guide_id == ga.c.guide_id)))
                    .where((ga.c.sweep_id == a) & gb.c.guide_id.is_(None))
                ).scalar_one()

            changed = conn.execute(
                select(func.count()).select_from(
                    g_to.join(g_from, (g_from.c.sweep_id == from_id) & (g_from.c.guide_id == g_to.c.guide_id))
                    .join(v_to, v_to.c.id == g_to.c.version_id)
                    .join(v_from, v_from.c.id == g_from.c.version_id)
                ).where((g_to.c.sweep_id == to_id) & v_to.c.published_hash.is_distinct_from(v_from.c.published_hash))
            ).scalar_one()
            return {
                "before": n_before, "after": n_after, "persisting": persisting, "marked_fixed": int(marked),
                "guides_added": only_in(to_id, from_id), "guides_removed": only_in(from_id, to_id),
                "guides_changed": changed, "dropped": dropped,
            }

    # --- reading a sweep back -----------------------------------------------------------------

    def _latest_reviews(self, conn, defect_ids: Iterable[str] | None = None) -> dict[str, Review]:
        query = select(t.reviews).order_by(t.reviews.c.id)
        if defect_ids is not None:
            ids = list(defect_ids)
            if not ids:
                return {}
            query = query.where(t.reviews.c.defect_id.in_(ids))
        latest: dict[str, Review] = {}
        for r in conn.execute(query):
            latest[r.defect_id] = self._review(r)
        return latest

    @staticmethod
    def _review(r) -> Review:
        return Review(
            r.defect_id, r.guide_id, r.status, r.comment, r.reviewer, r.reviewed_at,
            r.content_hash, r.sweep_id, r.source,
        )

    def guides(self, sweep_id: int, agency: str | None = None) -> Iterator[StoredGuide]:
        """Every guide of a sweep with its defects, reviews and first-seen sweeps, in id order.

        A defect is dismissed when its latest review says 误报 and the guide's content is the
        one the auditor reviewed; a changed guide is judged afresh.
        """
        query = (
            select(
                t.sweep_guides.c.guide_id,
                t.sweep_guides.c.elements,
                t.guide_versions.c.id.label("version_id"),
                t.guide_versions.c.record,
                t.guide_versions.c.published_hash.label("content_hash"),
            )
            .join(t.guide_versions, t.sweep_guides.c.version_id == t.guide_versions.c.id)
            .where(t.sweep_guides.c.sweep_id == sweep_id)
            .order_by(t.sweep_guides.c.guide_id)
        )
        if agency is not None:
            query = query.where(t.sweep_guides.c.agency == agency)
        with self.engine.connect() as conn:
            defect_rows: dict[str, list] = {}
            for d in conn.execute(
                select(t.defects, t.defect_first_seen.c.sweep_id.label("first_seen"))
                .join(t.defect_first_seen, t.defect_first_seen.c.defect_id == t.defects.c.defect_id)
                .where(t.defects.c.sweep_id == sweep_id)
                .order_by(t.defects.c.id)
            ):
                defect_rows.setdefault(d.guide_id, []).append(d)
            unsure_rows: dict[str, list] = {}
            for u in conn.execute(select(t.unsure).where(t.unsure.c.sweep_id == sweep_id).order_by(t.unsure.c.id)):
                unsure_rows.setdefault(u.guide_id, []).append(u)
            reviews = self._latest_reviews(conn)
            # Stream guides: a 100k-guide sweep must not sit in memory as records all at once.
            for row in _stream(conn, query, 500):
                record = GuideRecord.model_validate(_unpack(row.record))
                stored = []
                for d in defect_rows.get(row.guide_id, ()):
                    review = reviews.get(d.defect_id)
                    dismissed = bool(
                        review and review.status == DISMISSED and review.content_hash == row.content_hash
                    )
                    stored.append(
                        StoredDefect(
                            defect_id=d.defect_id, sweep_id=sweep_id, guide_id=d.guide_id, rule=d.rule,
                            element=d.element, severity=d.severity, message=d.message,
                            evidence=d.evidence, suggestion=d.suggestion, locus=d.locus,
                            first_seen_sweep=d.first_seen, url=record.url, agency=record.agency,
                            item_name=record.item_name, content_hash=row.content_hash,
                            review_status=review.status if review else None,
                            review_comment=review.comment if review else None,
                            reviewer=review.reviewer if review else None,
                            reviewed_at=review.reviewed_at if review else None,
                            dismissed=dismissed,
                            review_sweep=review.sweep_id if review else None,
                        )
                    )
                unsure = []
                for u in unsure_rows.get(row.guide_id, ()):
                    review = reviews.get(u.item_id)
                    current = bool(review and review.content_hash == row.content_hash)
                    unsure.append(
                        StoredUnsure(
                            item_id=u.item_id, sweep_id=sweep_id, guide_id=u.guide_id, element=u.element,
                            rule=u.rule, reason=u.reason, evidence=u.evidence, locus=u.locus,
                            url=record.url, agency=record.agency, item_name=record.item_name,
                            content_hash=row.content_hash,
                            review_status=review.status if review else None,
                            review_comment=review.comment if review else None,
                            reviewer=review.reviewer if review else None,
                            reviewed_at=review.reviewed_at if review else None,
                            settled=SETTLES.get(review.status) if current else None,
                        )
                    )
                yield StoredGuide(
                    sweep_id=sweep_id,
                    record=record,
                    content_hash=row.content_hash,
                    version_id=row.version_id,
                    elements=json.loads(row.elements),
                    defects=stored,
                    unsure=unsure,
                )

    def records(self, sweep_id: int) -> Iterator[GuideRecord]:
        for guide in self.guides(sweep_id):
            yield guide.record

    def defects(self, sweep_id: int, include_dismissed: bool = False) -> list[StoredDefect]:
        found = []
        for guide in self.guides(sweep_id):
            found.extend(d for d in guide.defects if include_dismissed or not d.dismissed)
        return found

    # --- reviews ----------------------------------------------------------------------------

    def defect_lookup(self, defect_ids: Iterable[str]) -> dict[str, tuple[str, int]]:
        """defect (or 待核实 item) id → (guide id, latest sweep holding it), for the ids that exist."""
        ids = list(set(defect_ids))
        found: dict[str, tuple[str, int]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for row in conn.execute(
                    select(t.defects.c.defect_id, t.defects.c.guide_id, func.max(t.defects.c.sweep_id))
                    .where(t.defects.c.defect_id.in_(chunk))
                    .group_by(t.defects.c.defect_id, t.defects.c.guide_id)
                ):
                    found[row[0]] = (row[1], row[2])
                # 待核实 elements are reviewed under their item id, like defects
                for row in conn.execute(
                    select(t.unsure.c.item_id, t.unsure.c.guide_id, func.max(t.unsure.c.sweep_id))
                    .where(t.unsure.c.item_id.in_(chunk))
                    .group_by(t.unsure.c.item_id, t.unsure.c.guide_id)
                ):
                    found.setdefault(row[0], (row[1], row[2]))
        return found

    def record_reviews(
        self,
        decisions: Sequence[ReviewDecision],
        reviewer: str,
        source: str | None = None,
        sweep_id: int | None = None,
    ) -> int:
        """Store auditors' decisions, all or none. Unknown defect ids or statuses are refused
        before anything is written.

        A decision is bound to the guide content the auditor looked at: that of ``sweep_id``
        (the sweep the reviewed list came from) when given and the guide is in it, else of the
        latest sweep holding the defect."""
        bad_status = [d for d in decisions if d.status not in REVIEW_STATUSES]
        if bad_status:
            raise StoreError(f"复核状态 {bad_status[0].status!r} 无效，应为 {' / '.join(REVIEW_STATUSES)}")
        where = self.defect_lookup(d.defect_id for d in decisions)
        unknown = [d.defect_id for d in decisions if d.defect_id not in where]
        if unknown:
            raise StoreError(f"数据库中没有这些问题编号：{', '.join(unknown[:10])}")
        now = _now()
        with self.engine.begin() as conn:
            hashes: dict[tuple[int, str], str | None] = {}

            def content_of(at_sweep: int, guide_id: str) -> str | None:
                if (at_sweep, guide_id) not in hashes:
                    hashes[(at_sweep, guide_id)] = conn.execute(
                        select(t.guide_versions.c.published_hash)
                        .join(t.sweep_guides, t.sweep_guides.c.version_id == t.guide_versions.c.id)
                        .where((t.sweep_guides.c.sweep_id == at_sweep) & (t.sweep_guides.c.guide_id == guide_id))
                    ).scalar()
                return hashes[(at_sweep, guide_id)]

            for d in decisions:
                guide_id, latest = where[d.defect_id]
                at_sweep = latest
                if sweep_id is not None and content_of(sweep_id, guide_id) is not None:
                    at_sweep = sweep_id
                conn.execute(
                    insert(t.reviews).values(
                        defect_id=d.defect_id, guide_id=guide_id, status=d.status, comment=d.comment or "",
                        reviewer=reviewer, reviewed_at=now, content_hash=content_of(at_sweep, guide_id),
                        sweep_id=at_sweep, source=source,
                    )
                )
        return len(decisions)

    def reviews(self, latest_only: bool = False) -> list[Review]:
        with self.engine.connect() as conn:
            if latest_only:
                return list(self._latest_reviews(conn).values())
            return [self._review(r) for r in conn.execute(select(t.reviews).order_by(t.reviews.c.id))]
