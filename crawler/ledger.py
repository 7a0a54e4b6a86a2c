"""The sweep ledger, crawl side: every URL a sweep decides to fetch ends in exactly one state
(guideaudit.vocab LedgerState / LEDGER_KINDS), recorded in the store's ga_ledger table.

- ``LedgerRecorder`` (one per crawler of a sweep, made by crawler/lifecycle.py): a URL is
  *discovered* when its request is first scheduled (Scrapy's request_scheduled signal) or when
  the spider decides not to fetch it (limit, off-site: ``skip``); it is *settled* once, by
  - the spider (``settle``: a block page, an API answer that is no guide, a failed download
    classified through crawler/netfail.py in the spiders' errback),
  - this module's spider middleware, after a response's output: a guide item hands the URL to
    the store pipeline (its writer records the guide, or 记录无效 / 检查程序出错), otherwise the
    page is a list or other page,
  - the dupefilter (request_dropped: a duplicate of URL N, or a redirect back into its own
    chain: a loop), an item dropped by --max-guides (limit), or the sweep's end (limit, when
    --max-guides stopped it).
  Rows go to the sweep's store writer in batches, never a connection per URL.
- ``LedgerDownloaderMiddleware``: a redirect back into its own chain is a loop (recorded, not
  followed round again), and a body cut short (Scrapy's ``dataloss`` flag, when
  DOWNLOAD_FAIL_ON_DATALOSS is off) is ``truncated``, not a page.

The key of a URL is the URL as decided, before redirects (``ledger_key``); a POST (the API
family's list pages) is keyed on its URL plus a fragment naming its body, fragments never being
sent. Each request carries its key in ``meta["ledger_key"]``, which redirects and retries copy.
No database, no recorder: every hook here is then a no-op.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import weakref
from typing import Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.url import canonicalize_url

from guideaudit.vocab import LEDGER_KINDS

from .keyset import KeySet
from .netfail import ATTACHMENT_META_FLAG as ATTACHMENT_FLAG  # attachments are no pages
from .netfail import REDIRECT_LOOP_MARK, TRUNCATED_MARK, failure_cause

logger = logging.getLogger(__name__)

META_KEY = "ledger_key"
META_PART = "ledger_part"  # a further request of the same guide (API detail parts)
META_INFO = "ledger_info"  # what the spider knows of the URL: role, agency, item_name, unknown
BATCH = 500
FLUSH_SECONDS = 5.0

# crawler/netfail.py causes → ledger kinds
_KIND_OF_CAUSE = {
    "timeout": "timeout", "dns": "dns", "refused": "refused", "tls": "tls", "reset": "reset",
    "truncated": "truncated", "too_large": "too_large", "robots": "robots",
    "redirect_loop": "redirect_loop", "offsite": "offsite", "undecodable": "undecodable",
}

_RECORDERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def ledger_of(crawler: Any) -> LedgerRecorder | None:
    return _RECORDERS.get(crawler) if crawler is not None else None


def request_key(request: Request) -> str:
    if request.method != "GET" and request.body:
        digest = hashlib.sha1(request.body).hexdigest()[:12]
        return f"{request.url}#{request.method.lower()}-{digest}"
    return request.url


def canonical_key(request: Request) -> str:
    """``request_key`` of the request's canonical URL: what requests with one fingerprint share."""
    return request_key(request.replace(url=canonicalize_url(request.url)))


def ledger_key(request: Request) -> str:
    key = request.meta.get(META_KEY)
    if key:
        return key
    chain = request.meta.get("redirect_urls")
    return chain[0] if chain else request_key(request)


def failure_kind(exc: BaseException) -> tuple[str, int | None, str]:
    """(ledger kind, HTTP status, detail) of a failed download, as the errback sees it."""
    if isinstance(exc, HttpError):
        status = exc.response.status
        return "http_status", status, f"HTTP {status}"
    cause = failure_cause(exc)
    kind = _KIND_OF_CAUSE.get(cause, "other_error")
    if cause == "ignored":
        kind = "other_error"
    response = getattr(exc, "response", None)
    text = type(exc).__name__ + (f": {exc}" if str(exc) else "")
    if kind == "undecodable":
        text = f"无法解码：响应体与声明的 Content-Encoding 不符（{text}）"
    return kind, (response.status if response is not None else None), text[:300]


class LedgerRecorder:
    """What one crawler of a sweep discovered and how each URL ended (module docstring).
    ``state``: the sweep's SweepState (crawler/pipelines/store.py), whose writer stores rows."""

    def __init__(self, crawler: Any, state: Any) -> None:
        self.crawler = crawler
        self.state = state
        self.discovered = KeySet()  # a digest per key (crawler/keyset.py): memory flat in portal size
        self.open: dict[str, dict] = {}  # discovered, not yet settled: key → known fields
        self.guides = 0  # URLs handed to the store pipeline as guides (its writer records them)
        self.buffer: list[dict] = []
        self.last_flush = time.monotonic()
        self.inflight: list[threading.Event] = []  # writes handed to worker threads, not yet done
        self.closed = False
        self.settled_twice = 0
        _RECORDERS[crawler] = self
        connect = crawler.signals.connect
        connect(self.request_scheduled, signal=signals.request_scheduled)
        connect(self.request_dropped, signal=signals.request_dropped)
        connect(self.item_dropped, signal=signals.item_dropped)
        connect(self.item_error, signal=signals.item_error)

    # --- discovery ---------------------------------------------------------------------------

    def request_scheduled(self, request: Request, spider: Any = None) -> None:
        meta = request.meta
        if meta.get(ATTACHMENT_FLAG):
            return
        key = meta.get(META_KEY)
        if key is None:
            key = request_key(request)
            meta[META_KEY] = key
        if meta.get(META_PART) or key in self.discovered:
            return  # a part, a retry, a redirect hop or a link to a URL already accounted for
        self.discovered.add(key)
        info = dict(meta.get(META_INFO) or {})
        if "list_page" in meta:
            info.setdefault("role", "list")
        referer = request.headers.get(b"Referer")
        if referer:
            info["referer"] = referer.decode("latin-1")
        self.open[key] = info
        meta["ledger_new"] = True

    def request_dropped(self, request: Request, spider: Any = None) -> None:
        """The dupefilter dropped it: a duplicate, or a redirect hop back into its own chain."""
        meta = request.meta
        if meta.get(ATTACHMENT_FLAG):
            return
        key = ledger_key(request)
        chain = meta.get("redirect_urls") or []
        if chain:
            if request.url in chain:
                self.settle(key, "redirect_loop", detail=f"{REDIRECT_LOOP_MARK}: " + " → ".join([*chain, request.url]),
                            final_url=request.url)
            else:
                self.settle(key, "duplicate", detail=f"重定向到 {request.url}，该网址已抓取", final_url=request.url)
            return
        if not meta.pop("ledger_new", False):
            return
        # Same fingerprint as a request seen before: the same URL once canonicalized (query order,
        # fragment), and the same method and body. Named by that form rather than by keeping the
        # first URL of every fingerprint for the whole sweep.
        first = canonical_key(request)
        self.settle(key, "duplicate", detail=f"与已发现的网址重复（规范化后同为 {first}）")

    def skip(self, url: str, kind: str, detail: str | None = None, **fields: Any) -> None:
        """A URL the spider decided not to fetch (limit, off-site), recorded once."""
        if url in self.discovered:
            return
        self.discovered.add(url)
        self.open[url] = {}
        self.settle(url, kind, detail=detail, **fields)

    # --- settling ----------------------------------------------------------------------------

    def settle(self, key: str, kind: str, *, force: bool = False, **fields: Any) -> None:
        if kind not in LEDGER_KINDS:
            raise ValueError(f"unknown ledger kind {kind!r}")
        info = self.open.pop(key, None)
        if info is None:
            if key not in self.discovered:
                self.discovered.add(key)
                info = {}
            elif not force:
                self.settled_twice += 1
                logger.debug("ledger: %s already settled, %s ignored", key, kind)
                return
            else:
                info = {}
        row = {**info, **{k: v for k, v in fields.items() if v is not None}, "url": key, "kind": kind}
        if not LEDGER_KINDS[kind].unread:
            row.pop("unknown", None)  # only a list page that could not be read leaves guides unknown
        self.buffer.append(row)
        if len(self.buffer) >= BATCH or time.monotonic() - self.last_flush >= FLUSH_SECONDS:
            self.flush()

    def handed_to_store(self, key: str, item: dict) -> None:
        """A guide item for ``key`` (GuideSpider.guide_item): the store's writer records it
        (guide, or why it was not stored); the row's other fields travel with the item."""
        info = self.open.pop(key, None)
        if info is None and key in self.discovered:
            self.settled_twice += 1
            logger.warning("ledger: a second outcome for %s (a guide)", key)
        self.discovered.add(key)
        self.guides += 1
        status = (item.get("raw") or {}).get("status")
        item["ledger"] = {**(info or {}), "url": key, **({"status": status} if isinstance(status, int) else {})}

    def reused(self, key: str, response: Any, item: dict) -> None:
        """Guides an incremental sweep found unchanged (crawler/incremental.py): the answered URL
        itself (a 304, the same bytes), or entries of a list page whose change marker is the base
        sweep's, never requested (recorded here so they are accounted for all the same)."""
        for entry in item.get("guides") or ():
            url = entry.get("fetch_url") or entry.get("url")
            fields = {"guide_id": entry.get("guide_id"), "detail": f"未变化（{entry.get('how')}），沿用第 {entry.get('base')} 次抓取"}
            if url in (key, response.url) and key in self.open:
                self.settle(key, "reused", status=response.status, **fields)
            elif url:
                self.skip(url, "reused", fields.pop("detail"), **fields)

    def item_dropped(self, item: Any, response: Any = None, exception: Any = None, spider: Any = None) -> None:
        info = item.get("ledger") if isinstance(item, dict) else None
        if info:
            kind = "limit" if "max-guides" in str(exception) else "other_error"
            self.settle(info["url"], kind, force=True, detail=str(exception)[:300],
                        **{k: v for k, v in info.items() if k != "url"})

    def item_error(self, item: Any, response: Any = None, spider: Any = None, failure: Any = None) -> None:
        info = item.get("ledger") if isinstance(item, dict) else None
        if info:
            self.settle(info["url"], "other_error", force=True,
                        detail=(failure.getErrorMessage() if failure is not None else "")[:300],
                        **{k: v for k, v in info.items() if k != "url"})

    # --- writing -----------------------------------------------------------------------------

    def flush(self, wait: bool = False) -> None:
        """Send buffered rows to the sweep's writer (from a worker thread; ``wait``: here)."""
        rows, self.buffer = self.buffer, []
        self.last_flush = time.monotonic()
        if not rows:
            return
        if wait:
            self._write(rows)
            return
        from twisted.internet import threads

        done = threading.Event()
        self.inflight = [e for e in self.inflight if not e.is_set()] + [done]
        d = threads.deferToThread(self._write, rows, done)
        d.addErrback(lambda f: logger.error("ledger write failed: %s", f.getErrorMessage()))

    def _write(self, rows: list[dict], done: threading.Event | None = None) -> None:
        state = self.state
        try:
            state.write("ledger", state.sweep_id, rows)
        except Exception as err:
            state.errors.append(f"写入抓取台账失败：{type(err).__name__}: {err}"[:1000])
            raise
        finally:
            if done is not None:
                done.set()

    def wait_inflight(self, timeout: float = 300.0) -> None:
        """Block until the writes handed to worker threads are done: the sweep is finished (its
        writer closed, its ledger read back) only after them. They need no reactor to finish."""
        deadline = time.monotonic() + timeout
        for event in self.inflight:
            if not event.wait(max(0.0, deadline - time.monotonic())):
                logger.error("ledger: a write still running after %.0f s", timeout)
                break

    def close(self, reason: str) -> list[str]:
        """At the crawler's end: URLs still open when --max-guides stopped the sweep were not
        fetched (limit); the rest are written. Returns the keys left unsettled."""
        if self.closed:
            return list(self.open)
        self.closed = True
        if reason == "max_guides":
            for key in list(self.open):
                self.settle(key, "limit", detail="已达 --max-guides 上限，未抓取")
        self.wait_inflight()
        try:
            self.flush(wait=True)
        except Exception:
            logger.exception("ledger: final write failed")
        return list(self.open)


class LedgerDownloaderMiddleware:
    """Redirect loops and truncated bodies (see the module docstring). Placed before Scrapy's
    RedirectMiddleware on the request side, so a hop back into its chain never goes out."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> LedgerDownloaderMiddleware:
        return cls()

    def process_request(self, request: Request, spider: Any = None) -> None:
        chain = request.meta.get("redirect_urls")
        if chain and request.url in chain and not request.meta.get(ATTACHMENT_FLAG):
            raise IgnoreRequest(f"{REDIRECT_LOOP_MARK}: " + " → ".join([*chain, request.url]))
        return None

    def process_response(self, request: Request, response: Any, spider: Any = None) -> Any:
        if "dataloss" in (response.flags or ()) and not request.meta.get(ATTACHMENT_FLAG):
            raise IgnoreRequest(f"{TRUNCATED_MARK}: 响应体比 Content-Length 短（{len(response.body)} 字节）")
        return response


class LedgerSpiderMiddleware:
    """After a response's output: a guide item hands its URL to the store; a page that settled
    nothing and continued nothing is a list page (it led to requests) or another page."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> LedgerSpiderMiddleware:
        return cls(crawler)

    async def process_spider_output_async(self, response: Any, result: Any, spider: Any = None):
        account = _PageAccount.of(self.crawler, response)
        async for out in result:
            if account is not None:
                account.see(out)
            yield out
        if account is not None:
            account.close()

    def process_spider_output(self, response: Any, result: Any, spider: Any = None):
        # Synchronous callbacks: same bookkeeping (Scrapy picks the async variant when it can).
        account = _PageAccount.of(self.crawler, response)
        for out in result:
            if account is not None:
                account.see(out)
            yield out
        if account is not None:
            account.close()

    def process_spider_exception(self, response: Any, exception: BaseException, spider: Any = None) -> None:
        recorder = ledger_of(self.crawler)
        if recorder is not None and response.request is not None:
            recorder.settle(ledger_key(response.request), "other_error", status=response.status,
                            detail=f"{type(exception).__name__}: {exception}"[:300])
        return None


class _PageAccount:
    """What one response's output says about its URL: a guide handed to the store, guides reused
    unchanged, a continuation of itself (a part, a retry), or links to other pages."""

    def __init__(self, recorder: LedgerRecorder, response: Any) -> None:
        self.recorder, self.response = recorder, response
        self.key = ledger_key(response.request)
        self.led = self.continued = False

    @classmethod
    def of(cls, crawler: Any, response: Any) -> _PageAccount | None:
        recorder = ledger_of(crawler)
        if recorder is None or response.request is None:
            return None
        return cls(recorder, response)

    def see(self, out: Any) -> None:
        recorder, key = self.recorder, self.key
        if isinstance(out, dict) and out.get("kind") == "guide" and key in recorder.open:
            recorder.handed_to_store(key, out)
        elif isinstance(out, dict) and out.get("kind") == "reused":
            recorder.reused(key, self.response, out)
        elif isinstance(out, Request):
            if out.meta.get(META_KEY) == key:
                self.continued = True  # a part, a retry: the URL is not done yet
            else:
                self.led = True

    def close(self) -> None:
        """A page that settled nothing and continued nothing: a list page if it led on."""
        recorder, key, response = self.recorder, self.key, self.response
        if key in recorder.open and not self.continued:
            role = (recorder.open[key] or {}).get("role")
            recorder.settle(key, "list_page" if self.led or role == "list" else "other_page", status=response.status,
                            final_url=response.url if response.request.meta.get("redirect_urls") else None)
