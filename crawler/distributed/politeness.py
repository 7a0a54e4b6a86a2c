"""Per-host politeness shared by every worker through Redis (DOWNLOADER_MIDDLEWARES).

Scrapy's DOWNLOAD_DELAY and CONCURRENT_REQUESTS_PER_DOMAIN hold per process: N workers would
fetch N times as fast. Here every request to a host takes, in atomic scripts on the Redis
server's clock, (1) the host's next send time, which it pushes DOWNLOAD_DELAY further, and
then, at that time, (2) a concurrency slot among the host's CONCURRENT_REQUESTS_PER_DOMAIN
(slots expire, so a killed worker's slots come back). As in Scrapy's own downloader, a request
waiting for its time is not "at" the host: only sent requests hold slots. The send times are
spaced by the delay whoever reserved them, and a request is never sent before its time nor more
than max(delay, 50 ms) after it (a request that late, its worker stalled, books a new time), so
all workers together stay within one request per delay over any window; a worker killed after reserving leaves a
gap, never a burst. Each worker reserves at most GUIDEAUDIT_HOST_AHEAD requests per host ahead
(default twice the concurrency), so the shared schedule stays full while its reactor is busy.

(Before, a reserved request held a slot while it waited: with the slots full of requests waiting
and of responses the busy reactor had not yet handled, no one could reserve and the schedule
fell behind: one worker reached 0.8 of the limit on a loaded machine, four 0.5.)

The worker's own downloader delay is set to 0 (guideaudit.crawler.distributed.addon): the shared
one governs, AutoThrottle can still only slow a worker down. Keys ``{prefix}:host:{host:port}:…``
are shared by every sweep using the Redis, so two sweeps of one portal stay polite together.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

SLOT_META = "guideaudit_host_slot"

# The next send time of the host: now, or DOWNLOAD_DELAY after the last one reserved.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local delay = tonumber(ARGV[1])
local start = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], start + delay, 'PX', start - now + delay + 60000)
return {start - now, start}
"""

# A slot among the host's ARGV[2] at send time (-1: all in use); it expires after ARGV[3] ms.
# -2: more than ARGV[5] ms past the reserved time ARGV[4] (a stalled reactor, slots full): that
# time is given up and a new one booked, so late requests never go out in a burst.
_SLOT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now > tonumber(ARGV[4]) + tonumber(ARGV[5]) then return -2 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + 60000)
return 0
"""


class SharedPoliteness:
    def __init__(self, server, prefix: str, delay: float, concurrency: int, hold_seconds: float,
                 ahead: int | None = None):
        self.server = server
        self.prefix = prefix
        self.delay_ms = max(0, int(delay * 1000))
        self.concurrency = max(1, concurrency)
        self.hold_ms = int(hold_seconds * 1000)
        self.ahead = max(1, ahead or 2 * self.concurrency)
        # how late after its reserved time a request may still go: over any window, at most
        # this much of another window's sends (about one request) can bunch into it
        self.late_ms = max(self.delay_ms, 50)
        self._reserve = server.register_script(_RESERVE)
        self._slot = server.register_script(_SLOT)
        # This worker's own share: requests reserved or in flight per host. It bounds how far
        # ahead the worker books the host (a reserved time nobody uses is a gap, so not too
        # far) and keeps a worker from polling Redis for slots with every waiting request.
        self._local: dict[str, asyncio.Semaphore] = {}

    @classmethod
    def from_crawler(cls, crawler):
        from .queue import redis_client

        s = crawler.settings
        delay = s.getfloat("GUIDEAUDIT_SHARED_DELAY", 0.0)
        concurrency = s.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 8)
        ahead = s.getint("GUIDEAUDIT_HOST_AHEAD", 0) or None
        # a slot outlives the longest possible download, then frees itself
        hold = s.getfloat("DOWNLOAD_TIMEOUT", 180) + 30
        logger.info("shared politeness: %.3f s between requests to a host, %d at a time (all workers)", delay, concurrency)
        return cls(redis_client(s.get("GUIDEAUDIT_REDIS")), s.get("GUIDEAUDIT_REDIS_PREFIX", "guideaudit"),
                   delay, concurrency, hold, ahead)

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
        slots, nxt = self._keys(request.url)
        local = self._local.setdefault(slots, asyncio.Semaphore(self.ahead))
        await local.acquire()
        token = uuid.uuid4().hex
        try:
            while True:
                # one loopback round trip each: cheaper than a thread hop
                wait_ms, start = (int(x) for x in self._reserve(keys=[nxt], args=[self.delay_ms]))
                if wait_ms:
                    await asyncio.sleep(wait_ms / 1000)
                pause = 0.002
                while (got := int(self._slot(keys=[slots], args=[token, self.concurrency, self.hold_ms,
                                                                  start, self.late_ms]))) == -1:
                    # every slot of the host is in flight: wait for one, not past the lateness allowed
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 0.05)
                if got == 0:
                    break
        except BaseException:
            local.release()
            raise
        request.meta[SLOT_META] = (slots, token)
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
