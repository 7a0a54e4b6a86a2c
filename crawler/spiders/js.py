"""The JS family: pages whose guide exists only after their scripts ran.

Every page request is rendered by headless Chromium through scrapy-playwright (the download
handler is switched on for this spider's crawls only), waits for the profile's ``wait_for``
selector, and the rendered DOM goes through the same generic extractor as server pages.
The raw evidence kept for a guide is the rendered HTML.

A page of a hostile portal must end, and end as what it is, within DOWNLOAD_TIMEOUT (Scrapy's
own timeout does not reach the browser): navigation waits for the response's headers only
(``commit``), then ``render`` watches the page until the selector shows, the page goes quiet
without it, its document fails mid-body, or the time is up. A page that rendered no guide is
told apart by what the browser saw (``diagnose``): its document failed (reset, cut short), it
is a block page (challenge, WAF, login, 系统繁忙, soft 404, empty), or the data its script
fetched was no guide (malformed, cut short or wrongly shaped JSON, an HTTP error). Those end in
the errback as ``NotRendered`` with their ledger kind, never as a timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from types import SimpleNamespace
from typing import Any

from scrapy import signals

from ..extract.blockpage import classify_page, failure_text, visible_of
from .html import GuideHtmlSpider

logger = logging.getLogger(__name__)

PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
QUIET_SECONDS = 1.0  # no request in flight this long after the document: the page has settled
WATCHDOG_SECONDS = 30.0  # how often open pages are looked at (report_stuck)
LOOP_NAVIGATIONS = 3  # the document reloaded itself this often (a challenge script): settled
_DATA_TYPES = ("fetch", "xhr")
_DATA_TEXT = {"truncated": "JSON 不完整，被截断", "bad_api": "JSON 格式不对", "empty": "空白答复"}


class NotRendered(Exception):
    """A page whose guide never rendered, with the ledger kind of why (see the module doc)."""

    def __init__(self, kind: str, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.kind, self.detail, self.status = kind, detail, status


class GuideJsSpider(GuideHtmlSpider):
    name = "js"
    family = "js"
    incremental_capable = False  # the page shell is the same for every guide: always render

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        from guideaudit.browser import launch_options

        settings.set(
            "DOWNLOAD_HANDLERS", {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER}, priority="spider"
        )
        if not settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"):
            settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch_options(), priority="spider")
        # Images, fonts and media are never evidence; skipping them keeps rendering cheap.
        settings.set(
            "PLAYWRIGHT_ABORT_REQUEST", "guideaudit.crawler.spiders.js.abort_heavy", priority="spider"
        )
        # One page, one timeout: the browser's navigation and download waits are bound to
        # DOWNLOAD_TIMEOUT (a value given on the command line itself still wins: higher priority).
        timeout_ms = settings.getfloat("DOWNLOAD_TIMEOUT", 30) * 1000
        for name in ("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", "PLAYWRIGHT_DOWNLOAD_TIMEOUT"):
            settings.set(name, timeout_ms, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> GuideJsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._watchdog_start, signal=signals.spider_opened)
        crawler.signals.connect(spider._watchdog_stop, signal=signals.spider_closed)
        return spider

    _watchdog: Any = None

    def _watchdog_start(self, spider: Any = None) -> None:
        from twisted.internet import task

        self._watchdog = task.LoopingCall(self.report_stuck)
        self._watchdog.start(WATCHDOG_SECONDS, now=False)

    def _watchdog_stop(self, spider: Any = None, reason: str = "") -> None:
        if self._watchdog is not None and self._watchdog.running:
            self._watchdog.stop()
        self.report_stuck(at_close=True)

    def report_stuck(self, at_close: bool = False) -> list[str]:
        """Pages open past twice DOWNLOAD_TIMEOUT (or at all when the crawl closes): logged with
        the URL each is on, counted in stats. A page that never ends holds one of
        PLAYWRIGHT_MAX_PAGES_PER_CONTEXT slots; enough of them and the crawl stalls."""
        limit = 0.0 if at_close else 2 * self.crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 30)
        now = time.monotonic()
        stuck = []
        for page, state in list(_STATES.items()):
            try:
                if page.is_closed():
                    continue
                on = page.url  # about:blank while the first answer has not come
            except Exception:
                continue
            if now - state["t0"] > limit:
                stuck.append(state["url"])
                logger.warning("浏览器页面 %.0f 秒仍未结束：%s（页面当前在 %s）", now - state["t0"], state["url"], on)
        self.crawler.stats.max_value("guideaudit/js_pages_stuck_max", len(stuck))
        return stuck

    def page_request(self, url: str, **meta: Any) -> Any:
        request = super().page_request(url, **meta)
        if request is not None and "list_page" in meta:
            # List endpoints (often HTML fragments) have no guide selector: wait until quiet.
            request.meta["playwright_page_methods"] = self._methods(None)
        return request

    def _methods(self, selector: str | None) -> list:
        from scrapy_playwright.page import PageMethod

        timeout = self.crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 30) if getattr(self, "crawler", None) else 30.0
        return [PageMethod(render, selector, timeout)]

    def request_meta(self) -> dict[str, Any]:
        selector = self.profile.wait_for if self.profile is not None and self.profile.wait_for else None
        return {
            "playwright": True,
            "playwright_page_methods": self._methods(selector),
            "playwright_page_init_callback": watch,
            # Headers are enough to go on: render() waits for the rest, bounded.
            "playwright_page_goto_kwargs": {"wait_until": "commit"},
        }

    def on_error(self, failure: Any) -> Any:
        exc = failure.value
        if not isinstance(exc, NotRendered):
            yield from super().on_error(failure)
            return
        request = failure.request
        self.settle(request, exc.kind, status=exc.status, detail=exc.detail[:300])
        self.crawler.stats.inc_value("guideaudit/fetch_failures")
        self.crawler.stats.inc_value(f"guideaudit/not_rendered/{exc.kind}")
        referer = request.headers.get(b"Referer")
        yield {
            "kind": "fetch_failure",
            "url": request.url,
            "status": exc.status,
            "error": exc.detail[:300],
            "referer": referer.decode("latin-1") if referer else None,
        }


def abort_heavy(request: Any) -> bool:
    return request.resource_type in ("image", "font", "media")


# -- what the browser saw of one page --------------------------------------------------------

async def watch(page: Any, request: Any) -> None:
    """scrapy-playwright's page init callback: note the page's document answers and failures,
    its data requests, and what is in flight. Kept by page, never in the request's meta (a
    retried request is copied and may be queued on disk: no browser objects in it)."""
    state: dict[str, Any] = {"t0": time.monotonic(), "url": request.url, "docs": [], "doc_failed": None, "data": [],
                             "data_failed": [], "inflight": set(), "last": time.monotonic()}
    _STATES[page] = state  # render() is handed the page only

    def main_doc(req: Any) -> bool:
        try:
            return req.is_navigation_request() and req.frame == page.main_frame
        except Exception:  # a request of a frame already detached
            return False

    def on_request(req: Any) -> None:
        state["inflight"].add(req)
        state["last"] = time.monotonic()

    def on_done(req: Any) -> None:
        state["inflight"].discard(req)
        state["last"] = time.monotonic()

    def on_failed(req: Any) -> None:
        on_done(req)
        text = req.failure or "failed"
        if main_doc(req) and "ERR_ABORTED" not in text:  # aborted: replaced by a reload of its own
            state["doc_failed"] = f"{text} ({req.url})"
        elif req.resource_type in _DATA_TYPES:
            state["data_failed"].append((req.url, text))

    def on_response(resp: Any) -> None:
        req = resp.request
        if main_doc(req) and not 300 <= resp.status < 400:  # a redirect hop is no document
            state["docs"].append(resp)
            if len(state["docs"]) == 1:  # read at once: a page reloading itself evicts it soon
                state["doc_body"] = asyncio.ensure_future(_body(resp))
        elif req.resource_type in _DATA_TYPES:
            state["data"].append(resp)

    page.on("request", on_request)
    page.on("requestfinished", on_done)
    page.on("requestfailed", on_failed)
    page.on("response", on_response)


async def render(page: Any, selector: str | None, timeout: float) -> None:
    """Wait, at most until ``timeout`` seconds after the request began, for the guide (the
    selector) or for the page to settle without it; a page with no guide raises NotRendered
    (or a plain timeout). scrapy-playwright closes the page whatever this raises."""
    state = _state_of(page)
    started = state["t0"] if state else time.monotonic()
    deadline = started + max(1.0, timeout)
    docs = state["docs"] if state else []
    while True:
        if docs and docs[-1].status >= 400:
            return  # an HTTP error: HttpErrorMiddleware and RetryMiddleware judge it, as any page's
        if selector and await _shows(page, selector):
            return
        if state is not None:
            if state["doc_failed"]:
                break
            settled = (not state["inflight"] and time.monotonic() - state["last"] >= QUIET_SECONDS
                       and await _loaded(page))
            if len(docs) >= LOOP_NAVIGATIONS:
                break
            if settled and docs and (selector is None or state["data"] or state["data_failed"]
                                     or await _doc_kind(state) is not None):
                # quiet, and there is something to judge: the script's data, or a block page
                # (a page whose script fetched nothing yet waits on, up to the deadline)
                break
        if time.monotonic() >= deadline:
            if selector is None or state is None:
                return  # no selector to wait for: what rendered so far is the page
            break
        await asyncio.sleep(0.1)
    if selector and await _shows(page, selector):
        return
    if state is None:
        raise NotRendered("timeout", f"Timeout：{timeout:g} 秒内未出现 {selector}")
    timed_out = time.monotonic() >= deadline
    if len(docs) >= LOOP_NAVIGATIONS:
        # a document reloading itself (a challenge script): stop it to read what it is
        try:
            await page.route("**", _abort)
            await asyncio.sleep(0.2)
            state["dom"] = await asyncio.wait_for(page.content(), 2.0)
        except Exception:
            pass
    why = await diagnose(state, timed_out, timeout, selector)
    if why is not None:
        raise why


async def _abort(route: Any) -> None:
    await route.abort("aborted")  # "aborted": the page keeps its document, no error page


async def _loaded(page: Any) -> bool:
    """The load event fired: deferred scripts ran, so their first data requests were made."""
    try:
        return await page.evaluate("document.readyState") == "complete"
    except Exception:  # navigating
        return False


async def _shows(page: Any, selector: str) -> bool:
    try:
        return await page.query_selector(selector) is not None
    except Exception:  # navigating (a reload): not shown yet
        return False


_STATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # page → watch()'s state


def _state_of(page: Any) -> dict | None:
    return _STATES.get(page)


async def diagnose(state: dict, timed_out: bool, timeout: float, selector: str | None) -> NotRendered | None:
    """Why a page rendered no guide, as a ledger kind; None: an ordinary page with no guide (a
    list page without a selector, a page of another kind), read as it rendered."""
    if state["doc_failed"]:
        # the document itself failed mid-body (reset, cut short): crawler/netfail.py words
        from ..netfail import failure_cause

        cause = failure_cause(RuntimeError(state["doc_failed"]))
        kind = {"reset": "reset", "truncated": "truncated", "timeout": "timeout"}.get(cause, "other_error")
        return NotRendered(kind, f"页面文档未能完整接收：{state['doc_failed']}")
    docs = state["docs"]
    kind = await _doc_kind(state)
    if kind is not None:
        return NotRendered(kind, failure_text(kind), docs[0].status if docs else None)
    for url, text in state["data_failed"]:
        from ..netfail import failure_cause

        cause = failure_cause(RuntimeError(text))
        kind = cause if cause in ("reset", "truncated", "timeout") else "other_error"
        return NotRendered(kind, f"页面脚本的数据请求失败：{text}（{url}）")
    for resp in state["data"]:
        if resp.status >= 400:
            return NotRendered("http_status", f"页面脚本的数据请求 HTTP {resp.status}（{resp.url}）", resp.status)
        body = await _body(resp)
        if body is None:
            continue
        kind = data_kind(body)
        if kind is not None:
            return NotRendered(kind, f"页面脚本读取的数据不是指南（{_DATA_TEXT.get(kind) or failure_text(kind)}，{resp.url}）",
                               resp.status)
    if timed_out and selector:
        return NotRendered("timeout", f"Timeout：{timeout:g} 秒内未出现 {selector}")
    if selector and state["data"]:
        # the script read its data and still built no guide: the data was not what it expects
        return NotRendered("bad_api", f"页面脚本读取了数据，却没有生成指南（未出现 {selector}）", docs[0].status if docs else None)
    return None


async def _doc_kind(state: dict) -> str | None:
    """The block-page kind of the page's document as the server sent it (blockpage.KINDS, or
    empty), judged once; None: an ordinary document (or none readable yet)."""
    if "doc_kind" in state:
        return state["doc_kind"]
    docs = state["docs"]
    if not docs:
        return None
    try:
        body = await asyncio.wait_for(asyncio.shield(state["doc_body"]), 2.0)
    except (TimeoutError, KeyError):
        body = None
    if body is None and state.get("dom"):
        body = state["dom"].encode("utf-8")  # read from the stopped page (a reload loop)
    if body is None:
        return None  # not judged (not cached: a reload loop's page may be read later)
    if not body.strip():
        kind = "empty"
    else:
        html = body[:200_000].decode("utf-8", "replace")
        kind = classify_page(html, visible_text=visible_of(html), status=docs[0].status)
        kind = None if kind == "error_page" else kind  # no ledger kind of its own: read as a page
    state["doc_kind"] = kind
    return kind


def data_kind(body: bytes) -> str | None:
    """The ledger kind of a script's data answer that is no guide data (None: JSON, or not
    JSON at all, e.g. an HTML fragment a script inserts)."""
    from ..extract.jsonmap import _MISSING
    from .api import _json, answer_kind

    text = body.lstrip()
    if not text:
        return "empty"
    if text[:1] not in (b"{", b"["):
        return None
    response = SimpleNamespace(body=body)
    data = _json(response)
    if data is not _MISSING:
        return None  # well-formed: if no guide showed, diagnose() calls it bad_api
    return answer_kind(response, data)


async def _body(resp: Any) -> bytes | None:
    try:
        return await resp.body()
    except Exception:  # evicted (the page navigated on), a redirect, a failed transfer
        return None
