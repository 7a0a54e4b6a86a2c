"""Scrapy's per-page and per-item DEBUG lines, built only when some handler would print them.

Scrapy sets the root logger to NOTSET and filters by LOG_LEVEL in its handler, so every
"Crawled (200) <GET …>" and "Scraped from <200 …>" record is formatted (referer, flags, the
item) and made into a LogRecord, then dropped by the handler at the default INFO. A sweep of
10,000 guides makes ~15,000 of them. This formatter returns None (Scrapy then logs nothing)
when no handler on the logger's path accepts DEBUG; with LOG_LEVEL=DEBUG, or any DEBUG handler
(pytest's caplog included), the lines are exactly Scrapy's.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter

_ENGINE = logging.getLogger("scrapy.core.engine")
_SCRAPER = logging.getLogger("scrapy.core.scraper")


def debug_reaches_a_handler(logger: logging.Logger) -> bool:
    """Whether a DEBUG record of this logger would reach a handler that emits it."""
    if not logger.isEnabledFor(logging.DEBUG):
        return False
    current: logging.Logger | None = logger
    found = False
    while current is not None:
        for handler in current.handlers:
            found = True
            if handler.level <= logging.DEBUG:
                return True
        if not current.propagate:
            break
        current = current.parent
    # No handler at all: logging's last resort prints WARNING and above only.
    return not found and logging.lastResort is not None and logging.lastResort.level <= logging.DEBUG


class QuietLogFormatter(LogFormatter):
    def crawled(self, request: Any, response: Any, spider: Any) -> Any:
        if not debug_reaches_a_handler(_ENGINE):
            return None
        return super().crawled(request, response, spider)

    def scraped(self, item: Any, response: Any, spider: Any) -> Any:
        if not debug_reaches_a_handler(_SCRAPER):
            return None
        return super().scraped(item, response, spider)
