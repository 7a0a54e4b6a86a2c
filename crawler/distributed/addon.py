"""Scrapy add-on (ADDONS in crawler/settings.py): a crawl with GUIDEAUDIT_REDIS set is a worker
of a distributed sweep, however it was started (`guideaudit worker`, `scrapy crawl`, Scrapyd).

It swaps in the leased scheduler, counts outputs against leases, shares politeness through
Redis and adds the worker extension (heartbeat, counts, when to stop)."""

from __future__ import annotations

from scrapy.exceptions import NotConfigured

LEASE_TTL = 30.0  # seconds a silent worker keeps its leases (GUIDEAUDIT_LEASE_TTL)


class DistributedWorker:
    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("GUIDEAUDIT_REDIS"):
            raise NotConfigured  # silent: an ordinary crawl
        return cls()

    def update_settings(self, settings) -> None:
        if not settings.get("GUIDEAUDIT_WORKER_ID"):  # Scrapyd, `scrapy crawl`
            from .worker import new_worker_id

            settings.set("GUIDEAUDIT_WORKER_ID", new_worker_id(), priority="cmdline")
        # The host's delay is shared (politeness.py); the worker's own downloader adds none.
        settings.set("GUIDEAUDIT_SHARED_DELAY", settings.getfloat("DOWNLOAD_DELAY"), priority="cmdline")
        settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
        settings.set("SCHEDULER", "guideaudit.crawler.distributed.leases.LeasedScheduler", priority="cmdline")
        settings["SPIDER_MIDDLEWARES"]["guideaudit.crawler.distributed.leases.LeaseSpiderMiddleware"] = 1
        # after robots.txt (100): a disallowed page takes no slot of the host
        settings["DOWNLOADER_MIDDLEWARES"]["guideaudit.crawler.distributed.politeness.SharedPoliteness"] = 960
        settings["EXTENSIONS"]["guideaudit.crawler.distributed.worker.WorkerExtension"] = 150
