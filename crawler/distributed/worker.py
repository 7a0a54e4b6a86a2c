"""A worker of a distributed sweep: `guideaudit worker`, a child of `guideaudit sweep --workers N`,
or any `scrapy crawl … -s GUIDEAUDIT_REDIS=… -s GUIDEAUDIT_SWEEP_ID=N` (Scrapyd).

A worker joins a sweep the coordinator opened (it never starts or finishes one): its crawlers
take requests from the sweep's shared queues, store into the sweep, push their counts to Redis,
heart-beat so their leases stay theirs, and stop when the sweep is drained (no request waiting,
no lease open) or the coordinator says stop. Exit codes: 0 drained, 130 stopped or interrupted,
1 the worker failed (the store refused a write, …), 2 bad input (unknown sweep, wrong store).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider, NotConfigured

from guideaudit.store import Store, StoreError

from ..lifecycle import (
    _SESSIONS,
    EXIT_BAD_INPUT,
    EXIT_COMPLETE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    SweepOutcome,
    SweepSession,
)
from ..pipelines.store import GUIDE_PENDING, GUIDES_STORED, StorePipeline, SweepState
from .addon import LEASE_TTL
from .leases import book_of, target_name
from .queue import (
    LeaseQueue,
    RedisUnavailable,
    TargetKeys,
    alive_prefix,
    display_redis,
    redis_client,
    sweep_base,
)

logger = logging.getLogger(__name__)

REDIS_ENV, DB_ENV = "GUIDEAUDIT_WORKER_REDIS", "GUIDEAUDIT_WORKER_DB"
WORKER_OUTCOMES: dict[int, SweepOutcome] = {}


class WorkerInputError(ValueError):
    """The worker cannot join: exit 2 with this Chinese message."""


def new_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def read_spec(client, prefix: str, sweep_id: int) -> dict | None:
    raw = client.get(f"{sweep_base(prefix, sweep_id)}:spec")
    return json.loads(raw) if raw else None


def active_sweeps(client, prefix: str) -> list[int]:
    return sorted(int(x) for x in client.smembers(f"{prefix}:active"))


def check_store(store: Store, spec: dict) -> Any:
    """The sweep row in this worker's store, or WorkerInputError: a worker given another
    database than the coordinator's would store guides where no report ever finds them."""
    sweep_id = spec["sweep"]
    try:
        sweep = store.get_sweep(sweep_id)
    except StoreError:
        sweep = None
    token = ((sweep.settings or {}).get("distributed") or {}).get("token") if sweep else None
    if sweep is None or token != spec["token"]:
        raise WorkerInputError(
            f"数据库 {store.display_url} 中没有第 {sweep_id} 次分布式抓取（--db 应与 guideaudit sweep --redis 使用的数据库相同）"
        )
    if sweep.status != "running":
        raise WorkerInputError(f"第 {sweep_id} 次抓取状态为 {sweep.status}，不再需要工作进程")
    return sweep


# --- the session of a worker ---------------------------------------------------------------


class WorkerSession(SweepSession):
    """A worker's share of a sweep: stores into it, never starts, locks or finishes it."""

    def __init__(self, store: Store, sweep, expected: int, owns_store: bool = True):
        super().__init__(store, sweep.portal, owns_store=owns_store)
        self.sweep = sweep
        self.state = SweepState(sweep.id, store)
        self.expected = expected
        _SESSIONS[sweep.id] = self

    def acquire(self) -> None:
        pass  # the coordinator holds the portal's lock for the whole sweep

    def finish(self, forced: tuple[str, int, str] | None = None) -> SweepOutcome:
        if self.outcome is not None:
            return self.outcome
        state = self.state
        try:
            state.close_writer()  # every guide handed over is committed before the worker says done
        finally:
            _SESSIONS.pop(state.sweep_id, None)
            if self.owns_store:
                self.store.close()
        reasons = set(state.close_reasons.values())
        if forced is not None:
            code, message = forced[1], forced[2]
        elif state.errors:
            code, message = EXIT_FAILED, "；".join(state.errors[:3])
        elif len(state.close_reasons) < self.expected or "shutdown" in reasons:
            code, message = EXIT_INTERRUPTED, "工作进程被中断或被要求停止"
        elif reasons - {"finished"}:
            code, message = EXIT_FAILED, f"工作进程提前停止（{'，'.join(sorted(reasons - {'finished'}))}）"
        else:
            code, message = EXIT_COMPLETE, ""
        self.outcome = SweepOutcome(code, self.sweep, message)
        WORKER_OUTCOMES[state.sweep_id] = self.outcome
        return self.outcome

    def close(self) -> None:
        pass  # the store closes when the worker's share is finished


def join_sweep(crawler, db: str, sweep_id: int) -> tuple[WorkerSession | None, str | None]:
    """The lifecycle extension's way in for a worker (crawler/lifecycle.py): (session, None) or
    (None, close reason) with the reason logged in Chinese."""
    settings = crawler.settings
    try:
        client = redis_client(settings.get("GUIDEAUDIT_REDIS"))
        spec = read_spec(client, settings.get("GUIDEAUDIT_REDIS_PREFIX", "guideaudit"), sweep_id)
        if spec is None:
            raise WorkerInputError(f"Redis 中没有第 {sweep_id} 次分布式抓取（已结束，或 GUIDEAUDIT_REDIS_PREFIX 不同）")
        store = Store(db)
    except (RedisUnavailable, WorkerInputError, StoreError) as err:
        logger.error("%s", err)
        return None, "bad_input"
    try:
        sweep = check_store(store, spec)
    except WorkerInputError as err:
        logger.error("%s", err)
        store.close()
        return None, "bad_input"
    expected = settings.getint("GUIDEAUDIT_WORKER_CRAWLERS", 1)
    return WorkerSession(store, sweep, expected), None


# --- the Scrapy extension ------------------------------------------------------------------


class WorkerExtension:
    """Heartbeat, counts to Redis, prompt pick-up of new requests, and when to stop."""

    TICK = 0.5

    def __init__(self, crawler):
        s = crawler.settings
        self.crawler = crawler
        self.client = redis_client(s.get("GUIDEAUDIT_REDIS"))
        self.prefix = s.get("GUIDEAUDIT_REDIS_PREFIX", "guideaudit")
        self.sweep_id = s.getint("GUIDEAUDIT_SWEEP_ID")
        self.base = s.get("GUIDEAUDIT_REDIS_BASE") or sweep_base(self.prefix, self.sweep_id)
        self.worker = s.get("GUIDEAUDIT_WORKER_ID") or new_worker_id()
        self.ttl = s.getfloat("GUIDEAUDIT_LEASE_TTL", LEASE_TTL)
        self.pushed: dict[str, int] = {}
        self.task = None
        self.queue: LeaseQueue | None = None
        self.last = {"beat": 0.0, "counts": 0.0, "reap": 0.0}

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        if not s.get("GUIDEAUDIT_REDIS"):
            raise NotConfigured
        if not s.getint("GUIDEAUDIT_SWEEP_ID"):
            raise NotConfigured("GUIDEAUDIT_REDIS 需要 GUIDEAUDIT_SWEEP_ID（由 guideaudit sweep --redis 创建的抓取）")
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.item_done, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_done, signal=signals.item_dropped)
        crawler.signals.connect(ext.item_done, signal=signals.item_error)
        crawler.signals.connect(ext.item_pending, signal=GUIDE_PENDING)
        crawler.signals.connect(ext.items_stored, signal=GUIDES_STORED)
        return ext

    # --- items: what a lease waits for ----------------------------------------------------

    def item_pending(self, item):
        book = book_of(self.crawler)
        if book is not None:
            book.item_pending(item)

    def item_done(self, item, response=None, spider=None, **kwargs):
        book = book_of(self.crawler)
        if book is not None:
            book.item_done(item, response)

    def items_stored(self, items):
        book = book_of(self.crawler)
        if book is not None:
            book.items_stored(items)

    # --- life ------------------------------------------------------------------------------

    def _alive_key(self) -> str:
        return alive_prefix(self.base) + self.worker

    def beat(self) -> None:
        self.client.set(self._alive_key(), "1", px=int(self.ttl * 1000))
        self.last["beat"] = time.monotonic()

    def opened(self, spider):
        from twisted.internet import task

        self.queue = LeaseQueue(self.client, TargetKeys(self.base, target_name(spider)))
        self.beat()
        self.client.hset(f"{self.base}:workers", self.worker, json.dumps(
            {"host": socket.gethostname(), "pid": os.getpid(), "target": target_name(spider)}))
        self.task = task.LoopingCall(self.tick)
        self.task.start(self.TICK, now=False)

    def tick(self) -> None:
        try:
            self._tick()
        except Exception as err:  # Redis away for a moment: the next tick tries again
            logger.warning("worker tick failed: %s: %s", type(err).__name__, err)

    def _tick(self) -> None:
        now = time.monotonic()
        if now - self.last["beat"] >= self.ttl / 3:
            self.beat()
        if now - self.last["counts"] >= 2:
            self.push_counts()
        if now - self.last["reap"] >= self.ttl / 3:
            self.last["reap"] = now
            self.queue.requeue_dead(self.base)
        if self.client.get(f"{self.base}:state") == b"stop":
            self._close("shutdown")
            return
        self._flush_store(older_than=1.0)
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        # Scrapy polls an idle scheduler every 5 s; requests other workers queue are picked up now
        if slot is not None and slot.closing is None and not engine.needs_backout() and self.queue.sizes()[0]:
            slot.nextcall.schedule()

    def _flush_store(self, older_than: float) -> None:
        """Guides waiting in the store pipeline's buffer hold their requests' leases: write them
        when the crawl has nothing more to add for a while."""
        from scrapy.utils.defer import deferred_from_coro

        itemproc = getattr(getattr(self.crawler.engine, "scraper", None), "itemproc", None)
        for pipe in getattr(itemproc, "middlewares", ()):
            if isinstance(pipe, StorePipeline) and pipe.buffer and time.monotonic() - pipe.last_flush >= older_than:
                deferred_from_coro(pipe.flush())

    def idle(self, spider):
        self._flush_store(older_than=0)
        self.queue.requeue_dead(self.base)
        if self.client.get(f"{self.base}:state") == b"stop":
            raise CloseSpider("shutdown")
        book = book_of(self.crawler)
        waiting, leased = self.queue.sizes()
        if waiting == 0 and leased == 0 and (book is None or book.open_leases == 0):
            return  # drained: the engine closes the spider ("finished")
        raise DontCloseSpider

    def _close(self, reason: str) -> None:
        from scrapy.utils.defer import deferred_from_coro

        engine = self.crawler.engine
        if engine is not None and engine.spider is not None and engine._slot is not None and engine._slot.closing is None:
            deferred_from_coro(engine.close_spider_async(reason=reason))

    def push_counts(self) -> None:
        """What the coordinator's ETA needs and only the spider knows: the portal's total."""
        self.last["counts"] = time.monotonic()
        expected = self.crawler.stats.get_value("guideaudit/expected_guides")
        if expected:
            self.client.hset(f"{self.base}:expected", target_name(self.crawler.spider), int(expected))

    def closed(self, spider, reason):
        from ..lifecycle import session_of

        if self.task is not None and self.task.running:
            self.task.stop()
        try:
            self.push_counts()
            session = session_of(self.crawler)
            if session is not None and session.state.errors:
                self.client.rpush(f"{self.base}:errors", *[e[:1000] for e in session.state.errors[:3]])
            book = book_of(self.crawler)
            if book is not None and book.open_leases:
                logger.info("worker %s stops with %d leases open: they go back to the queue", self.worker, book.open_leases)
            # no heartbeat any more: whoever looks next puts this worker's leases back at once
            self.client.delete(self._alive_key())
            self.client.hdel(f"{self.base}:workers", self.worker)
            self.queue.requeue_dead(self.base)
        except Exception as err:
            logger.warning("worker could not sign off from Redis: %s", err)


# --- running a worker ------------------------------------------------------------------------


def run_worker(redis_url: str, db_url: str | None, sweep_id: int, log_file: str | None = None,
               prefix: str = "guideaudit", say: Callable[[str], None] = print) -> int:
    """One worker process for one sweep, to the end of its share (the reactor runs once)."""
    from scrapy.crawler import CrawlerProcess

    from guideaudit.paths import default_db_url, logs_dir

    from ..sweep import SweepOptions, build_settings, resolve_targets

    client = redis_client(redis_url)
    spec = read_spec(client, prefix, sweep_id)
    if spec is None:
        raise WorkerInputError(f"Redis {display_redis(redis_url)} 中没有第 {sweep_id} 次分布式抓取")
    db_url = db_url or default_db_url()
    store = Store(db_url)
    try:
        check_store(store, spec)
        done = store.done_urls(sweep_id)  # a resumed sweep: pages already stored are not fetched
    finally:
        store.close()
    options = SweepOptions(profiles=spec["profiles"], url=spec.get("url"), base_url=spec.get("base_url"),
                           db_url=db_url, overrides=dict(spec.get("overrides") or {}))
    targets = resolve_targets(options, done)
    worker = new_worker_id()
    if log_file:
        log_path = os.path.abspath(log_file)
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
    else:
        log_path = str(logs_dir() / f"worker-{sweep_id}-{worker}.log")
    settings = build_settings(options, sweep_id, log_path, targets, db_url)
    settings.set("GUIDEAUDIT_PROGRESS", False, priority="cmdline")  # the coordinator shows progress
    settings.setdict({
        "GUIDEAUDIT_REDIS": redis_url,
        "GUIDEAUDIT_REDIS_PREFIX": prefix,
        "GUIDEAUDIT_REDIS_BASE": sweep_base(prefix, sweep_id),
        "GUIDEAUDIT_WORKER_ID": worker,
        "GUIDEAUDIT_LEASE_TTL": spec.get("lease_ttl", LEASE_TTL),
        "GUIDEAUDIT_WORKER_CRAWLERS": len(targets),
    }, priority="cmdline")
    say(f"工作进程 {worker}：第 {sweep_id} 次抓取（门户 {spec['portal']}），日志 {log_path}")
    process = CrawlerProcess(settings)
    for target in targets:
        process.crawl(target.spider, **target.kwargs)
    process.start()
    outcome = WORKER_OUTCOMES.pop(sweep_id, None)
    if outcome is None:
        session = _SESSIONS.pop(sweep_id, None)
        if session is None:
            return EXIT_BAD_INPUT  # the lifecycle refused to join (logged)
        outcome = session.finish(("incomplete", EXIT_INTERRUPTED, "工作进程被中断"))
    if outcome.message:
        say(f"工作进程 {worker}：{outcome.message}")
    return outcome.exit_code


def serve(redis_url: str, db_url: str | None, once: bool = False, prefix: str = "guideaudit",
          say: Callable[[str], None] = print, poll: float = 2.0, log_dir: str | None = None) -> int:
    """A standing worker (systemd, a container): waits for sweeps in this store, runs a worker
    process for each, until SIGTERM. ``once``: after one sweep."""
    from guideaudit.paths import default_db_url

    client = redis_client(redis_url)
    db_url = db_url or default_db_url()
    store = Store(db_url)
    stopping = {"flag": False}
    child: dict[str, subprocess.Popen | None] = {"proc": None}

    def stop(signum, frame):
        stopping["flag"] = True
        if child["proc"] is not None and child["proc"].poll() is None:
            child["proc"].send_signal(signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    served: set[int] = set()
    last_code = EXIT_COMPLETE
    say(f"等待分布式抓取（Redis {display_redis(redis_url)}，数据库 {store.display_url}）……")
    try:
        while not stopping["flag"]:
            for sweep_id in active_sweeps(client, prefix):
                if sweep_id in served or stopping["flag"]:
                    continue
                spec = read_spec(client, prefix, sweep_id)
                try:
                    if spec is None:
                        continue
                    check_store(store, spec)
                except WorkerInputError:
                    continue  # a sweep of another store, or one that has ended
                served.add(sweep_id)
                log = os.path.join(log_dir, f"worker-{sweep_id}.log") if log_dir else None
                child["proc"] = spawn_worker(redis_url, db_url, sweep_id, prefix, log)
                say(f"加入第 {sweep_id} 次抓取（工作进程 {child['proc'].pid}）")
                last_code = child["proc"].wait()
                child["proc"] = None
                say(f"第 {sweep_id} 次抓取：工作进程退出（退出码 {last_code}）")
                if once:
                    return last_code
            time.sleep(poll)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        store.close()
    return EXIT_INTERRUPTED if stopping["flag"] else last_code


def spawn_worker(redis_url: str, db_url: str, sweep_id: int, prefix: str = "guideaudit",
                 log_file: str | None = None, quiet: bool = False) -> subprocess.Popen:
    """A worker process; the URLs go by environment (`ps` must not show passwords)."""
    env = {**os.environ, REDIS_ENV: redis_url, DB_ENV: db_url}
    cmd = [sys.executable, "-m", "guideaudit.crawler.distributed.worker", "--sweep", str(sweep_id), "--prefix", prefix]
    if log_file:
        cmd += ["--log", log_file]
    out = subprocess.DEVNULL if quiet else None
    return subprocess.Popen(cmd, env=env, stdout=out)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m guideaudit.crawler.distributed.worker")
    parser.add_argument("--sweep", type=int, required=True)
    parser.add_argument("--prefix", default="guideaudit")
    parser.add_argument("--log")
    args = parser.parse_args(argv)
    redis_url, db_url = os.environ.get(REDIS_ENV), os.environ.get(DB_ENV)
    if not redis_url:
        print(f"错误：需要环境变量 {REDIS_ENV}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return run_worker(redis_url, db_url, args.sweep, args.log, args.prefix, say=lambda t: print(t, flush=True))
    except (WorkerInputError, RedisUnavailable, StoreError) as err:
        print(f"错误：{err}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
