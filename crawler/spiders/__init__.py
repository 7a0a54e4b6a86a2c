"""guideaudit's spiders: one per portal family (generic HTML, JSON API, JS), driven by profiles.

``spider_for(profile, url)`` gives the spider class a crawl needs; ``scrapy list`` from the
repository root shows them: ``generic`` (html), ``api``, ``js``.
"""

from __future__ import annotations

from typing import Any


def spider_for(profile: str | None = None, url: str | None = None) -> type[Any]:
    """The spider class for a profile name/path, or the generic spider for a bare URL."""
    from ..profiles import load_profile
    from .api import GuideApiSpider
    from .html import GuideHtmlSpider
    from .js import GuideJsSpider

    if profile is None:
        if not url:
            raise ValueError("需要门户配置名或起始网址")
        return GuideHtmlSpider
    family = load_profile(profile).family
    return {"html": GuideHtmlSpider, "api": GuideApiSpider, "js": GuideJsSpider}[family]
