"""When a leased request is done, in one worker: the lease book, the scheduler and the spider
middleware that feed it.

A lease is acknowledged when everything its request produced is safe: the spider's output is
exhausted, every child request has been queued in Redis (or dropped as a duplicate), and every
item has left the pipelines, a guide only once its batch is committed to the store (the store
pipeline's GUIDE_PENDING / GUIDES_STORED signals). Until then a SIGKILL of the worker returns
the request to the queue and it is fetched again; the store replaces a guide already stored in
the sweep, so it is not stored twice.

Holds per lease: 1 for the response's output (released when it is exhausted, or the callback
raised), +1 per output until it is processed. Outputs are counted where they enter Scrapy's
scraper (the outermost spider middleware for callbacks; the wrapped errback for errbacks, whose
output bypasses spider middlewares), so no output can slip past uncounted.
"""

from __future__ import annotations

import inspect
import logging
import weakref
from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import Request
from scrapy_redis.scheduler import Scheduler
from twisted.python.failure import Failure

from .queue import LeaseQueue, TargetKeys, sweep_base

logger = logging.getLogger(__name__)

LEASE_KEY = "guideaudit_lease"  # meta of a request popped from the queue: its token
PARENT_KEY = "guideaudit_parent"  # meta of a child request: the lease it counts against
ORIGINAL_ERRBACK = "_guideaudit_original"

_BOOKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def book_of(crawler) -> LeaseBook | None:
    return _BOOKS.get(crawler)


class LeaseBook:
    """Open leases of one crawler and what each still waits for."""

    def __init__(self, queue: LeaseQueue, worker: str):
        self.queue = queue
        self.worker = worker
        self.holds: dict[str, int] = {}
        self.output_open: set[str] = set()
        self.items: dict[int, list] = {}  # id(item) -> [token, "out" | "pending"]
        self.acked = 0
        self.lost_acks = 0  # leases taken back before we finished (we were presumed dead)

    def leased(self, token: str) -> None:
        self.holds[token] = 1
        self.output_open.add(token)

    def _release(self, token: str) -> None:
        left = self.holds.get(token)
        if left is None:
            return
        if left > 1:
            self.holds[token] = left - 1
            return
        del self.holds[token]
        if self.queue.ack(token, self.worker):
            self.acked += 1
        else:
            self.lost_acks += 1
            logger.warning("lease %s was taken back before it was done (heartbeat late?)", token)

    def close_output(self, token: str | None) -> None:
        if token and token in self.output_open:
            self.output_open.discard(token)
            self._release(token)

    def register(self, output: Any, token: str | None) -> None:
        """Count one output of the leased request ``token`` (once, wherever it is seen first)."""
        if not token or token not in self.holds:
            return
        if isinstance(output, Request):
            if PARENT_KEY in output.meta:
                return
            output.meta[PARENT_KEY] = token
        else:
            if id(output) in self.items:
                return
            self.items[id(output)] = [token, "out"]
        self.holds[token] += 1

    def child_queued(self, token: str) -> None:
        self._release(token)

    def item_pending(self, item: Any) -> None:
        entry = self.items.get(id(item))
        if entry is not None:
            entry[1] = "pending"

    def item_done(self, item: Any, response: Any) -> None:
        entry = self.items.get(id(item))
        if entry is None:
            # A pipeline replaced the item with another object: settle one of the response's.
            token = _token_of(response)
            match = next((k for k, e in self.items.items() if e[0] == token and e[1] == "out"), None)
            if match is None:
                return
            entry = self.items[match]
            item_key = match
        else:
            item_key = id(item)
        if entry[1] == "pending":
            return  # waits for its batch to be committed
        del self.items[item_key]
        self._release(entry[0])

    def items_stored(self, items: Iterable[Any]) -> None:
        for item in items:
            entry = self.items.pop(id(item), None)
            if entry is not None:
                self._release(entry[0])

    @property
    def open_leases(self) -> int:
        return len(self.holds)


def _token_of(response: Any) -> str | None:
    request = getattr(response, "request", None)
    if request is None:
        return None
    return request.meta.get(LEASE_KEY)


def target_name(spider: Any) -> str:
    """The queue a spider's requests go to: one per profile of the sweep."""
    profile = getattr(spider, "profile", None)
    return profile.name if profile is not None else "url"


class LeasedScheduler(Scheduler):
    """scrapy-redis' scheduler over LeaseQueue: popping leases, queueing settles a parent's
    hold, and a retry or redirect of a leased request takes its place in the queue."""

    crawler: Any = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        from .queue import redis_client

        server = redis_client(settings.get("GUIDEAUDIT_REDIS"))
        instance = cls(server=server, persist=True)
        instance.crawler = crawler
        instance.stats = crawler.stats
        instance.base = settings.get("GUIDEAUDIT_REDIS_BASE") or sweep_base(
            settings.get("GUIDEAUDIT_REDIS_PREFIX", "guideaudit"), settings.getint("GUIDEAUDIT_SWEEP_ID"))
        instance.worker = settings.get("GUIDEAUDIT_WORKER_ID")
        return instance

    def open(self, spider):
        from scrapy_redis import picklecompat
        from scrapy_redis.dupefilter import RFPDupeFilter

        self.spider = spider
        self.keys = TargetKeys(self.base, target_name(spider))
        self.leases = LeaseQueue(self.server, self.keys)
        self.df = RFPDupeFilter(self.server, key=self.keys.dupefilter)
        self.serializer = picklecompat
        self.book = LeaseBook(self.leases, self.worker)
        _BOOKS[self.crawler] = self.book
        waiting, leased = self.leases.sizes()
        logger.info("shared queue %s: %d waiting, %d leased", self.keys.root, waiting, leased)

    def close(self, reason):
        pass  # the queue belongs to the sweep, not to this worker (the coordinator clears it)

    def __len__(self):
        return self.leases.sizes()[0]

    def has_pending_requests(self):
        return len(self) > 0

    def enqueue_request(self, request):
        parent = request.meta.pop(PARENT_KEY, None)
        replaced = request.meta.pop(LEASE_KEY, None)
        original = getattr(request.errback, ORIGINAL_ERRBACK, None)
        if original is not None or getattr(request.errback, "__name__", "") == "_guideaudit_errback":
            request.errback = original
        try:
            if not self.leases.push(self.encode(request), request.priority, dedupe_key(self.df, request, bool(parent))):
                self.df.log(request, self.spider)
                return False
            if self.stats:
                self.stats.inc_value("scheduler/enqueued/redis")
            return True
        finally:
            if parent:
                self.book.child_queued(parent)
            elif replaced:
                # a retry or redirect of a leased request: queued in its place, so the
                # original's lease has nothing left to produce
                self.book.close_output(replaced)

    def encode(self, request) -> bytes:
        return self.serializer.dumps(request.to_dict(spider=self.spider))

    def next_request(self):
        popped = self.leases.pop(self.worker)
        if popped is None:
            return None
        token, encoded = popped
        from scrapy.utils.request import request_from_dict

        try:
            request = request_from_dict(self.serializer.loads(encoded), spider=self.spider)
        except Exception as err:  # a request this code cannot run: say so, do not block the sweep
            logger.error("无法还原队列中的请求（%s: %s），已丢弃", type(err).__name__, err)
            self.leases.ack(token, self.worker)
            return None
        request.meta[LEASE_KEY] = token
        request.errback = _tracked_errback(request.errback, self.book, token)
        self.book.leased(token)
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


def dedupe_key(df, request, child: bool) -> str:
    """What scrapy-redis' duplicate filter keeps for a request ('' = queue it regardless), and
    one more rule for a worker that re-runs a request taken back from a dead worker: a
    dont_filter request the spider yields (the next list page, an API part) is queued once per
    sweep, or every kill would start a second chain of list pages. Retries and redirects (not
    children) pass as dont_filter asks."""
    if not request.dont_filter:
        return df.request_fingerprint(request)
    return "child:" + df.request_fingerprint(request) if child else ""


def _tracked_errback(original, book: LeaseBook, token: str):
    def _guideaudit_errback(failure):
        if original is None:
            book.close_output(token)
            return failure  # Scrapy logs the download error as usual
        try:
            output = original(failure)
        except BaseException:
            book.close_output(token)
            raise
        if output is None or isinstance(output, Failure):
            book.close_output(token)
            return output
        if isinstance(output, (Request, dict)) or not (
            isinstance(output, AsyncIterator) or isinstance(output, Iterable)
        ):
            output = [output]
        if isinstance(output, AsyncIterator) or inspect.isasyncgen(output):
            return _count_async(output, book, token)
        return _count(output, book, token)

    setattr(_guideaudit_errback, ORIGINAL_ERRBACK, original)
    return _guideaudit_errback


def _count(output: Iterable[Any], book: LeaseBook, token: str | None):
    try:
        for x in output:
            book.register(x, token)
            yield x
    finally:
        book.close_output(token)


async def _count_async(output: AsyncIterator[Any], book: LeaseBook, token: str | None):
    try:
        async for x in output:
            book.register(x, token)
            yield x
    finally:
        book.close_output(token)


class LeaseSpiderMiddleware:
    """Outermost spider middleware (SPIDER_MIDDLEWARES order 1): counts a leased response's
    outputs as they enter the scraper, and settles the output hold when they are exhausted."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _book(self):
        return book_of(self.crawler)

    async def process_start(self, start):
        """A worker runs no start requests: the coordinator seeded them into the queue."""
        return
        yield  # an async generator that yields nothing

    def process_spider_output(self, response, result):
        book = self._book()
        if book is None:
            yield from result
            return
        yield from _count(result, book, _token_of(response))

    async def process_spider_output_async(self, response, result):
        book = self._book()
        if book is None:
            async for x in result:
                yield x
            return
        async for x in _count_async(result, book, _token_of(response)):
            yield x

    def process_spider_exception(self, response, exception):
        book = self._book()
        if book is not None:
            book.close_output(_token_of(response))
        return None
