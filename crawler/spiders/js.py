"""The JS family: pages whose guide exists only after their scripts ran.

Every page request is rendered by headless Chromium through scrapy-playwright (the download
handler is switched on for this spider's crawls only), waits for the profile's ``wait_for``
selector, and the rendered DOM goes through the same generic extractor as server pages.
The raw evidence kept for a guide is the rendered HTML.
"""

from __future__ import annotations

from typing import Any

from .html import GuideHtmlSpider

PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"


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

    def page_request(self, url: str, **meta: Any) -> Any:
        request = super().page_request(url, **meta)
        if request is not None and "list_page" in meta:
            # List endpoints (often HTML fragments) have no guide selector to wait for.
            from scrapy_playwright.page import PageMethod

            request.meta["playwright_page_methods"] = [PageMethod("wait_for_load_state", "networkidle")]
        return request

    def request_meta(self) -> dict[str, Any]:
        from scrapy_playwright.page import PageMethod

        methods = []
        if self.profile is not None and self.profile.wait_for:
            methods.append(PageMethod("wait_for_selector", self.profile.wait_for, timeout=20_000))
        else:
            methods.append(PageMethod("wait_for_load_state", "networkidle"))
        return {"playwright": True, "playwright_page_methods": methods}


def abort_heavy(request: Any) -> bool:
    return request.resource_type in ("image", "font", "media")
