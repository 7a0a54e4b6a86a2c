"""The distributed sweep's tests: a real Redis (GUIDEAUDIT_TEST_REDIS, default db 13 on
127.0.0.1:6379, keys under a prefix of each test's own, deleted afterwards), a real PostgreSQL
(tests/conftest.py: pg_url) and a fixture portal of a few hundred guides served in this process,
whose hits the politeness test times."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest

REDIS_URL = os.environ.get("GUIDEAUDIT_TEST_REDIS", "redis://127.0.0.1:6379/13")
N_GUIDES = 300


@pytest.fixture
def redis_url():
    """(URL, key prefix) on the test Redis; skips, saying why, when no server answers."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as err:
        pytest.skip(f"Redis 不可用（{REDIS_URL}，可用 GUIDEAUDIT_TEST_REDIS 指定）：{type(err).__name__}")
    prefix = "gatest" + uuid.uuid4().hex[:8]
    yield REDIS_URL, prefix
    keys = list(client.scan_iter(match=prefix + ":*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


class HitClock:
    """When each request reached the portal: its router, timed on entry (the portal's own
    request log is written after the page is rendered, which blurs arrival by its render time)."""

    def __init__(self, portal=None):
        from guideaudit.fixtures.portal import server

        self.times: list[tuple[float, str]] = []
        self.lock = threading.Lock()
        self.server = server
        self.original = original = server.Router.handle
        clock = self

        # The patch lasts the session: it must time this portal's requests only and pass every
        # argument through (other portals of the session use the same Router class).
        def handle(router, method, target, *args, **kwargs):
            if portal is None or router.state is portal._state:
                with clock.lock:
                    clock.times.append((time.monotonic(), target))
            return original(router, method, target, *args, **kwargs)

        server.Router.handle = handle

    def close(self) -> None:
        self.server.Router.handle = self.original


@pytest.fixture(scope="session")
def small_portal():
    from guideaudit.fixtures.portal import FixturePortal

    with FixturePortal(n_guides=N_GUIDES, seed=2026, port=0, process=False) as p:
        p.hit_clock = HitClock(p)
        try:
            yield p
        finally:
            p.hit_clock.close()


@pytest.fixture(scope="session")
def html_truth(small_portal):
    return [g for g in small_portal.ground_truth() if g.portal == "fixture-html"]
