"""Per-host politeness shared by every worker through Redis (DOWNLOADER_MIDDLEWARES).

Scrapy's DOWNLOAD_DELAY and CONCURRENT_REQUESTS_PER_DOMAIN hold per process: N workers would
fetch N times as fast. Here every request to a host first takes, in one atomic script on the
Redis server's clock, (1) a concurrency slot among the host's CONCURRENT_REQUESTS_PER_DOMAIN
(slots expire, so a killed worker's slots come back) and (2) the host's next send time, which
it pushes DOWNLOAD_DELAY further. The request waits until its time, then goes on. The worker's
own downloader delay is set to 0 (guideaudit.crawler.distributed.addon): the shared one governs,
AutoThrottle can still only slow a worker down. Keys ``{prefix}:host:{host:port}:…`` are shared
by every sweep using the Redis, so two sweeps of one portal stay polite together.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

SLOT_META = "guideaudit_host_slot"

_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local delay = tonumber(ARGV[3])
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
local start = math.max(now, nxt)
if delay > 0 then
  redis.call('SET', KEYS[2], start + delay, 'PX', delay + 60000)
end
redis.call('ZADD', KEYS[1], start + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) + 60000)
return start - now
"""


class SharedPoliteness:
    def __init__(self, server, prefix: str, delay: float, concurrency: int, hold_seconds: float):
        self.server = server
        self.prefix = prefix
        self.delay_ms = max(0, int(delay * 1000))
        self.concurrency = max(1, concurrency)
        self.hold_ms = int(hold_seconds * 1000)
        self._take = server.register_script(_TAKE)
        # This worker's own share first: only requests holding a local slot ask Redis, so one
        # worker never polls, and a freed slot is taken at once by the next local request.
        self._local: dict[str, asyncio.Semaphore] = {}

    @classmethod
    def from_crawler(cls, crawler):
        from .queue import redis_client

        s = crawler.settings
        delay = s.getfloat("GUIDEAUDIT_SHARED_DELAY", 0.0)
        concurrency = s.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 8)
        # a slot outlives the longest possible download, then frees itself
        hold = s.getfloat("DOWNLOAD_TIMEOUT", 180) + 30
        logger.info("shared politeness: %.3f s between requests to a host, %d at a time (all workers)", delay, concurrency)
        return cls(redis_client(s.get("GUIDEAUDIT_REDIS")), s.get("GUIDEAUDIT_REDIS_PREFIX", "guideaudit"),
                   delay, concurrency, hold)

    def _keys(self, url: str) -> list[str]:
        host = urlsplit(url).netloc.lower() or "-"
        root = f"{self.prefix}:host:{host}"
        return [f"{root}:slots", f"{root}:next"]

    async def process_request(self, request, spider=None):
        if not self.delay_ms:
            # no delay asked (a loopback portal): nothing to space out, and a Redis round
            # trip per request would cost more than the page; each worker keeps its own
            # per-host concurrency only
            return None
        keys = self._keys(request.url)
        local = self._local.setdefault(keys[0], asyncio.Semaphore(self.concurrency))
        await local.acquire()
        token = uuid.uuid4().hex
        pause = 0.002
        try:
            while True:
                # one loopback round trip: cheaper than a thread hop
                wait_ms = int(self._take(keys=keys, args=[token, self.concurrency, self.delay_ms, self.hold_ms]))
                if wait_ms >= 0:
                    break
                await asyncio.sleep(pause)  # other workers hold every slot of the host
                pause = min(pause * 2, 0.05)
        except BaseException:
            local.release()
            raise
        request.meta[SLOT_META] = (keys[0], token)
        if wait_ms:
            await asyncio.sleep(wait_ms / 1000)
        return None

    def _free(self, request) -> None:
        held = request.meta.pop(SLOT_META, None)
        if held:
            self._local[held[0]].release()
            try:
                self.server.zrem(held[0], held[1])
            except Exception as err:  # the slot expires by itself
                logger.warning("could not free a host slot: %s", err)

    def process_response(self, request, response, spider=None):
        self._free(request)
        return response

    def process_exception(self, request, exception, spider=None):
        self._free(request)
        return None
