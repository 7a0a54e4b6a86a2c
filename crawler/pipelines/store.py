"""Store pipeline (ITEM_PIPELINES order 500): checked guides into the sweep, in batches.

Guides are saved ~200 at a time, one transaction per batch, by a writer process of its own
(SQLAlchemy's per-row Python work would otherwise take the GIL from the crawl: ~1 ms a guide,
measured in bench/sweep_bench.py), fed from a worker thread so the crawl goes on while the
database writes; at most one batch is in flight (back-pressure, flat memory).
GUIDEAUDIT_STORE_WRITER=thread writes from the thread instead.
A batch is also flushed by a timer within FLUSH_SECONDS, so an interrupted sweep loses little and
--resume refetches only what was never stored. Fetch failures are stored as they come. The ledger
rows of the batch's URLs (crawler/ledger.py) are written by the writer right after their guides.

Every write replaces by key (a guide of the sweep, a request, a failed URL), so whatever a
resumed sweep writes again is held once; the sweep's figures are counted from the store when it
ends, never summed in memory (crawler/lifecycle.py sweep_figures).

Several crawlers of one sweep (one per profile) share one SweepState: one store, one writer
lock. The sweep itself (lock, start, finish) is crawler/lifecycle.py's; this pipeline is on
exactly when it is (setting GUIDEAUDIT_DB) and writes into its session.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import threads

from guideaudit.store import GuideEntry, Store

from .reuse import Fetched, Reused, _record_and_body, resolve

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
REUSED_WEIGHT = 0.2  # a reused guide (incremental) costs the writer a fraction of a checked one
# The documented promise: a guide the crawl yielded is in the store within FLUSH_SECONDS. A
# timer (not only the next item) flushes a batch once its oldest guide has waited FLUSH_AFTER,
# leaving the rest of the 5 s for the write itself (tests/sweep/test_write_cadence.py measures it).
# A batch is also bounded by the bytes of its evidence pages, so a batch of big pages never holds
# hundreds of MB in the crawl's process, its pickle and the writer (bench/bigpage_bench.py).
BATCH_BYTES = 16 * 1024 * 1024
FLUSH_SECONDS = 5.0
FLUSH_AFTER = FLUSH_SECONDS / 2
FLUSH_TICK = 0.5
# Failures the check pipeline reports: not fetch failures (see pipelines/check.py).
CHECK_ERROR_PREFIXES = ("检查程序出错", "记录无效")


WRITER_DB_ENV = "GUIDEAUDIT_WRITER_DB"

# Sent with the guide item when it is buffered, and with the batch's items once they are
# committed: what a distributed worker waits for before it lets go of a request's lease
# (crawler/distributed/leases.py).
GUIDE_PENDING = object()
GUIDES_STORED = object()


# Progress counts for `guideaudit sweeps` while a sweep runs are three COUNT(*) over the sweep's
# rows, whose cost grows with the sweep: 29 ms on SQLite, 81 ms on PostgreSQL at 300,000 guides
# (measured), 22 s / 61 s a sweep when refreshed after every batch. So: at most every
# COUNTS_EVERY seconds, and never more than 1/COUNTS_SHARE of the time in between. `sweeps`
# counts a running sweep's rows itself, so a killed sweep never shows stale figures.
COUNTS_EVERY = 5.0
COUNTS_SHARE = 50


class ProgressCounts:
    """When a writer refreshes the sweep row's progress counts (one per writer)."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.due: dict[int, float] = {}  # sweep id -> earliest next refresh

    def refresh(self, store: Store, sweep_id: int) -> bool:
        now = self.clock()
        if now < self.due.get(sweep_id, float("-inf")):
            return False
        store.update_counts(sweep_id, store.stored_counts(sweep_id))
        self.due[sweep_id] = now + max(COUNTS_EVERY, COUNTS_SHARE * (self.clock() - now))
        return True


class StoreWriteError(RuntimeError):
    pass


class ThreadWriter:
    """Writes with the sweep's own Store, in the calling (worker) thread."""

    def __init__(self, store: Store):
        self.store = store
        self.counts = ProgressCounts()

    def call(self, op: str, *args: Any) -> Any:
        return _apply(self.store, op, args, self.counts)

    def close(self) -> None:
        pass


class ProcessWriter:
    """Writes through a child process holding its own Store; requests and replies are
    length-prefixed pickles over its stdin/stdout (a private pipe between two processes of
    the same program). The child ends at EOF, so a parent killed with SIGKILL takes it along;
    it runs in its own session, so the terminal's Ctrl-C reaches only the parent, which then
    flushes what it holds before closing the pipe."""

    def __init__(self, db_url: str):
        # The URL goes by environment, not argv: `ps` must not show a database password.
        env = {**os.environ, WRITER_DB_ENV: db_url}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "guideaudit.crawler.pipelines.store", "--writer"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True, env=env,
        )
        self.lock = threading.Lock()

    def call(self, op: str, *args: Any) -> Any:
        with self.lock:
            data = pickle.dumps((op, args), protocol=pickle.HIGHEST_PROTOCOL)
            try:
                self.proc.stdin.write(struct.pack(">Q", len(data)) + data)
                self.proc.stdin.flush()
                reply = _read_message(self.proc.stdout)
            except (BrokenPipeError, OSError):
                reply = None
            if reply is None:
                raise StoreWriteError(f"数据库写入进程意外退出（退出码 {self.proc.poll()}）")
            status, payload = reply
            if status != "ok":
                raise StoreWriteError(payload)
            return payload

    def close(self) -> None:
        with self.lock:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _read_message(stream) -> Any:
    header = stream.read(8)
    if len(header) < 8:
        return None
    (size,) = struct.unpack(">Q", header)
    body = stream.read(size)
    if len(body) < size:
        return None
    return pickle.loads(body)


def _apply(store: Store, op: str, args: tuple, counts: ProgressCounts) -> Any:
    if op == "save":
        # Order matters for a SIGKILL between two statements: the pages first (a page recorded
        # whose guide is not stored is fetched again on --resume and upserted, counted once),
        # then the guides, then the check errors of this batch (after the guides, which clear
        # earlier failures of the URLs they store). Every write replaces by key: nothing a
        # resumed sweep writes again is ever counted twice.
        sweep_id, batch, pages, recovered, *rest = args
        ledgers = rest[0] if rest else [None] * len(batch)
        store.record_pages(sweep_id, pages)
        if recovered:
            store.clear_fetch_failures(sweep_id, recovered)
        # incremental re-sweeps: unchanged guides are carried over, not checked (pipelines/reuse.py)
        resolved = resolve(store, sweep_id, batch)
        entries, failed, outcomes = _checked(resolved.to_check)
        failed += resolved.failed
        store.save_guides(sweep_id, entries)
        store.save_validators(sweep_id, resolved.rows)
        for url, status, error in failed:
            store.add_fetch_failure(sweep_id, url, status, error, None)
        # the ledger rows of the batch's URLs, after their guides (replaced by URL, like them)
        store.add_ledger(sweep_id, _ledger_rows(batch, ledgers, resolved.to_check, outcomes))
        # Progress for whatever reads the sweep row while it runs, from the store (exact, not
        # summed), now and then (ProgressCounts).
        counts.refresh(store, sweep_id)
        return {"guides": len(entries) + resolved.carried["guides"], "failed": failed}
    if op == "failure":
        return store.add_fetch_failure(*args)
    if op == "validators":
        return store.save_validators(*args)
    if op == "ledger":
        return store.add_ledger(*args)
    raise ValueError(f"unknown store operation {op!r}")


def _ledger_rows(batch: list, ledgers: list, checked: list, outcomes: list) -> list[dict]:
    """Ledger rows of a batch's guide URLs: checked ones stored (or why not); fetched ones whose
    content was the base sweep's carried over (reused). Reused items found unchanged before any
    fetch are recorded by the ledger's spider middleware, not here."""
    given = {id(e.entry if isinstance(e, Fetched) else e): (info, e)
             for e, info in zip(batch, ledgers, strict=True) if info}
    rows, seen = [], set()
    for entry, (stored, error) in zip(checked, outcomes, strict=True):
        found = given.get(id(entry))
        if found is not None:
            seen.add(id(entry))
            rows.append(_guide_row(found[0], stored, error))
    for key, (info, e) in given.items():
        if key in seen or not isinstance(e, Fetched):
            continue
        record, _body = _record_and_body(e.entry)
        record = record or {}
        row = dict(info)
        row.update(kind="reused", guide_id=record.get("id"), agency=record.get("agency") or row.get("agency"),
                   item_name=record.get("item_name") or row.get("item_name"))
        rows.append(row)
    return rows


def _guide_row(info: dict, entry: GuideEntry | None, error: str | None) -> dict:
    """The ledger row of a URL handed over as a guide: stored, or why it was not."""
    row = dict(info)
    if entry is not None:
        record = entry.record
        row.update(kind="stored", guide_id=record.id, agency=record.agency or row.get("agency"),
                   item_name=record.item_name or row.get("item_name"))
        if record.url and record.url != row["url"] and not row["url"].startswith(record.url + "#"):
            row["final_url"] = record.url  # after redirects (an API guide: its page, not the API's URL)
        damaged = damaged_fields(record)
        if damaged:
            row["detail"] = "含无法解码的字节，已替换为 U+FFFD（待核实）：" + "、".join(damaged)
        return row
    kind = "record_invalid" if (error or "").startswith("记录无效") else "checker_error"
    row.update(kind=kind, detail=error)
    return row


def damaged_fields(record) -> list[str]:
    """Labels of the record's fields holding U+FFFD: bytes of the page that did not decode
    (crawler/extract/decode.py replaces a stray byte rather than lose the page)."""
    from guideaudit.record import field_label

    found = []
    for name, value in record:
        if isinstance(value, str):
            if "\ufffd" in value:
                found.append(field_label(name))
        elif isinstance(value, list) and value:
            if any(_holds_fffd(v) for v in value):
                found.append(field_label(name))
    return found


def _holds_fffd(value: Any, nested: bool = False) -> bool:
    """Whether str(value) (repr inside containers) would show U+FFFD, without building it: a
    pydantic model's str lists repr() of its fields, and repr keeps U+FFFD (a printable
    character) as it is, so it shows one exactly when some string inside holds one. The str of
    each material and step (about 50 µs a record) was most of this check's cost."""
    if isinstance(value, str):
        return "\ufffd" in value
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        return any(_holds_fffd(v, True) for k, v in value.__dict__.items() if k not in fields or fields[k].repr) or any(
            _holds_fffd(v, True) for v in (value.__pydantic_extra__ or {}).values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_holds_fffd(v, True) for v in value)
    if isinstance(value, dict):
        return any(_holds_fffd(k, True) or _holds_fffd(v, True) for k, v in value.items())
    if value is None or isinstance(value, (bool, int, float)):
        return False
    return "\ufffd" in (repr(value) if nested else str(value))


def _checked(batch: list) -> tuple[list[GuideEntry], list[tuple[str, Any, str]], list[tuple[GuideEntry | None, str | None]]]:
    """Entries of a batch; an unchecked (record, raw) pair is checked here first (a sweep
    checks in its writer, off the crawl's GIL). Failures: (url, status, error); outcomes: per
    batch entry, (entry, None) or (None, error)."""
    from guideaudit.crawler.pipelines.check import check_item

    entries, failed, outcomes = [], [], []
    for entry in batch:
        if isinstance(entry, GuideEntry):
            entries.append(entry)
            outcomes.append((entry, None))
            continue
        record, raw = entry
        checked, error = check_item(record, raw, log=False)
        if checked is None:
            raw = raw or {}
            failed.append((str(raw.get("url") or (record or {}).get("url") or "")[:2000], raw.get("status"), error))
            outcomes.append((None, error))
        else:
            entries.append(checked)
            outcomes.append((checked, None))
    return entries, failed, outcomes


def writer_main(db_url: str) -> int:
    """The writer process: apply each request to the store until the parent closes the pipe."""
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies may reach the pipe
    store = Store(db_url or None)
    from guideaudit.crawler import gcpolicy

    gcpolicy.apply(gcpolicy.WORKER_THRESHOLDS)
    counts = ProgressCounts()
    try:
        while True:
            message = _read_message(requests)
            if message is None:
                return 0
            op, args = message
            try:
                reply = ("ok", _apply(store, op, args, counts))
            except Exception as err:  # reported to the parent, which fails the sweep
                reply = ("error", f"{type(err).__name__}: {err}"[:2000])
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
            replies.write(struct.pack(">Q", len(data)) + data)
            replies.flush()
    finally:
        store.close()


@dataclass
class SweepState:
    """What the crawlers of one sweep share. Nothing here is a figure of the sweep: those are
    counted from the store when it ends (crawler/lifecycle.py), so a resumed sweep's figures
    are exact whatever an earlier, killed run had counted."""

    sweep_id: int
    store: Store
    close_reasons: dict[int, str] = field(default_factory=dict)  # id(crawler) -> reason
    crawlers: list = field(default_factory=list)
    accepted: int = 0  # guides taken for storing (for --max-guides)
    stored: int = 0  # guides this process stored (log lines only)
    errors: list[str] = field(default_factory=list)
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    writer_mode: str = "process"
    # URLs this sweep recorded as failures in an earlier run: a 2xx for one clears it.
    failed_before: set[str] = field(default_factory=set)
    # Per crawler: pages received and recovered URLs not yet written (each crawler's store
    # pipeline writes its own with its own guide batches, so a guide is never stored ahead of
    # the record of its page).
    pending_pages: dict[int, list] = field(default_factory=dict)
    pending_recovered: dict[int, list] = field(default_factory=dict)
    _writer: Any = None

    def page_received(self, crawler, request, response) -> None:
        key = crawler.request_fingerprinter.fingerprint(request).hex()
        self.pending_pages.setdefault(id(crawler), []).append((key, response.url[:2000], response.status))
        if 200 <= response.status < 300 and self.failed_before:
            # a POST's failure is recorded under its ledger key (spiders/base.py failure_url)
            url = request.url if request.method == "GET" else request.meta.get("ledger_key")
            if url in self.failed_before:
                self.pending_recovered.setdefault(id(crawler), []).append(url)

    def take_pending(self, crawler) -> tuple[list, list]:
        return self.pending_pages.pop(id(crawler), []), self.pending_recovered.pop(id(crawler), [])

    def start_writer(self) -> None:
        """Start the writer when the crawl opens, not at the first batch: the writer process
        takes seconds to import on a busy machine, and the first guides must not wait for it
        (FLUSH_SECONDS)."""
        with self.write_lock:
            self._ensure_writer()

    def _ensure_writer(self) -> Any:
        if self._writer is None:
            self._writer = ProcessWriter(self.store.url) if self.writer_mode == "process" else ThreadWriter(self.store)
        return self._writer

    def write(self, op: str, *args: Any) -> Any:
        """Called from worker threads, one write at a time."""
        with self.write_lock:
            return self._ensure_writer().call(op, *args)

    def close_writer(self) -> None:
        """Wait for the writer to finish what it was given; before reading the sweep back."""
        with self.write_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None


def writer_mode(settings) -> str:
    mode = (settings.get("GUIDEAUDIT_STORE_WRITER") or "process").lower()
    return mode if mode in ("process", "thread") else "process"


def count_attachments(record: dict) -> int:
    """Form links the crawler verified on a guide (空表, 样表, 结果样本), from the record's
    JSON data as stored."""
    links = [record.get("result_sample")]
    for material in record.get("materials") or []:
        if isinstance(material, dict):
            links.extend([material.get("blank_form"), material.get("sample_form")])
    return sum(
        1 for link in links
        if isinstance(link, dict) and link.get("url") and (link.get("status") is not None or link.get("error"))
    )


def _evidence_bytes(entry: Any) -> int:
    """Size of the page a buffered guide carries (a GuideEntry or an unchecked (record, raw),
    either maybe wrapped as Fetched for the next incremental sweep)."""
    if isinstance(entry, Fetched):
        entry = entry.entry
    raw = entry.raw if isinstance(entry, GuideEntry) else (entry[1] if isinstance(entry, tuple) else None)
    body = getattr(raw, "body", None) if not isinstance(raw, dict) else raw.get("body")
    return len(body) if isinstance(body, (bytes, bytearray, str)) else 0


class StorePipeline:
    def __init__(self, crawler, state: SweepState | None, max_guides: int | None = None):
        self.crawler = crawler
        # Guides per transaction: smaller loses less to a kill and writes more often.
        self.batch_size = max(1, crawler.settings.getint("GUIDEAUDIT_STORE_BATCH", BATCH_SIZE))
        self.state = state  # None: the sweep was refused (locked, …); items pass through
        self.max_guides = max_guides
        self.buffer: list[GuideEntry] = []
        self.oldest: float | None = None  # when the oldest unwritten guide of the buffer came
        self.buffer_items: list[dict] = []  # the items of buffer, for GUIDES_STORED
        self.ledgers: list[dict | None] = []  # the ledger fields of each buffered guide (crawler/ledger.py)
        self.buffered_bytes = 0
        self.last_flush = time.monotonic()
        self._timer = None
        self._writing: asyncio.Lock | None = None
        self.failed = False
        # Guides come unchecked (CheckPipeline deferred): the writer checks them.
        self.check_in_writer = crawler.settings.getbool("GUIDEAUDIT_CHECK_IN_WRITER", True)
        self.base_sweep = crawler.settings.getint("GUIDEAUDIT_BASE_SWEEP") or None  # --incremental
        self.weight = 0.0  # guides in the buffer, a reused one counting REUSED_WEIGHT

    @classmethod
    def from_crawler(cls, crawler):
        from guideaudit.crawler.lifecycle import SweepLifecycle, db_setting, session_of

        settings = crawler.settings
        if not db_setting(settings):
            raise NotConfigured  # no database, no store (silent, like the lifecycle extension)
        session = session_of(crawler)
        if session is None and not any(isinstance(e, SweepLifecycle) for e in crawler.extensions.middlewares):
            raise NotConfigured("GUIDEAUDIT_DB 已设置，但抓取生命周期扩展 SweepLifecycle 未启用（EXTENSIONS）：本次不入库")
        max_guides = settings.getint("GUIDEAUDIT_MAX_GUIDES") or None
        return cls(crawler, session.state if session else None, max_guides)

    # --- items -----------------------------------------------------------------------------

    async def process_item(self, item):
        if self.failed or self.state is None or not isinstance(item, dict):
            return item
        kind = item.get("kind")
        if kind == "fetch_failure":
            # a page answered 200 but was no page (a block page): not recovered after all
            pending = self.state.pending_recovered.get(id(self.crawler))
            if pending and item.get("url") in pending:
                pending[:] = [u for u in pending if u != item.get("url")]
            await self._failure(item)
            return item
        if kind == "reused":  # found unchanged: the writer carries them over (pipelines/reuse.py)
            # pending like a guide: a distributed worker's lease waits for its batch as well
            self.buffer_items.append(item)
            self.crawler.signals.send_catch_log(signal=GUIDE_PENDING, item=item)
            await self._reused(item.get("guides") or [])
            return item
        entry = item.get("entry")
        if kind != "guide":
            return item
        if entry is None:
            if not self.check_in_writer or item.get("record") is None:
                return item
            entry = (item["record"], item.get("raw"))  # checked by the writer (see _checked)
        if item.get("fetch"):  # kept for the next incremental sweep
            entry = Fetched(entry, item["fetch"], self.base_sweep)
        if self.max_guides is not None:
            if self.state.accepted >= self.max_guides:
                raise DropItem("--max-guides reached")
            self.state.accepted += 1
            if self.state.accepted == self.max_guides:
                self._stop_all("max_guides")
        self.buffer.append(entry)
        self.buffer_items.append(item)
        self.crawler.signals.send_catch_log(signal=GUIDE_PENDING, item=item)
        self.weight += 1
        self.ledgers.append(item.get("ledger"))
        if self.oldest is None:
            self.oldest = time.monotonic()
        self.buffered_bytes += _evidence_bytes(entry)
        if self.weight >= self.batch_size or self.buffered_bytes >= BATCH_BYTES:
            await self._flush()
        return item

    async def _reused(self, entries: list[dict]) -> None:
        """Reused guides weigh a fifth of a guide in a batch: the writer only links rows."""
        for entry in entries:
            if self.max_guides is not None:
                if self.state.accepted >= self.max_guides:
                    return
                self.state.accepted += 1
                if self.state.accepted == self.max_guides:
                    self._stop_all("max_guides")
            self.buffer.append(Reused(entry))
            self.ledgers.append(None)  # its ledger row is the spider middleware's (crawler/ledger.py)
            self.weight += REUSED_WEIGHT
        if entries and self.oldest is None:
            self.oldest = time.monotonic()
        if self.weight >= self.batch_size:
            await self._flush()

    def open_spider(self, spider=None) -> None:
        if self.state is None:
            return
        from twisted.internet import task

        self._timer = task.LoopingCall(self._tick)
        self._timer.start(FLUSH_TICK, now=False)

    def _tick(self):
        """Flush on time, not only when the next guide comes: a sweep whose guides trickle in
        (a slow portal, a long list page) still has them in the store within FLUSH_SECONDS."""
        if self.failed or self.state is None:
            return None
        now = time.monotonic()
        guides_due = self.oldest is not None and now - self.oldest >= FLUSH_AFTER
        pages_due = bool(self.state.pending_pages.get(id(self.crawler))) and now - self.last_flush >= FLUSH_SECONDS
        if guides_due or pages_due:
            return deferred_from_coro(self._flush())
        return None

    async def _failure(self, item: dict) -> None:
        state = self.state
        error = str(item.get("error") or "")[:2000]

        def write():
            state.write(
                "failure", state.sweep_id, str(item.get("url") or "")[:2000], item.get("status"), error,
                (str(item["referer"])[:2000] if item.get("referer") else None),
            )

        try:
            await maybe_deferred_to_future(threads.deferToThread(write))
        except Exception as err:
            self._store_error(err)

    async def flush(self) -> None:
        """Save what is buffered now (a distributed worker with nothing else to do)."""
        await self._flush()

    async def _flush(self) -> None:
        """Save the buffer (and the pages received since the last flush) in the writer thread;
        one batch at a time (back-pressure)."""
        batch, self.buffer, self.oldest = self.buffer, [], None
        items, self.buffer_items = self.buffer_items, []
        self.weight = 0.0
        ledgers, self.ledgers = self.ledgers, []
        self.buffered_bytes = 0
        pages, recovered = self.state.take_pending(self.crawler)
        self.last_flush = time.monotonic()
        if not batch and not pages and not recovered:
            return
        if self._writing is None:
            self._writing = asyncio.Lock()
        async with self._writing:
            if self.failed:
                return
            try:
                await maybe_deferred_to_future(threads.deferToThread(self._save, batch, pages, recovered, ledgers))
            except Exception as err:
                self._store_error(err)
                return
        if items:
            self.crawler.signals.send_catch_log(signal=GUIDES_STORED, items=items)
        if batch:
            state = self.state
            logger.info("stored %d guides (sweep %d, %d by this process)", len(batch), state.sweep_id, state.stored)

    def _save(self, batch: list, pages: list, recovered: list, ledgers: list | None = None) -> None:
        state = self.state
        done = state.write("save", state.sweep_id, batch, pages, recovered, ledgers or [None] * len(batch))
        state.stored += done["guides"]
        for url, _status, error in done["failed"]:
            logger.error("guide not stored: %s (%s)", error, url)

    def _store_error(self, err: BaseException) -> None:
        self.failed = True
        message = f"写入数据库失败：{type(err).__name__}: {err}"
        logger.error("%s", message, exc_info=err)
        self.state.errors.append(message[:1000])
        self._stop_all("store_error")

    def _stop_all(self, reason: str) -> None:
        """Close every crawler of the sweep (soon, not from inside the item being processed)."""
        for crawler in self.state.crawlers if self.state else [self.crawler]:
            self._stop_crawler(crawler, reason)

    @staticmethod
    def _stop_crawler(crawler, reason: str) -> None:
        from twisted.internet import reactor

        def close():
            engine = crawler.engine
            if engine is None or engine.spider is None or not engine.running:
                return
            if engine._slot is not None and engine._slot.closing is None:
                d = deferred_from_coro(engine.close_spider_async(reason=reason))
                d.addErrback(lambda f: logger.error("closing the spider failed: %s", f.getErrorMessage()))

        reactor.callLater(0, close)

    async def close_spider(self):
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        if self.state is not None:
            await self._flush()


if __name__ == "__main__" and sys.argv[1:2] == ["--writer"]:
    sys.exit(writer_main(os.environ.get(WRITER_DB_ENV, "")))
