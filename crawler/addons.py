"""Scrapy add-ons of the project (ADDONS in crawler/settings.py).

An add-on is built from the crawler after its spider exists and may still change settings, so
the spider's own target can decide them; ``-s`` / ``--set`` (priority cmdline) still wins.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured

from guideaudit.loopback import is_loopback_url

logger = logging.getLogger(__name__)

# Loopback is the project's own fixture portal: politeness delays would only slow tests and the
# demo. Public portals keep the polite defaults of crawler/settings.py.
LOOPBACK_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
}


class LoopbackPace:
    """Full speed when the spider's portal is on loopback (guideaudit.loopback), for every way a
    crawl starts: `guideaudit sweep`, the runner, `scrapy crawl`."""

    def __init__(self, url: str | None):
        self.url = url

    @classmethod
    def from_crawler(cls, crawler):
        spider = crawler.spider
        url = getattr(spider, "base_url", None) or getattr(spider, "start_url", None)
        if not is_loopback_url(url):
            raise NotConfigured  # silent: a public portal keeps the polite defaults
        return cls(url)

    def update_settings(self, settings) -> None:
        # "spider" priority: above the project's polite defaults, below -s / --set.
        settings.setdict(LOOPBACK_SETTINGS, priority="spider")
        logger.info("loopback portal %s: throttling off", self.url)


class PageSizeCap:
    """Scrapy's DOWNLOAD_MAXSIZE from GUIDEAUDIT_PAGE_MAXSIZE: a page is cut off as soon as more
    than the cap has streamed in (at once when its Content-Length says so), so a sweep's memory
    is bounded by settings, not by what a portal serves; the spider records it as a fetch failure
    of kind too_large. Attachments keep their own cap (ATTACHMENT_MAXSIZE)."""

    @classmethod
    def from_crawler(cls, crawler):
        from guideaudit.crawler.memory import bound_allocator

        bound_allocator()
        return cls()

    def update_settings(self, settings) -> None:
        cap = settings.getint("GUIDEAUDIT_PAGE_MAXSIZE")
        if cap <= 0:
            return
        # "spider" priority: above the project's defaults, below -s / --set DOWNLOAD_MAXSIZE.
        settings.set("DOWNLOAD_MAXSIZE", cap, priority="spider")
        settings.set("DOWNLOAD_WARNSIZE", min(settings.getint("DOWNLOAD_WARNSIZE") or cap, cap), priority="spider")
