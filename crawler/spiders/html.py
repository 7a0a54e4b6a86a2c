"""The generic spider: server-rendered portals, no per-portal code.

Given only a start URL it follows every link on the same host (list pages, pagers, guides),
never leaves the host, lets Scrapy's dupefilter drop pages already seen, and yields a record
for each page the generic extractor recognises as a guide (enough mapped labels, 事项名称
among them). Attachment links (空表/样表 and document files) are verified by the attachment
pipeline, not crawled as pages. A profile may add list endpoints walked page by page and a
regex for links hidden in scripts (``onclick="bszn('…')"``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.http import TextResponse

from ..extract.blockpage import failure_text
from ..extract.page import MIN_GUIDE_FIELDS
from ..extract.pool import Extracted, extract_job
from ..incremental import listed_url, marker_text, reused_item
from ..keyset import KeySet
from ..ledger import META_INFO
from ..netfail import TRUNCATED_MARK
from ..pager import Series, expected_on, series_of, total_of
from .base import GuideSpider, now_iso

DOCUMENT_EXTENSIONS = frozenset(
    "doc docx xls xlsx pdf wps et dps ofd zip rar 7z gz tar jpg jpeg png gif bmp tif tiff webp "
    "mp3 mp4 avi ppt pptx txt csv xml json apk exe".split()
)
_DOWNLOAD_PATH = re.compile(r"/(?:download|downloadfile|attachment|attach)(?:[/?.]|$)", re.I)


def looks_like_document(url: str) -> bool:
    path = urlsplit(url).path
    name = path.rsplit("/", 1)[-1]
    if "." in name and name.rsplit(".", 1)[-1].lower() in DOCUMENT_EXTENSIONS:
        return True
    return bool(_DOWNLOAD_PATH.search(path))



LIST_FAILURES_IN_A_ROW = 3  # a profile's numbered walk gives up after this many failed pages in a row

_HTML_START = (b"<!doctype html", b"<html")


def looks_like_html(body: bytes) -> bool:
    """A page served under another type (application/octet-stream, no type at all) that is an
    HTML document all the same: read as one, as a browser that sniffs would show it."""
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(_HTML_START)


def cut_short(response: Any) -> bool:
    """An HTML document that opened <html> and never closed it, sent without Content-Length:
    the connection closed mid-page (with a length, Scrapy's dataloss flag says so instead)."""
    if response.headers.get(b"Content-Length") is not None:
        return False
    body = response.body
    return b"<html" in body[:4096].lower() and b"</html>" not in body[-65536:].lower()

class GuideHtmlSpider(GuideSpider):
    name = "generic"
    family = "html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.netloc = urlsplit(self.base_url).netloc
        profile = self.profile
        if self.start_url:
            self.start_urls = [self.start_url]
        else:
            self.start_urls = [urljoin(self.base_url + "/", p.lstrip("/")) for p in (profile.start_paths if profile else [])]
        self.link_regex = re.compile(profile.link_regex) if profile and profile.link_regex else None
        self.follow_links = profile.follow_links if profile else True
        self.min_fields = profile.min_fields if profile else MIN_GUIDE_FIELDS
        self.forced_encoding = profile.encoding if profile else None
        self.seen_links = KeySet()  # to tell a list page with new links from a repeat (compact: crawler/keyset.py)
        self.series_seen: dict[tuple, dict] = {}  # pager series → entries per page, last page, total
        # -a labels=FILE: a user's label synonyms (same shape as crawler/labels.yaml); checked
        # here so a bad file fails before any fetch, then loaded once per extraction process.
        self.labels_file = str(kwargs["labels"]) if kwargs.get("labels") else None
        if self.labels_file:
            from ..extract.labels import load_labels

            load_labels(self.labels_file)

    def request_meta(self) -> dict[str, Any]:
        return {}

    def page_request(self, url: str, **meta: Any) -> scrapy.Request | None:
        if urlsplit(url).netloc != self.netloc or urlsplit(url).scheme not in ("http", "https"):
            if "list_page" in meta or meta.get("decided"):
                # a start or list page the sweep was told to read: say why it was not
                self.not_fetched(url, "offsite", f"不在本站（{self.netloc}）")
            return None
        meta.pop("decided", None)
        if looks_like_document(url) or self.skipped(url):
            return None
        if not self._may_request():
            self.not_fetched(url, "limit", "已达本次抓取的页面或指南上限")
            return None
        callback = self.parse_page_pooled if self.extract_pool is not None else self.parse_page
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta={**self.request_meta(), **meta})

    async def start(self):
        if self.retry is not None:  # an exact resume: only what the ledger says to retry
            for request in self.retry_requests():
                yield request
            return
        for url in self.start_urls:
            # a start page leads to the guides: if it fails, how many it held is unknown
            request = self.page_request(url, decided=True, ledger_info={"role": "list"})
            if request is not None:
                yield request
        listing = self.profile.list_pages if self.profile else None
        if listing is not None:
            request = self._list_request(listing.first_page)
            if request is not None:
                yield request

    exact_resume = True

    def retry_request(self, row: dict) -> scrapy.Request | None:
        url = row["url"]
        if "#" in url or urlsplit(url).netloc != self.netloc:
            return None
        self.seen_links.add(url)  # a link to it on a page read again is this request
        callback = self.parse_page_pooled if self.extract_pool is not None else self.parse_page
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=self.request_meta())

    @staticmethod
    def owns_key(profile: Any, base_url: str, key: str) -> bool:
        """Whether a ledger key of a sweep is this spider's to retry: a page of its host."""
        return "#" not in key and urlsplit(key).netloc == urlsplit(base_url).netloc

    def _list_request(self, page: int) -> scrapy.Request | None:
        listing = self.profile.list_pages
        url = urljoin(self.base_url + "/", listing.url.format(page=page).lstrip("/"))
        request = self.page_request(url, list_page=page)
        if request is not None:
            request.dont_filter = True
        return request

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> GuideHtmlSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        workers = crawler.settings.getint("GUIDEAUDIT_EXTRACT_WORKERS", 0)
        if workers > 0:
            from ..extract.pool import ExtractPool

            spider.extract_pool = ExtractPool(workers)
            crawler.signals.connect(spider._close_pool, signal=signals.spider_closed)
        return spider

    extract_pool: Any = None  # an ExtractPool when GUIDEAUDIT_EXTRACT_WORKERS > 0

    def _close_pool(self, spider: Any = None, reason: str = "") -> None:
        if self.extract_pool is not None:
            self.extract_pool.close()
            self.extract_pool = None

    def _extract_args(self, response: Any) -> dict[str, Any] | None:
        """extract_bytes() keywords for a page, or None when it is not an HTML page."""
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        typed = isinstance(response, TextResponse) and not (
            ctype and "html" not in ctype and "xml" not in ctype and "text/plain" not in ctype)
        if not typed and not looks_like_html(response.body):
            return None
        declared = None
        if typed and "charset=" in ctype:
            declared = ctype.split("charset=", 1)[1].split(";")[0].strip()
        return {
            "url": response.url,
            "declared_encoding": declared,
            "encoding": self.forced_encoding,
            "portal": self.portal_name,
            "fetched_at": now_iso(),
            "min_fields": self.min_fields,
            "collect_links": self.follow_links,
            **({"labels": self.labels_file} if self.labels_file else {}),
        }

    def parse_page(self, response: Any):
        """Extract in this process (plain crawls, tests)."""
        reused = self._unchanged(response)
        if reused is not None:
            yield from reused
            return
        args = self._extract_args(response)
        if args is None:
            self._not_html(response)
        elif not response.body.strip():
            yield self.blocked_item(response, "empty")
            yield from self._walk_on(response.request)
        elif cut_short(response):
            yield self.truncated_item(response)
            yield from self._walk_on(response.request)
        else:
            yield from self._page_output(response, extract_job(response.body, args))

    async def parse_page_pooled(self, response: Any):
        """Extract in the worker pool (sweeps): the same records, off the crawl's GIL."""
        reused = self._unchanged(response)
        if reused is not None:
            for output in reused:
                yield output
            return
        args = self._extract_args(response)
        if args is None:
            self._not_html(response)
            return
        if not response.body.strip():
            yield self.blocked_item(response, "empty")
            for follow in self._walk_on(response.request):
                yield follow
            return
        if cut_short(response):
            yield self.truncated_item(response)
            for follow in self._walk_on(response.request):
                yield follow
            return
        pool = self.extract_pool
        extracted = await pool.extract(response.body, **args) if pool is not None else extract_job(response.body, args)
        for output in self._page_output(response, extracted):
            yield output

    # -- incremental re-sweeps --------------------------------------------------------------
    def _unchanged(self, response: Any) -> list | None:
        """Outputs for a guide page found unchanged (a 304, or the very bytes the base sweep
        read): the reused guide and the links its page led to; None: extract it."""
        if response.status == 304:
            prev = self.previous.guides.get(listed_url(response)) if self.previous else None
            if prev is None:  # only pages of the base sweep are asked conditionally
                return [{"kind": "fetch_failure", "url": response.url, "status": 304,
                         "error": "HTTP 304，但上次抓取没有这个页面", "referer": None}]
            how = "not_modified"
        else:
            prev = self.unchanged_body(response)
            if prev is None:
                return None
            how = "same_body"
        marker = response.meta.get("guideaudit_marker")
        entry = self.reuse(prev, how, response, marker)
        outputs: list = [reused_item([entry])] if entry is not None else []
        for link in prev.follow:
            if link not in self.seen_links:
                self.seen_links.add(link)
                request = self.page_request(link)
                if request is not None:
                    outputs.append(request)
        return outputs

    def list_markers(self, response: Any) -> dict[str, str]:
        """link → change marker on a list page (the profile's list_markers; {} without)."""
        spec = self.profile.list_markers if self.profile else None
        if spec is None or not isinstance(response, TextResponse):
            return {}
        found: dict[str, str] = {}
        for item in _tree(response).css(spec.item):
            href, marker = item.css(spec.link).get(), marker_text((item.css(spec.marker).get() or "").strip())
            if href and marker:
                found[response.urljoin(href.strip())] = marker
        return found

    # -- numbered list pages (crawler/pager.py) --------------------------------------------
    def _pager(self, response: Any, links: list[str]) -> tuple[Series, int | None, int | None] | None:
        """(series, entries per page, total) of a list page that shows a pager, else None.
        Entries per page are counted on a page that is not the series' last (the profile's
        list_markers.item says what an entry is); the total is what the pager states."""
        series = series_of(response.url, links)
        if series is None:
            return None
        key = (series.parts, series.numbers[: series.position] + series.numbers[series.position + 1:])
        known = self.series_seen.setdefault(key, {"size": None, "total": None, "last": series.last})
        known["last"] = max(known["last"], series.last)
        if series.current < known["last"] and known["size"] is None:
            known["size"] = self.list_entries(response)
        if known["total"] is None and isinstance(response, TextResponse):
            known["total"] = total_of(response.text)
        return replace(series, last=known["last"]), known["size"], known["total"]

    def list_entries(self, response: Any) -> int | None:
        """Entries on a list page as the profile describes them (list_markers.item); None
        when the profile does not say (the count a failed page hides is then 未知)."""
        spec = self.profile.list_markers if self.profile else None
        if spec is None or not isinstance(response, TextResponse):
            return None
        return len(_tree(response).css(spec.item)) or None

    def _mark_list_page(self, request: Any, pager: tuple[Series, int | None, int | None]) -> None:
        """A link to another page of the series: a list page, and what its failure hides."""
        series, size, total = pager
        number = series.number_of(request.url)
        if number is None or number == series.current:
            return
        expected = expected_on(number, series.last, size, total, first=min(series.current, 1))
        request.meta[META_INFO] = {**(request.meta.get(META_INFO) or {}), "role": "list", "unknown": expected,
                                   "detail": f"列表第 {number} 页"}
        request.meta["pager"] = (replace(series, current=number), size, total)

    def on_error(self, failure: Any) -> Any:
        """A failed list page does not end the walk: the pages after it that its pager would
        have shown are computable from the series' pattern and are still tried."""
        yield from super().on_error(failure)
        request = failure.request
        yield from self._walk_on(request)

    def _walk_on(self, request: Any):
        pager = request.meta.get("pager")
        if pager is not None:
            series, size, total = pager
            for number in range(series.current + 1, series.last + 1):
                url = series.url(number)
                if url in self.seen_links:
                    continue
                self.seen_links.add(url)
                follow = self.page_request(url)
                if follow is not None:
                    self._mark_list_page(follow, pager)
                    yield follow
        page = request.meta.get("list_page")
        if page is not None and self.profile is not None and self.profile.list_pages is not None:
            # a profile's numbered walk: the next page, unless several in a row failed
            failed = request.meta.get("list_failed", 0) + 1
            if failed < LIST_FAILURES_IN_A_ROW:
                follow = self._list_request(page + 1)
                if follow is not None:
                    follow.meta["list_failed"] = failed
                    yield follow

    def _not_html(self, response: Any) -> None:
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        self.settle(response, "other_page", detail=f"不是网页（{ctype or type(response).__name__}）")

    def blocked_item(self, response: Any, kind: str, reason: str = "") -> dict:
        """A page served in place of a guide (blockpage.KINDS, an empty 200, or bytes no charset
        reads: undecodable, with its reason): a fetch failure of its own kind in the ledger and
        in the sweep's failures."""
        error = f"无法解码：{reason}" if kind == "undecodable" and reason else failure_text(kind)
        self.settle(response, kind, detail=error)
        self.crawler.stats.inc_value("guideaudit/fetch_failures")
        self.crawler.stats.inc_value(f"guideaudit/blocked/{kind}")
        referer = response.request.headers.get(b"Referer") if response.request is not None else None
        return {
            "kind": "fetch_failure",
            "url": response.url,
            "status": response.status,
            "error": error,
            "referer": referer.decode("latin-1") if referer else None,
        }

    def truncated_item(self, response: Any) -> dict:
        """A page cut short where the transfer could not say so (no Content-Length: the body
        ends when the connection closes): failed, truncated, never a guide read in half."""
        error = f"{TRUNCATED_MARK}: 页面不完整（无 Content-Length，{len(response.body)} 字节后连接关闭，缺少 </html>）"
        self.settle(response, "truncated", detail=error)
        self.crawler.stats.inc_value("guideaudit/fetch_failures")
        referer = response.request.headers.get(b"Referer") if response.request is not None else None
        return {"kind": "fetch_failure", "url": response.url, "status": response.status, "error": error,
                "referer": referer.decode("latin-1") if referer else None}

    def _page_output(self, response: Any, extracted: Extracted):
        record, links, form_list, encoding, reason, kind = extracted
        if record is None and kind is not None:
            # A challenge, WAF, login, 系统繁忙 or soft-404 page in place of a guide, or bytes no
            # charset reads: a fetch failure of its own kind; its links are not followed (they are
            # the block's), but a numbered list walk goes on past it.
            yield self.blocked_item(response, kind, reason if kind == "undecodable" else "")
            yield from self._walk_on(response.request)
            return
        form_urls = set(form_list)
        if record is not None:
            # links this page revealed first: followed again when the page is reused unread
            follow = [link for link in links if link not in form_urls and link not in self.seen_links] if self.follow_links else []
            item = self.guide_item(record, response, encoding, follow=follow)
            if item is not None:
                yield item
        # A list page's change markers: an entry whose marker is the base sweep's is reused
        # without a request (only list pages: a guide page is never parsed twice for them).
        markers = self.list_markers(response) if record is None and links and self.profile else {}
        pager = self._pager(response, links) if record is None and links else None
        previous = self.previous
        reused: list[dict] = []
        new_links = 0
        if self.follow_links:
            for link in links:
                if link in form_urls:
                    continue
                if link in self.seen_links:
                    continue
                self.seen_links.add(link)
                marker = markers.get(link)
                prev = previous.guides.get(link) if previous is not None and marker else None
                if prev is not None and prev.marker == marker and link not in self.skip_urls:
                    entry = self.reuse(prev, "marker", marker=marker)
                    if entry is not None:
                        reused.append(entry)
                    new_links += 1
                    continue
                request = self.page_request(link, guideaudit_marker=marker) if marker else self.page_request(link)
                if request is not None:
                    new_links += 1
                    if pager is not None:
                        self._mark_list_page(request, pager)
                    yield request
        if self.link_regex is not None:
            template = self.profile.link_template or "{0}"
            text = response.text
            for found in self.link_regex.finditer(text):
                link = urljoin(response.url, template.format(*found.groups() or [found.group(0)]))
                if link in self.seen_links:
                    continue
                self.seen_links.add(link)
                request = self.page_request(link)
                if request is not None:
                    new_links += 1
                    yield request
        if record is None:
            # Whether this page leads on must not depend on which pages came first (a resumed
            # sweep skips what it stored): any same-site page link makes a list/navigation page.
            onsite = any(urlsplit(u).netloc == self.netloc and not looks_like_document(u) for u in links)
            self.settle(response, "list_page" if onsite or "list_page" in response.meta else "other_page")
        if reused:
            yield reused_item(reused)
        page = response.meta.get("list_page")
        if page is not None and (new_links or not self.profile.list_pages.until_empty):
            request = self._list_request(page + 1)
            if request is not None:
                yield request


def _tree(response: TextResponse) -> scrapy.Selector:
    """A list page's parsed tree for the profile's rules. Not ``response.css``: Scrapy's selector
    keeps its response and the response caches its selector, a reference cycle that holds the
    page and its lxml tree until the garbage collector's next pass (with the crawl's rare
    collections, crawler/gcpolicy.py, the crawl process peaked at 254.8 MB at 100,000 guides;
    187.8–198.9 MB without the cycle); this tree is freed as soon as the caller is done with it."""
    return scrapy.Selector(text=response.text, type="html")
