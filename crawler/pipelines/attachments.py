"""Verify every 空表 / 样表 / 结果样本 link of a guide item and fill its FormLink.

Runs first (ITEM_PIPELINES order 100), so the sweep's check pipeline sees the results.
Requests go through Scrapy's own downloader (engine.download_async): robots.txt, retries,
AutoThrottle and per-domain concurrency apply exactly as for pages.

Per link: HEAD (declared status, type and size: a file declared larger than
ATTACHMENT_MAXSIZE is not downloaded), then GET streamed and stopped at ATTACHMENT_MAXSIZE
bytes; the kind comes from the bytes (crawler/sniff.py), the sha256 from the bytes received.
429/5xx are retried by RetryMiddleware; still failing, the link gets error "unavailable"
(the portal was down: not a broken form). Redirects are followed (a loop is "redirect_loop");
a challenge/WAF page served in place of the file is "challenge", a zip that would expand
absurdly "archive_bomb": all three are 待核实, never a broken form (guideaudit.vocab.OUTCOMES).
Each distinct URL is fetched once per crawl. In an incremental sweep (crawler/incremental.py) a
file the base sweep verified is asked for with its validators (no HEAD): a 304 stands for the
base sweep's result. Every sweep with a store keeps each file's validators and result for the
next one.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured, StopDownload

from ..netfail import ATTACHMENT_META_FLAG as META_FLAG
from ..netfail import failure_cause
from ..sniff import archive_bomb, looks_like_challenge, sniff_kind

logger = logging.getLogger(__name__)

HEAD_REFUSED = (405, 501)
ERROR_STATUSES = list(range(400, 600))
RESULT_KEYS = ("status", "content_type", "bytes", "kind", "sha256", "error")


def form_links(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Every FormLink dict of a record (as dumped to JSON) that has a URL."""
    links = []
    for material in record.get("materials") or []:
        for key in ("blank_form", "sample_form"):
            link = material.get(key)
            if link and link.get("url"):
                links.append(link)
    sample = record.get("result_sample")
    if sample and sample.get("url"):
        links.append(sample)
    return links


# crawler/netfail.py's neutral causes → attachment outcomes (guideaudit.vocab.OUTCOMES).
_OUTCOME_OF_CAUSE = {
    "timeout": "timeout", "dns": "dns", "refused": "connection_refused", "tls": "tls",
    "robots": "forbidden_by_robots", "redirect_loop": "redirect_loop", "ignored": "ignored",
    "offsite": "ignored",
}


def _error_name(exc: BaseException) -> str:
    """The attachment outcome of a failed download (robots.txt, a redirect loop and network
    trouble are not the guide's fault; see guideaudit.vocab.OUTCOMES)."""
    return _OUTCOME_OF_CAUSE.get(failure_cause(exc), "connection")


class AttachmentPipeline:
    def __init__(self, crawler: Any, maxsize: int, timeout: float) -> None:
        self.crawler = crawler
        self.maxsize = maxsize
        self.timeout = timeout
        self._cache: dict[str, asyncio.Future] = {}
        self._received: dict[int, int] = {}
        self._getting = 0  # attachment GETs in flight (see _watch)
        self.stats = crawler.stats
        # url → (etag, last modified, result) of every file verified from a 2xx or a 304: kept
        # in the store for the next sweep (written when the spider closes)
        self.validated: dict[str, tuple[str | None, str | None, dict]] = {}
        self._previous: Any = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> AttachmentPipeline:
        settings = crawler.settings
        if not settings.getbool("ATTACHMENT_CHECK_ENABLED", True):
            raise NotConfigured("ATTACHMENT_CHECK_ENABLED is off")
        return cls(crawler, settings.getint("ATTACHMENT_MAXSIZE", 20 * 1024 * 1024),
                   settings.getfloat("ATTACHMENT_TIMEOUT", 30))

    def _watch(self, on: bool) -> None:
        """Count in-flight attachment GETs; the bytes_received receiver (the size cap) is
        connected only while there is one. Scrapy sends the signal for every chunk of every
        response, pages included, and a connected receiver costs a dispatch per chunk."""
        self._getting += 1 if on else -1
        if on and self._getting == 1:
            self.crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)
        elif not on and self._getting == 0:
            self.crawler.signals.disconnect(self._bytes_received, signal=signals.bytes_received)

    def _bytes_received(self, data: bytes, request: Request, spider: Any = None) -> None:
        if not request.meta.get(META_FLAG) or request.method != "GET":
            return
        key = id(request)
        total = self._received.get(key, 0) + len(data)
        self._received[key] = total
        if total > self.maxsize:
            # Keep what arrived (for sniffing); the result is marked too_large.
            raise StopDownload(fail=False)

    @property
    def previous(self) -> Any:
        if self._previous is False:
            from ..incremental import previous_of

            self._previous = previous_of(self.crawler)
        return self._previous

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, dict) and item.get("kind") == "reused":
            # guides reused unchanged: their files are verified again (mostly a 304 each, once
            # per file), and the store re-checks a guide when one now verifies differently
            import json

            entries = [(e, list(dict.fromkeys(url for url, _ in json.loads(e.get("links") or "[]"))))
                       for e in item.get("guides") or ()]
            urls = list(dict.fromkeys(url for _, links in entries for url in links))
            results = dict(zip(urls, await asyncio.gather(*(self._result(url) for url in urls)), strict=True))
            for entry, links in entries:
                entry["link_results"] = {url: results[url] for url in links}
            return item
        if not isinstance(item, dict) or item.get("kind") != "guide":
            return item
        links = form_links(item.get("record") or {})
        if not links:
            return item
        # Most links point at files already verified (a portal reuses a few hundred forms across
        # thousands of guides): their results are read straight from the cache, with no task.
        cached = [self._cache.get(link["url"]) for link in links]
        if all(fut is not None and fut.done() and not fut.cancelled() and fut.exception() is None for fut in cached):
            results = [fut.result() for fut in cached]
        else:
            results = await asyncio.gather(*(self._result(link["url"]) for link in links))
        for link, result in zip(links, results, strict=True):
            link.update(result)
        return item

    def _result(self, url: str) -> asyncio.Future:
        fut = self._cache.get(url)
        if fut is None:
            fut = asyncio.ensure_future(self._check(url))
            self._cache[url] = fut
            self.stats.inc_value("guideaudit/attachments/distinct")
        return asyncio.shield(fut)

    async def _download(self, request: Request) -> Any:
        engine = self.crawler.engine
        return await engine.download_async(request)

    def _request(self, url: str, method: str) -> Request:
        return Request(
            url,
            method=method,
            meta={
                META_FLAG: True,
                "download_maxsize": 0,  # our own cap (StopDownload) applies instead
                "download_timeout": self.timeout,
                # Error statuses come back as responses to judge; 3xx are not listed, so
                # RedirectMiddleware follows them (handle_httpstatus_all would stop it).
                "handle_httpstatus_list": ERROR_STATUSES,
            },
            dont_filter=True,
        )

    async def _check(self, url: str) -> dict[str, Any]:
        result: dict[str, Any] = dict.fromkeys(RESULT_KEYS)
        if not url.lower().startswith(("http://", "https://")):
            result["error"] = "bad_url"
            return result
        previous = self.previous
        known = previous.attachments.get(url) if previous is not None else None
        head = None
        if known is None:  # a file the base sweep verified is asked for conditionally: no HEAD
            try:
                head = await self._download(self._request(url, "HEAD"))
            except Exception as exc:  # a network error on HEAD: GET may still work
                logger.debug("HEAD %s failed: %r", url, exc)
        if head is not None and head.status < 300 and head.status not in HEAD_REFUSED:
            declared = head.headers.get(b"Content-Length")
            if declared and declared.isdigit() and int(declared) > self.maxsize:
                result.update(status=head.status, bytes=None, error="too_large",
                              content_type=_ctype(head))
                self._validated(url, head, result)
                return result
        request = self._request(url, "GET")
        self._watch(True)
        try:
            response = await self._download(request)
        except Exception as exc:
            result["error"] = _error_name(exc)
            self.stats.inc_value(f"guideaudit/attachments/error/{result['error']}")
            return result
        finally:
            self._watch(False)
            self._received.pop(id(request), None)
        if response.status == 304 and known is not None:
            self.stats.inc_value("guideaudit/attachments/not_modified")
            result.update(known)
            self._validated(url, response, result, previous.validators.get(url))
            return result
        body = response.body or b""
        result["status"] = response.status
        result["content_type"] = _ctype(response)
        result["bytes"] = len(body)
        result["kind"] = sniff_kind(body, url)
        if result["kind"] == "html" and looks_like_challenge(body):
            result["error"] = "challenge"
        elif result["kind"] in ("zip", "docx", "xlsx", "ofd") and archive_bomb(body):
            result["error"] = "archive_bomb"
        if 200 <= response.status < 300:
            # Only a served file has an identity worth comparing (空表 = 样表); an error
            # page's hash would only make unrelated broken links look alike.
            result["sha256"] = hashlib.sha256(body).hexdigest()
        if result["error"]:
            pass
        elif "download_stopped" in (response.flags or []) or len(body) > self.maxsize:
            result["error"] = "too_large"
        elif response.status == 429 or response.status >= 500:
            # Still failing after RetryMiddleware: the portal is unavailable, the form is not
            # known to be broken.
            result["error"] = "unavailable"
        self.stats.inc_value(f"guideaudit/attachments/status/{response.status}")
        if 200 <= response.status < 300 and not result["error"] or result["error"] == "too_large":
            self._validated(url, response, result)
        return result

    def _validated(self, url: str, response: Any, result: dict, before: tuple | None = None) -> None:
        from ..incremental import validators_of

        etag, last_modified = validators_of(response)
        if before is not None:
            etag, last_modified = etag or before[0], last_modified or before[1]
        if etag or last_modified:
            self.validated[url] = (etag, last_modified, dict(result))

    async def close_spider(self, spider: Any = None) -> None:
        """Keep the files' validators and results in the store, for the next incremental sweep."""
        if not self.validated:
            return
        from guideaudit.crawler.lifecycle import session_of
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import threads

        session = session_of(self.crawler)
        if session is None or session.state is None:
            return
        import json

        rows = [
            {"kind": "attachment", "url": url[:2000], "etag": etag, "last_modified": lm,
             "result": json.dumps(result, ensure_ascii=False)}
            for url, (etag, lm, result) in self.validated.items()
        ]
        try:
            await maybe_deferred_to_future(threads.deferToThread(session.state.write, "validators", session.state.sweep_id, rows))
        except Exception as err:  # the next sweep only fetches these files in full
            logger.warning("could not keep attachment validators: %s", err)


def _ctype(response: Any) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None
