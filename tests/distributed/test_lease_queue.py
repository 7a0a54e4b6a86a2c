"""The lease queue and the shared host clock on a real Redis: what the end-to-end tests rely on,
one rule at a time."""

from __future__ import annotations

import time

import pytest
from guideaudit.crawler.distributed.queue import LeaseQueue, TargetKeys, alive_prefix, redis_client

pytestmark = pytest.mark.redis


@pytest.fixture
def queue(redis_url):
    url, prefix = redis_url
    client = redis_client(url)
    base = f"{prefix}:sweep:1"
    yield LeaseQueue(client, TargetKeys(base, "fixture-html")), client, base
    client.close()


def test_a_popped_request_is_leased_not_forgotten(queue):
    q, client, base = queue
    q.push(b"low", priority=0)
    q.push(b"high", priority=10)
    token, data = q.pop("w1")
    assert data == b"high"  # scrapy-redis' priority order
    assert q.sizes() == (1, 1)
    assert not q.ack(token, "w2")  # only the holder settles a lease
    assert q.ack(token, "w1")
    assert q.sizes() == (1, 0)


def test_leases_of_a_silent_worker_go_back_to_the_queue(queue):
    q, client, base = queue
    for i in range(3):
        q.push(f"r{i}".encode(), priority=0)
    client.set(alive_prefix(base) + "alive", "1", px=60_000)
    client.set(alive_prefix(base) + "dying", "1", px=200)
    mine = q.pop("alive")
    q.pop("dying")
    q.pop("dying")
    assert q.requeue_dead(base) == 0  # heartbeats still fresh
    time.sleep(0.3)
    assert q.requeue_dead(base) == 2  # only the dead worker's leases
    assert q.sizes() == (2, 1)
    assert q.ack(mine[0], "alive")
    late = q.pop("alive")
    assert late is not None and q.stats()["requeued"] == 2


def test_a_late_ack_after_requeue_does_not_drop_the_request(queue):
    q, client, base = queue
    q.push(b"page", priority=0)
    token, _ = q.pop("slow")  # no heartbeat at all: presumed dead
    assert q.requeue_dead(base) == 1
    assert not q.ack(token, "slow")  # the slow worker wakes up: its ack no longer counts
    assert q.sizes() == (1, 0)


def test_the_host_clock_spaces_requests_across_clients(redis_url):
    """Two politeness middlewares (two workers) share one host's next-send time."""
    from guideaudit.crawler.distributed.politeness import SharedPoliteness

    url, prefix = redis_url
    a = SharedPoliteness(redis_client(url), prefix, delay=0.1, concurrency=8, hold_seconds=5)
    b = SharedPoliteness(redis_client(url), prefix, delay=0.1, concurrency=8, hold_seconds=5)
    keys = a._keys("http://127.0.0.1:9/x")
    waits = [int(m._take(keys=keys, args=[f"t{i}", 8, 100, 5000])) for i, m in enumerate([a, b, a, b])]
    # each later request waits one more delay than the one before (ms, on Redis' clock)
    assert all(90 <= later - earlier <= 110 for earlier, later in zip(waits, waits[1:], strict=False)), waits
