"""Store pipeline (ITEM_PIPELINES order 500): checked guides into the sweep, in batches.

Guides are saved ~200 at a time, one transaction per batch, in a worker thread so the crawl
goes on while the database writes; at most one batch is in flight (back-pressure, flat memory).
A batch is also flushed every few seconds so an interrupted sweep loses little and --resume
refetches only what was never stored. Fetch failures are stored as they come.

Several crawlers of one sweep (one per profile) share one SweepState: one store, one set of
counts, one writer lock.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import defer, threads

from guideaudit.store import GuideEntry, Store

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
FLUSH_SECONDS = 5.0
COUNT_KEYS = ("pages", "guides", "defects", "fetch_failures", "attachments", "check_errors")


@dataclass
class SweepState:
    """What the crawlers of one sweep share, and what the sweep reads back when they stop."""

    sweep_id: int
    store: Store
    counts: dict[str, int] = field(default_factory=lambda: {k: 0 for k in COUNT_KEYS})
    close_reasons: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    write_lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


_STATES: dict[int, SweepState] = {}


def register_state(state: SweepState) -> None:
    _STATES[state.sweep_id] = state


def get_state(sweep_id: int, db_url: str | None) -> SweepState:
    state = _STATES.get(sweep_id)
    if state is None:  # a crawl started outside `guideaudit sweep` (e.g. scrapy crawl -s …)
        state = SweepState(sweep_id, Store(db_url))
        register_state(state)
    return state


def count_attachments(entry: GuideEntry) -> int:
    """Form links the crawler verified on this guide (空表, 样表, 结果样本)."""
    record = entry.record
    links = [record.result_sample]
    for material in record.materials or []:
        links.extend([material.blank_form, material.sample_form])
    return sum(1 for link in links if link is not None and link.url and (link.status is not None or link.error))


class StorePipeline:
    def __init__(self, crawler, state: SweepState):
        self.crawler = crawler
        self.state = state
        self.buffer: list[GuideEntry] = []
        self.last_flush = time.monotonic()
        self.in_flight: defer.Deferred | None = None
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler):
        sweep_id = crawler.settings.getint("GUIDEAUDIT_SWEEP_ID")
        if not sweep_id:
            raise NotConfigured("not part of a sweep (GUIDEAUDIT_SWEEP_ID unset)")
        state = get_state(sweep_id, crawler.settings.get("GUIDEAUDIT_DB_URL"))
        pipe = cls(crawler, state)
        crawler.signals.connect(pipe.response_received, signal=signals.response_received)
        crawler.signals.connect(pipe.spider_closed, signal=signals.spider_closed)
        return pipe

    # --- signals ---------------------------------------------------------------------------

    def response_received(self, response, request, spider):
        # Attachment checks also pass through the engine; pages are what the spider parses.
        if request.meta.get("guideaudit_attachment") or request.meta.get("attachment"):
            return
        self.state.add("pages")

    def spider_closed(self, spider, reason):
        self.state.close_reasons[spider.name] = reason

    # --- items -----------------------------------------------------------------------------

    def process_item(self, item, spider):
        if self.failed or not isinstance(item, dict):
            return item
        kind = item.get("kind")
        if kind == "fetch_failure":
            return self._failure(item)
        entry = item.get("entry")
        if kind != "guide" or entry is None:
            return item
        self.buffer.append(entry)
        if len(self.buffer) >= BATCH_SIZE or time.monotonic() - self.last_flush >= FLUSH_SECONDS:
            return self._flush().addCallback(lambda _: item)
        return item

    def _failure(self, item: dict):
        state = self.state
        error = str(item.get("error") or "")[:2000]
        state.add("check_errors" if error.startswith(("检查程序出错", "记录无效")) else "fetch_failures")

        def write():
            with state.write_lock:
                state.store.add_fetch_failure(
                    state.sweep_id, str(item.get("url") or "")[:2000], item.get("status"), error,
                    (str(item["referer"])[:2000] if item.get("referer") else None),
                )

        d = threads.deferToThread(write)
        d.addErrback(self._store_error)
        return d.addCallback(lambda _: item)

    def _flush(self) -> defer.Deferred:
        """Hand the buffer to the writer thread; waits for the batch before it (back-pressure)."""
        batch, self.buffer = self.buffer, []
        self.last_flush = time.monotonic()
        previous = self.in_flight or defer.succeed(None)
        state = self.state

        def write(_):
            if not batch or self.failed:
                return None
            return threads.deferToThread(self._save, batch)

        def saved(_):
            if batch and not self.failed:
                state.add("guides", len(batch))
                state.add("defects", sum(len(e.defects) for e in batch))
                state.add("attachments", sum(count_attachments(e) for e in batch))
                logger.info("stored %d guides (sweep %d, %d so far)", len(batch), state.sweep_id, state.counts["guides"])

        current = previous.addCallback(write)
        current.addCallback(saved)
        current.addErrback(self._store_error)
        self.in_flight = current
        # The caller waits on a fresh deferred so later callbacks do not see its item.
        waiter = defer.Deferred()
        current.addBoth(lambda r: (waiter.callback(None), r)[1])
        return waiter

    def _save(self, batch: list[GuideEntry]) -> None:
        state = self.state
        with state.write_lock:
            state.store.save_guides(state.sweep_id, batch)
            state.store.update_counts(state.sweep_id, dict(state.counts))

    def _store_error(self, failure):
        self.failed = True
        message = f"写入数据库失败：{failure.getErrorMessage()}"
        logger.error("%s", message, exc_info=failure.value)
        self.state.errors.append(message)
        engine = self.crawler.engine
        if engine is not None and engine.running:
            spider = getattr(engine, "spider", None)
            if spider is not None:
                self.crawler.engine.close_spider(spider, "store_error")
        return None

    def close_spider(self, spider):
        return self._flush()
