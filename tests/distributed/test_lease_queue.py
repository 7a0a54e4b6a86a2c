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
    nxt = a._keys("http://127.0.0.1:9/x")[1]
    waits = [int(m._reserve(keys=[nxt], args=[100])[0]) for m in [a, b, a, b]]
    # each later request waits one more delay than the one before (ms, on Redis' clock)
    assert all(90 <= later - earlier <= 110 for earlier, later in zip(waits, waits[1:], strict=False)), waits


def test_two_workers_share_one_hosts_delay_and_slots(redis_url):
    """Two middlewares (two workers), each with more requests than the host's concurrency,
    through the real process_request/process_response: sends are spaced by the delay across
    both, never more than the host's concurrency are in flight at once, a request waiting for
    its time holds no slot, and requests given up while waiting (a worker stopping) leave a gap,
    not a burst, and give back their share."""
    import asyncio

    from guideaudit.crawler.distributed.politeness import SharedPoliteness
    from scrapy import Request
    from scrapy.http import HtmlResponse

    url, prefix = redis_url
    delay, conc, latency = 0.03, 2, 0.05
    mids = [SharedPoliteness(redis_client(url), prefix, delay=delay, concurrency=conc, hold_seconds=5)
            for _ in range(2)]
    slots_key, next_key = mids[0]._keys("http://127.0.0.1:9/x")
    booked: list[int] = []  # ms of the host's schedule reserved ahead
    sends: list[float] = []
    flying = {"now": 0, "max": 0}
    waiting_slots: list[int] = []

    async def fetch(mid, i):
        request = Request(f"http://127.0.0.1:9/p{i}")
        await mid.process_request(request)
        sends.append(time.monotonic())
        flying["now"] += 1
        flying["max"] = max(flying["max"], flying["now"])
        await asyncio.sleep(latency)  # the download: slower than the delay, so slots matter
        flying["now"] -= 1
        mid.process_response(request, HtmlResponse(request.url, body=b"", request=request))

    async def main():
        tasks = [asyncio.ensure_future(fetch(mids[i % 2], i)) for i in range(24)]
        await asyncio.sleep(0.1)
        # requests reserved far ahead are waiting, not at the host: they hold no slot
        server = mids[0].server
        waiting_slots.append(int(server.zcard(slots_key)))
        sec, usec = server.time()
        booked.append(int(server.get(next_key)) - (sec * 1000 + usec // 1000))
        # a worker stops: its requests still waiting are given up
        gone = [t for t in tasks[1::2] if not t.done()][-4:]
        for t in gone:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return len(gone)

    given_up = asyncio.run(main())
    assert given_up == 4
    assert len(sends) == 24 - given_up
    # more requests booked ahead than may be in flight, yet no more slots held than that
    assert booked[0] > (conc + 1) * delay * 1000, booked
    assert waiting_slots[0] <= conc
    assert flying["max"] <= conc
    spans = [b - a for a, b in zip(sends, sends[1:], strict=False)]
    # spaced by the delay (less the event loop's own lateness), never bunched by a restart
    k = 5
    assert all(sends[i + k - 1] - sends[i] >= (k - 1) * delay * 0.75 for i in range(len(sends) - k + 1)), spans
    # every share given back: the middlewares could take their full depth again
    assert all(s._value == m.ahead for m in mids for s in m._local.values())
    assert int(mids[0].server.zcard(slots_key)) == 0


def test_a_request_too_late_for_its_time_books_a_new_one(redis_url):
    """A worker that wakes long after its reserved time (a stalled reactor) does not send then,
    where it would bunch with the requests of the times after it: it is told to book again."""
    from guideaudit.crawler.distributed.politeness import SharedPoliteness

    url, prefix = redis_url
    m = SharedPoliteness(redis_client(url), prefix, delay=0.02, concurrency=2, hold_seconds=5)
    slots, nxt = m._keys("http://127.0.0.1:9/x")
    wait_ms, start = (int(x) for x in m._reserve(keys=[nxt], args=[20]))
    assert int(m._slot(keys=[slots], args=["on-time", 2, 5000, start, m.late_ms])) == 0
    assert int(m._slot(keys=[slots], args=["late", 2, 5000, start - m.late_ms - 100, m.late_ms])) == -2
    assert int(m._slot(keys=[slots], args=["third", 2, 5000, start + 1000, m.late_ms])) == 0
    assert int(m._slot(keys=[slots], args=["fourth", 2, 5000, start + 1000, m.late_ms])) == -1  # both in flight
