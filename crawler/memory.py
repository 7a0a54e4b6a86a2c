"""Downloader middlewares that keep a sweep's memory bounded by settings, not by page size
(DOWNLOADER_MIDDLEWARES in crawler/settings.py; measured by bench/bigpage_bench.py).

- ``PageBytesBudget``: a page request waits before it is downloaded while the pages fetched and
  not yet extracted (Scrapy's scraper counts them), plus the pages downloading (each counted at
  the recent pages' size), would hold more than GUIDEAUDIT_PAGES_INFLIGHT_BYTES. Loopback
  crawls fetch 16 pages at a time, far faster than they are extracted: without it, dozens of
  big pages sat in memory at once. Small pages never wait.
- ``HeadMetaRefreshMiddleware``: Scrapy's MetaRefreshMiddleware reads only the first 4,096
  characters of a page for a <meta http-equiv="refresh">, but decodes the whole body to get
  them and keeps that text cached on the response (as big as the page again, or four times
  it): this one gives it the page's head only.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

HEAD_BYTES = 16 * 1024  # 4,096 characters of any encoding fit


class PageBytesBudget:
    def __init__(self, crawler: Any, budget: int) -> None:
        self.crawler, self.budget = crawler, budget
        self.downloading: weakref.WeakSet = weakref.WeakSet()
        # What a download will hold: the recent pages' size (moving average), starting from the
        # cap, so the first requests of a portal of huge pages do not all start at once; it
        # falls to a portal's real size within a dozen pages.
        self.page_bytes = crawler.settings.getint("DOWNLOAD_MAXSIZE") or 8 * 1024 * 1024

    @classmethod
    def from_crawler(cls, crawler: Any) -> PageBytesBudget:
        budget = crawler.settings.getint("GUIDEAUDIT_PAGES_INFLIGHT_BYTES")
        if budget <= 0:
            raise NotConfigured
        return cls(crawler, budget)

    def _held(self) -> int:
        scraper = getattr(self.crawler.engine, "scraper", None)
        slot = getattr(scraper, "slot", None)
        return getattr(slot, "active_size", 0)

    def _over(self) -> bool:
        held, downloading = self._held(), len(self.downloading)
        if not held and not downloading:
            return False  # always let one through
        return held + (downloading + 1) * self.page_bytes > self.budget

    async def process_request(self, request: Any, spider: Any = None) -> None:
        # Attachments (their own cap) are fetched from inside an item whose page is still
        # held: making them wait for it would never end. robots.txt is tiny.
        if "download_maxsize" in request.meta or request.url.endswith("/robots.txt"):
            return None
        while self._over() and self.crawler.engine.running:
            await asyncio.sleep(0.05)
        self.downloading.add(request)
        return None

    def process_response(self, request: Any, response: Any, spider: Any = None) -> Any:
        if request in self.downloading:
            self.downloading.discard(request)
            self.page_bytes = int(0.7 * self.page_bytes + 0.3 * len(getattr(response, "body", b"")))
        return response

    def process_exception(self, request: Any, exception: BaseException, spider: Any = None) -> None:
        self.downloading.discard(request)
        return None


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    def process_response(self, request: Any, response: Any, spider: Any = None) -> Any:
        body = getattr(response, "body", b"")
        if len(body) <= HEAD_BYTES:
            return super().process_response(request, response)
        result = super().process_response(request, response.replace(body=body[:HEAD_BYTES]))
        # No refresh: the page itself goes on, not the head it was judged by.
        return response if isinstance(result, Response) else result


M_MMAP_THRESHOLD = -3  # glibc mallopt parameter
MMAP_THRESHOLD = 256 * 1024


def bound_allocator() -> None:
    """Serve every allocation above 256 KB (a page's bytes, its text, a batch's pickle) from
    mmap, given back to the system when freed. glibc otherwise raises its threshold to the
    largest block freed so far, after which big pages are carved from the heap and the crawl's
    RSS stays at its high-water mark (measured: 8 MB pages, 466 MB → 377 MB in the crawl's
    process). Children (extraction workers, the store writer) inherit it by environment."""
    import ctypes
    import ctypes.util
    import os
    import sys

    if not sys.platform.startswith("linux"):
        return
    os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(MMAP_THRESHOLD))
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    except (OSError, AttributeError):
        pass  # not glibc: its own allocator's behaviour stands
