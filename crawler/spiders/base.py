"""What every guideaudit spider shares: arguments, profile, items, fetch failures.

Item contract with the sweep (keep it exactly):
- ``{"kind": "guide", "record": GuideRecord.model_dump(mode="json"), "raw": {"url", "status",
  "content_type", "encoding", "body": bytes}}`` for each guide page (raw = the page as fetched);
- ``{"kind": "fetch_failure", "url", "status", "error", "referer"}`` for every page that could
  not be fetched after retries: a failure of the sweep, never a guide defect.

Arguments (``-a name=value`` on the command line, keywords from Python):
``profile`` (a bundled name or a YAML path), ``url`` (a start URL; alone it means the generic
spider), ``base_url`` (where a fixture/run-time portal lives), ``max_pages`` (requests for pages
this crawl may make, attachments excluded), ``max_guides``, and for resuming a sweep
``skip_urls`` (an iterable of guide URLs already fetched, from Python) or ``skip_urls_file``
(a file with one URL per line): those guide pages are not requested again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy

from guideaudit.record import GuideRecord

from .. import incremental
from ..ledger import META_INFO, META_KEY, failure_kind, ledger_key, ledger_of
from ..profiles import Profile, load_profile

logger = logging.getLogger(__name__)


def _int_arg(value: Any, name: str) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"参数 {name} 应为正整数，实际为 {value!r}") from None
    if number < 1:
        raise ValueError(f"参数 {name} 应为正整数，实际为 {value!r}")
    return number


def _skip_set(skip_urls: Any, skip_urls_file: Any) -> set[str]:
    urls: set[str] = set()
    if isinstance(skip_urls, str):
        skip_urls = [u for u in skip_urls.split(",") if u]
    if skip_urls:
        urls.update(str(u).strip() for u in skip_urls)
    if skip_urls_file:
        path = Path(skip_urls_file)
        try:
            urls.update(line.strip() for line in path.read_text("utf-8").splitlines() if line.strip())
        except OSError as err:
            raise ValueError(f"无法读取 skip_urls_file {path}：{err.strerror}") from None
    return urls


RAW_MAXSIZE = 2 * 1024 * 1024  # GUIDEAUDIT_RAW_MAXSIZE's default (crawler/settings.py)


def evidence_body(body: bytes, limit: int) -> bytes:
    """The page kept as a guide's evidence: whole up to ``limit`` bytes, else its first
    ``limit`` bytes and a note saying how long the page was. Cut here, in the crawl's process,
    so a big page is not carried whole through the pipelines, batches and the writer."""
    if limit <= 0 or len(body) <= limit:
        return bytes(body)
    note = f"\n<!-- guideaudit：页面共 {len(body)} 字节，证据只保存前 {limit} 字节（GUIDEAUDIT_RAW_MAXSIZE） -->\n"
    return bytes(body[:limit]) + note.encode("utf-8")


TOO_LARGE = "too_large"  # vocab LEDGER_KINDS code; a failure's error text starts with it


def too_large(exc: BaseException) -> bool:
    """Whether a download was cut by the page cap (Scrapy's DOWNLOAD_MAXSIZE): refused at once
    when the Content-Length says so, cancelled mid-stream when the bytes say so."""
    from scrapy.exceptions import DownloadCancelledError
    from twisted.internet.defer import CancelledError

    if isinstance(exc, DownloadCancelledError):
        return "max size" in str(exc) or not str(exc)
    # Mid-stream, Scrapy cancels the body's deferred with no message (http11 _ResponseReader);
    # nothing else of a page request is cancelled while the crawl runs.
    return isinstance(exc, CancelledError)


def failure_url(request: Any) -> str:
    """The URL a fetch failure is recorded under: a POST (an API list page) by its ledger key,
    which names its page, so two failed pages of one endpoint are two failures."""
    return request.url if request.method == "GET" else ledger_key(request)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class GuideSpider(scrapy.Spider):
    """Base of the three family spiders."""

    family = "html"
    default_profile: str | None = None
    # Guides of this spider can be re-swept incrementally (validators, markers, body hashes);
    # False for the JS family, whose page shell says nothing of the guide behind it.
    incremental_capable = True

    def __init__(
        self,
        profile: str | Profile | None = None,
        url: str | None = None,
        base_url: str | None = None,
        max_pages: Any = None,
        max_guides: Any = None,
        skip_urls: Iterable[str] | str | None = None,
        skip_urls_file: str | None = None,
        retry: Iterable[dict] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        profile = profile or self.default_profile
        self.profile: Profile | None = (
            load_profile(profile) if isinstance(profile, str) else profile
        )
        if self.profile is not None and self.profile.family != self.family:
            raise ValueError(
                f"门户配置 {self.profile.name} 属于 {self.profile.family} 类，不能用 {self.name} 爬虫抓取"
            )
        base = base_url or (self.profile.base_url if self.profile else None) or (host_of(url) if url else None)
        if not base:
            raise ValueError("需要 url 或 base_url 参数（门户地址）")
        self.base_url = base.rstrip("/")
        self.start_url = url
        self.portal_name = self.profile.name if self.profile else urlsplit(self.base_url).netloc
        self.max_pages = _int_arg(max_pages, "max_pages")
        self.max_guides = _int_arg(max_guides, "max_guides")
        self.skip_urls = _skip_set(skip_urls, skip_urls_file)
        # An exact resume (crawler/sweep.py): the ledger rows to fetch again, and nothing else
        # (skip_urls then holds every URL the sweep already settled). None: walk from the start.
        self.retry: list[dict] | None = list(retry) if retry is not None else None
        self.pages_requested = 0
        self.guides_yielded = 0
        # What this portal's records cannot show (the profile's declaration): 待核实 downstream.
        self.capture_gaps: tuple[str, ...] = self.profile.capture_gaps() if self.profile else ()

    # -- limits ---------------------------------------------------------------------------
    def _may_request(self) -> bool:
        if self.max_guides is not None and self.guides_yielded >= self.max_guides:
            return False
        if self.max_pages is not None and self.pages_requested >= self.max_pages:
            return False
        self.pages_requested += 1
        return True

    # -- exact resume ------------------------------------------------------------------------
    exact_resume = False  # True: the spider rebuilds a request from its ledger row (retry_request)

    def retry_requests(self) -> Iterable[Any]:
        """The requests of an exact resume: each ledger row to retry, as it was first asked
        (its role, the guides it hides, its referer), keyed on the row's URL so the outcome
        replaces the row."""
        for row in self.retry or ():
            request = self.retry_request(row)
            if request is None:
                logger.warning("续抓：无法重建请求 %s，保留上次的结果", row.get("url"))
                continue
            info = {k: row[k] for k in ("role", "unknown", "agency", "item_name", "guide_id") if row.get(k) is not None}
            request.meta[META_INFO] = {**(request.meta.get(META_INFO) or {}), **info}
            request.meta[META_KEY] = row["url"]
            request.meta["ledger_retry"] = True
            if row.get("referer") and b"Referer" not in request.headers:
                request.headers[b"Referer"] = row["referer"]
            yield request

    def retry_request(self, row: dict) -> Any:
        raise NotImplementedError

    # -- the sweep ledger (crawler/ledger.py; no-ops without a database) -------------------
    @property
    def ledger(self) -> Any:
        return ledger_of(getattr(self, "crawler", None))

    def settle(self, request_or_response: Any, kind: str, **fields: Any) -> None:
        """Record how the URL of this request (or response) ended."""
        ledger = self.ledger
        if ledger is None:
            return
        request = getattr(request_or_response, "request", None) if hasattr(request_or_response, "status") else request_or_response
        if request is None:
            return
        if hasattr(request_or_response, "status"):
            fields.setdefault("status", request_or_response.status)
            if request.meta.get("redirect_urls"):
                fields.setdefault("final_url", request_or_response.url)
        ledger.settle(ledger_key(request), kind, **fields)

    def not_fetched(self, url: str, kind: str, detail: str | None = None, **fields: Any) -> None:
        """A URL this sweep decided on but will not fetch (limit, off-site)."""
        ledger = self.ledger
        if ledger is not None:
            ledger.skip(url, kind, detail, **fields)

    def skipped(self, url: str) -> bool:
        if url in self.skip_urls:
            self.crawler.stats.inc_value("guideaudit/skipped_known")
            return True
        return False

    # -- incremental re-sweeps (crawler/incremental.py) ------------------------------------
    _previous: Any = False  # not looked up yet

    @property
    def previous(self) -> incremental.Previous | None:
        """The base sweep of an incremental sweep (None: a full sweep)."""
        if self._previous is False:
            crawler = getattr(self, "crawler", None)
            self._previous = incremental.previous_of(crawler) if crawler and self.incremental_capable else None
        return self._previous

    def _stores(self) -> bool:
        crawler = getattr(self, "crawler", None)
        return bool(crawler and self.incremental_capable and crawler.settings.get("GUIDEAUDIT_DB"))

    def reuse(self, prev: incremental.PreviousGuide, how: str, response: Any = None, marker: str | None = None) -> dict | None:
        """A guide found unchanged, as one entry of a reused item (counted like a guide for
        --max-guides); None past the limit."""
        if self.max_guides is not None and self.guides_yielded >= self.max_guides:
            return None
        self.guides_yielded += 1
        self.crawler.stats.inc_value("guideaudit/guides")
        self.crawler.stats.inc_value(f"guideaudit/incremental/reused_{how}")
        return incremental.reused_entry(self.previous, prev, how, response, marker)

    def unchanged_body(self, response: Any) -> incremental.PreviousGuide | None:
        """The base sweep's guide when this page's bytes are exactly what it read then."""
        previous = self.previous
        if previous is None:
            return None
        prev = previous.guides.get(incremental.listed_url(response))
        if prev is not None and prev.body_hash and prev.body_hash == incremental.body_hash(response.body):
            return prev
        return None

    # -- items ----------------------------------------------------------------------------
    def guide_item(self, record: GuideRecord | dict, response: Any, encoding: str | None,
                   conditional: bool = True, follow: tuple[str, ...] | list[str] = ()) -> dict | None:
        """The guide item; ``record`` is a GuideRecord or its model_dump(mode="json") already."""
        if self.max_guides is not None and self.guides_yielded >= self.max_guides:
            self.settle(response, "limit", detail="已达本次抓取的指南上限")
            return None
        self.guides_yielded += 1
        self.crawler.stats.inc_value("guideaudit/guides")
        ctype = response.headers.get(b"Content-Type")
        data = record if isinstance(record, dict) else record.model_dump(mode="json")
        if self.capture_gaps:
            data["uncaptured"] = sorted({*(data.get("uncaptured") or ()), *self.capture_gaps})
        item = {
            "kind": "guide",
            "record": data,
            "raw": {
                "url": response.url,
                "status": response.status,
                "content_type": ctype.decode("latin-1") if ctype else None,
                "encoding": encoding,
                "body": evidence_body(response.body, self._raw_maxsize()),
            },
        }
        if self._stores():  # kept by the store for the next incremental sweep
            item["fetch"] = incremental.fetch_info(response, conditional, follow)
        ledger = self.ledger
        if ledger is not None and response.request is not None:
            ledger.handed_to_store(ledger_key(response.request), item)  # the writer records it
        return item

    def _raw_maxsize(self) -> int:
        settings = getattr(getattr(self, "crawler", None), "settings", None)
        return settings.getint("GUIDEAUDIT_RAW_MAXSIZE", RAW_MAXSIZE) if settings is not None else RAW_MAXSIZE

    def on_error(self, failure: Any) -> Any:
        request = failure.request
        exc = failure.value
        kind, status, error = failure_kind(exc)
        if too_large(exc):
            kind = TOO_LARGE
            cap = request.meta.get("download_maxsize") or self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
            error = f"{TOO_LARGE}: 页面超过大小上限 {cap} 字节（GUIDEAUDIT_PAGE_MAXSIZE），未读取"
        referer = request.headers.get(b"Referer")
        if kind in ("robots", "offsite"):
            # robots.txt (or the offsite filter) dropped it: politeness, not a failure of the portal.
            self.crawler.stats.inc_value("guideaudit/ignored_requests")
            logger.info("未抓取（%s）：%s", "robots.txt 禁止" if kind == "robots" else error, request.url)
            self.settle(request, kind, detail=error)
            return
        self.settle(request, kind, status=status, detail=error, **self.failure_fields(request))
        self.crawler.stats.inc_value("guideaudit/fetch_failures")
        yield {
            "kind": "fetch_failure",
            "url": failure_url(request),
            "status": status,
            "error": error[:300],
            "referer": referer.decode("latin-1") if referer else None,
        }

    def failure_fields(self, request: Any) -> dict:
        """Extra ledger fields of a failed request (the API list's unknown guides)."""
        return {}
