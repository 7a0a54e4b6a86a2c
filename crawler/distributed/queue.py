"""The shared queue of one crawler of a distributed sweep, with leases (Redis).

Keys (``base`` = ``{prefix}:sweep:{id}``, ``t`` = ``{base}:{target}``, one target per profile):

  {t}:queue    ZSET token → -priority      requests waiting (scrapy-redis' priority order)
  {t}:data     HASH token → request        the serialised request (scrapy-redis' pickle format)
  {t}:leased   ZSET token → -priority      requests a worker has taken
  {t}:owner    HASH token → worker id      who holds each lease
  {t}:dupefilter SET                       scrapy-redis' fingerprints
  {base}:alive:{worker}                    a worker's heartbeat (expires after the lease TTL)

Popping moves a token from queue to leased atomically (Lua), so at every moment a request is
either waiting, leased or done: the sweep is drained when both sets are empty. A lease is
acknowledged only by its holder; leases whose holder's heartbeat expired go back to the queue
(``requeue_dead``). Redis must be private to the sweep's machines: requests are pickles.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

_POP = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return false end
local token, score = item[1], item[2]
redis.call('ZREM', KEYS[1], token)
redis.call('ZADD', KEYS[3], score, token)
redis.call('HSET', KEYS[4], token, ARGV[1])
return {token, redis.call('HGET', KEYS[2], token)}
"""

# Only the holder acknowledges: a lease taken back from a worker presumed dead belongs to the
# queue (or to its new holder) now, and its late acknowledgement must not remove it.
_ACK = """
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'acked', 1)
return 1
"""

# scrapy-redis' duplicate check and the push in one round trip (a worker's reactor waits on
# each one): ARGV[1] fingerprint ('' = no check), ARGV[2] token, ARGV[3] score, ARGV[4] request.
_PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[4], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
redis.call('HINCRBY', KEYS[3], 'pushed', 1)
return 1
"""

# Leases of workers whose heartbeat key has expired go back to the queue, same priority.
_REQUEUE_DEAD = """
local owners = redis.call('HGETALL', KEYS[3])
local n = 0
local alive = {}
for i = 1, #owners, 2 do
  local token, worker = owners[i], owners[i + 1]
  if alive[worker] == nil then
    alive[worker] = redis.call('EXISTS', ARGV[1] .. worker) == 1
  end
  if not alive[worker] then
    local score = redis.call('ZSCORE', KEYS[2], token)
    redis.call('ZREM', KEYS[2], token)
    redis.call('HDEL', KEYS[3], token)
    if score then
      redis.call('ZADD', KEYS[1], score, token)
      n = n + 1
    end
  end
end
return n
"""


def sweep_base(prefix: str, sweep_id: int) -> str:
    return f"{prefix}:sweep:{sweep_id}"


def alive_prefix(base: str) -> str:
    return f"{base}:alive:"


@dataclass(frozen=True)
class TargetKeys:
    base: str
    target: str

    @property
    def root(self) -> str:
        return f"{self.base}:{self.target}"

    @property
    def queue(self) -> str:
        return f"{self.root}:queue"

    @property
    def data(self) -> str:
        return f"{self.root}:data"

    @property
    def leased(self) -> str:
        return f"{self.root}:leased"

    @property
    def owner(self) -> str:
        return f"{self.root}:owner"

    @property
    def dupefilter(self) -> str:
        return f"{self.root}:dupefilter"

    @property
    def stats(self) -> str:
        return f"{self.root}:stats"


class LeaseQueue:
    """Raw operations on one target's queue: tokens and encoded requests (bytes)."""

    def __init__(self, server: Any, keys: TargetKeys):
        self.server = server
        self.keys = keys
        self._pop = server.register_script(_POP)
        self._ack = server.register_script(_ACK)
        self._requeue = server.register_script(_REQUEUE_DEAD)
        self._push = server.register_script(_PUSH)

    def push(self, encoded: bytes, priority: int, fingerprint: str = "") -> bool:
        """Queue a request; with a fingerprint, only if the duplicate filter has not seen it
        (False then)."""
        k = self.keys
        return bool(self._push(keys=[k.queue, k.data, k.stats, k.dupefilter],
                               args=[fingerprint, uuid.uuid4().hex, -priority, encoded]))

    def pop(self, worker: str) -> tuple[str, bytes] | None:
        k = self.keys
        found = self._pop(keys=[k.queue, k.data, k.leased, k.owner], args=[worker])
        if not found:
            return None
        token, encoded = found
        token = token.decode() if isinstance(token, bytes) else token
        if encoded is None:  # its data vanished (a cleared sweep): nothing to run
            self.ack(token, worker)
            return None
        return token, encoded

    def ack(self, token: str, worker: str) -> bool:
        k = self.keys
        return bool(self._ack(keys=[k.data, k.leased, k.owner, k.stats], args=[token, worker]))

    def requeue_dead(self, base: str) -> int:
        k = self.keys
        n = int(self._requeue(keys=[k.queue, k.leased, k.owner], args=[alive_prefix(base)]))
        if n:
            self.server.hincrby(k.stats, "requeued", n)
        return n

    def sizes(self) -> tuple[int, int]:
        """(waiting, leased)."""
        pipe = self.server.pipeline(transaction=True)
        pipe.zcard(self.keys.queue)
        pipe.zcard(self.keys.leased)
        waiting, leased = pipe.execute()
        return int(waiting), int(leased)

    def stats(self) -> dict[str, int]:
        return {k.decode(): int(v) for k, v in self.server.hgetall(self.keys.stats).items()}

    def clear(self) -> None:
        k = self.keys
        self.server.delete(k.queue, k.data, k.leased, k.owner, k.dupefilter, k.stats)


def redis_client(url: str):
    """A client for URL; RedisUnavailable (a Chinese message) when it cannot be reached."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30)
        client.ping()
    except ValueError as err:
        raise RedisUnavailable(f"Redis 地址无效：{display_redis(url)}（{err}；示例：redis://127.0.0.1:6379/0）") from None
    except redis.RedisError as err:
        raise RedisUnavailable(f"无法连接 Redis {display_redis(url)}：{err}") from None
    return client


def display_redis(url: str) -> str:
    """The URL without its password (for logs, the store and the screen)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


class RedisUnavailable(RuntimeError):
    pass
