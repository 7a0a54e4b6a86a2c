"""Sweep progress: one Chinese line every GUIDEAUDIT_PROGRESS_INTERVAL seconds (30 by default,
5 on a terminal) with pages fetched, guides found, fetch failures, the rate and, where the list
API gave a total, the ETA. Goes to the sweep log always and to stdout when GUIDEAUDIT_PROGRESS
is on (`guideaudit sweep` turns it on), so a cron run's output shows the sweep moving."""

from __future__ import annotations

import logging
import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

EXPECTED_STAT = "guideaudit/expected_guides"  # set by spiders that learn the total


def progress_line(stats: dict, elapsed: float) -> str:
    pages = int(stats.get("downloader/response_count", 0))
    guides = int(stats.get("guideaudit/guides", 0))
    failures = int(stats.get("guideaudit/fetch_failures", 0))
    blocked = sum(int(v) for k, v in stats.items() if k.startswith("guideaudit/blocked/"))
    rate = guides / elapsed * 60 if elapsed > 0 else 0.0
    line = f"进度：已抓取页面 {pages}，指南 {guides}，无法获取 {failures}"
    if blocked:
        line += f"（其中被拦截/非指南页面 {blocked}）"
    line += f"，{rate:.0f} 份指南/分钟，已用 {_clock(elapsed)}"
    expected = int(stats.get(EXPECTED_STAT, 0) or 0)
    if expected and guides:
        left = max(expected - guides, 0)
        eta = left / (guides / elapsed) if guides else 0
        line += f"；共约 {expected} 份，剩余 {left}，预计还需 {_clock(eta)}"
    return line


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class SweepProgress:
    def __init__(self, crawler, interval: float, to_stdout: bool) -> None:
        self.crawler, self.interval, self.to_stdout = crawler, interval, to_stdout
        self.started = time.monotonic()
        self.task = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        default = 5.0 if sys.stdout.isatty() else 30.0
        interval = settings.getfloat("GUIDEAUDIT_PROGRESS_INTERVAL", default)
        if interval <= 0:
            raise NotConfigured("GUIDEAUDIT_PROGRESS_INTERVAL is 0")
        ext = cls(crawler, interval, settings.getbool("GUIDEAUDIT_PROGRESS"))
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider=None) -> None:
        from twisted.internet import task

        self.started = time.monotonic()
        self.task = task.LoopingCall(self.tick)
        self.task.start(self.interval, now=False)

    def tick(self) -> None:
        line = progress_line(self.crawler.stats.get_stats(), time.monotonic() - self.started)
        logger.info(line)
        if self.to_stdout:
            print(line, flush=True)

    def closed(self, spider=None, reason=None) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
