"""`guideaudit sweep … --redis URL [--workers N]`: the coordinator of a distributed sweep.

It does what `guideaudit sweep` does around a crawl (portal lock, reaping, one sweep row and
one check run in the store, the end recorded with counts taken from the store) but crawls
nothing itself: it seeds the sweep's shared queues with the spiders' start requests, publishes
the sweep in Redis, starts N local workers (0: only waits for workers started elsewhere),
prints progress, and declares the sweep over when every queue is drained and no lease is open.

Exit codes as for any sweep (crawler/lifecycle.py): 0 complete, 130 interrupted (the queue
stays in Redis: `--resume` continues it), 1 failed or the workers all gone with work left,
2 bad input, 3 locked.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..lifecycle import (
    EXIT_COMPLETE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    SweepOutcome,
    SweepSession,
    sweep_figures,
)
from ..progress import _clock
from ..sweep import (
    SweepOptions,
    _captures,
    _check_url,
    _log_path,
    _pick_resume,
    _settings_record,
    build_settings,
    resolve_targets,
    with_portal_locked,
)
from ..targets import SweepInputError, Target
from .addon import LEASE_TTL
from .leases import dedupe_key, target_name
from .queue import (
    LeaseQueue,
    RedisUnavailable,
    TargetKeys,
    alive_prefix,
    display_redis,
    redis_client,
    sweep_base,
)
from .worker import read_spec, spawn_worker

logger = logging.getLogger(__name__)


@dataclass
class DistributedOptions:
    redis_url: str
    workers: int = 2
    prefix: str = "guideaudit"
    progress_every: float = 10.0
    poll: float = 0.5
    quiet_workers: bool = False


def run_distributed(options: SweepOptions, dist: DistributedOptions, say: Callable[[str], None] = print) -> SweepOutcome:
    if options.url:
        _check_url(options.url, "--url")
    if options.base_url:
        _check_url(options.base_url, "--base-url")
    if options.max_guides is not None:
        raise SweepInputError("--max-guides 不能与 --redis 同用（分布式抓取没有全局的份数上限；试抓请不用 --redis）")
    if dist.workers < 0:
        raise SweepInputError("--workers 应为 0 或正整数")
    try:
        client = redis_client(dist.redis_url)
    except RedisUnavailable as err:
        raise SweepInputError(str(err)) from None
    return with_portal_locked(options, lambda session, opts: Coordinator(session, opts, dist, client, say).run())


class Coordinator:
    def __init__(self, session: SweepSession, options: SweepOptions, dist: DistributedOptions, client, say):
        self.session, self.options, self.dist, self.client, self.say = session, options, dist, client, say
        self.store = session.store
        self.procs: list = []
        self.interrupted = False
        self.queues: list[LeaseQueue] = []
        self.base = ""

    # --- opening -----------------------------------------------------------------------------

    def run(self) -> SweepOutcome:
        store, key, options, say = self.store, self.session.portal, self.options, self.say
        say(f"数据库：{store.display_url}")
        say(f"Redis：{display_redis(self.dist.redis_url)}")
        self.session.reap(say)
        resumed = _pick_resume(store, key, options, say)
        done = store.done_urls(resumed.id) if resumed else set()
        targets = resolve_targets(options, done)
        if resumed and resumed.log_path and not options.log_file:
            log_path = Path(resumed.log_path)
        else:
            log_path = _log_path(options, key)
        old = ((resumed.settings or {}).get("distributed") or {}) if resumed else {}
        token = old.get("token") or uuid.uuid4().hex
        record = _settings_record(options, targets)
        record["distributed"] = {"redis": display_redis(self.dist.redis_url), "prefix": self.dist.prefix,
                                 "token": token, "workers": self.dist.workers}
        start_url = targets[0].start_url if len(targets) == 1 else (options.base_url or options.url)
        sweep = self.session.open(start_url, record, str(log_path), _captures(targets), resumed)
        self.base = sweep_base(self.dist.prefix, sweep.id)
        spec = {
            "sweep": sweep.id, "token": token, "portal": key, "profiles": options.profiles,
            "url": options.url, "base_url": options.base_url, "overrides": options.overrides,
            "lease_ttl": float(options.overrides.get("GUIDEAUDIT_LEASE_TTL", LEASE_TTL)),
            "targets": [], "store": store.display_url,
        }
        try:
            kept = resumed is not None and read_spec(self.client, self.dist.prefix, sweep.id) is not None
            seeded = 0 if kept else self.seed(targets, sweep.id, log_path)
            spec["targets"] = self.target_names(targets)
            self.queues = [LeaseQueue(self.client, TargetKeys(self.base, t)) for t in spec["targets"]]
            self.publish(spec)
        except KeyboardInterrupt:
            return self.session.finish(("incomplete", EXIT_INTERRUPTED, "抓取在启动时被中断"))
        if resumed:
            say(f"续抓第 {sweep.id} 次抓取（门户 {key}），已保存 {len(done)} 份指南" + ("，队列仍在 Redis 中。" if kept else "，已重新放入起始请求。"))
        else:
            say(f"开始第 {sweep.id} 次分布式抓取：门户 {key}，起始请求 {seeded} 个")
        say(f"日志：{log_path}（各工作进程另有日志）")
        return self.wait()

    def target_names(self, targets: list[Target]) -> list[str]:
        names = []
        for target in targets:
            profile = target.kwargs.get("profile")
            names.append(profile if isinstance(profile, str) else "url")
        return names

    def seed(self, targets: list[Target], sweep_id: int, log_path: Path) -> int:
        """Each spider's start requests into its queue, as the spider itself builds them."""
        from scrapy import Request
        from scrapy.crawler import Crawler
        from scrapy_redis import picklecompat
        from scrapy_redis.dupefilter import RFPDupeFilter

        settings = build_settings(self.options, sweep_id, log_path, targets, self.store.url)
        settings.set("GUIDEAUDIT_EXTRACT_WORKERS", 0, priority="cmdline")
        count = 0
        for target in targets:
            crawler = Crawler(target.spider, settings)
            spider = target.spider.from_crawler(crawler, **target.kwargs)
            if hasattr(spider, "extract_pool"):
                # name page callbacks as the workers' do (parse_page_pooled runs with or without a pool)
                spider.extract_pool = _NAMING_POOL
            keys = TargetKeys(self.base, target_name(spider))
            queue = LeaseQueue(self.client, keys)
            df = RFPDupeFilter(self.client, key=keys.dupefilter)
            for request in asyncio.run(_collect(spider.start())):
                if isinstance(request, Request):
                    count += queue.push(picklecompat.dumps(request.to_dict(spider=spider)), request.priority,
                                        dedupe_key(df, request, child=True))
        return count

    def publish(self, spec: dict) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.set(f"{self.base}:spec", json.dumps(spec, ensure_ascii=False))
        pipe.set(f"{self.base}:state", "running")
        pipe.sadd(f"{self.dist.prefix}:active", spec["sweep"])
        pipe.execute()

    # --- waiting -----------------------------------------------------------------------------

    def _on_signal(self, signum, frame) -> None:
        self.interrupted = True

    def wait(self) -> SweepOutcome:
        sweep_id = self.session.sweep.id
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            for _ in range(self.dist.workers):
                self.procs.append(spawn_worker(self.dist.redis_url, self.store.url, sweep_id, self.dist.prefix,
                                               quiet=self.dist.quiet_workers))
            if self.dist.workers:
                self.say(f"已启动 {self.dist.workers} 个本机工作进程：{', '.join(str(p.pid) for p in self.procs)}")
            else:
                self.say(f"等待工作进程：guideaudit worker --redis {display_redis(self.dist.redis_url)} --db …")
            ending = self._watch()
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        return self._finish(*ending)

    def sizes(self) -> tuple[int, int]:
        waiting = leased = 0
        for q in self.queues:
            w, le = q.sizes()
            waiting, leased = waiting + w, leased + le
        return waiting, leased

    def alive_workers(self) -> int:
        return sum(1 for _ in self.client.scan_iter(match=alive_prefix(self.base) + "*", count=100))

    def _watch(self) -> tuple[str, int, str | None]:
        started = last_progress = last_reap = time.monotonic()
        drained = 0
        while True:
            if self.interrupted:
                return "incomplete", EXIT_INTERRUPTED, "抓取被中断（SIGINT/SIGTERM）；队列保留在 Redis 中，可 --resume 续抓"
            now = time.monotonic()
            if now - last_reap >= 2:
                last_reap = now
                for q in self.queues:
                    q.requeue_dead(self.base)
            waiting, leased = self.sizes()
            errors = [e.decode("utf-8", "replace") for e in self.client.lrange(f"{self.base}:errors", 0, 2)]
            if errors:
                return "failed", EXIT_FAILED, "；".join(errors)
            drained = drained + 1 if waiting == 0 and leased == 0 else 0
            if drained >= 2:  # twice in a row, a poll apart
                return "complete", EXIT_COMPLETE, None
            if self.procs and all(p.poll() is not None for p in self.procs) and not self.alive_workers():
                codes = sorted({p.returncode for p in self.procs})
                return "incomplete", EXIT_FAILED, (
                    f"工作进程全部退出（退出码 {codes}），仍有 {waiting} 个请求待抓、{leased} 个处理中；可 --resume 续抓")
            if now - last_progress >= self.dist.progress_every:
                last_progress = now
                self.say(self.progress_line(now - started, waiting, leased))
            time.sleep(self.dist.poll)

    def progress_line(self, elapsed: float, waiting: int, leased: int) -> str:
        stored = self.store.stored_counts(self.session.sweep.id)
        guides = stored.get("guides", 0)
        rate = guides / elapsed * 60 if elapsed > 0 else 0.0
        line = (f"进度：已保存指南 {guides}，页面 {stored.get('pages', 0)}，"
                f"队列 {waiting}，处理中 {leased}，工作进程 {self.alive_workers()}，{rate:.0f} 份指南/分钟，已用 {_clock(elapsed)}")
        expected = sum(int(v) for v in self.client.hvals(f"{self.base}:expected"))
        if expected and guides:
            left = max(expected - guides, 0)
            line += f"；共约 {expected} 份，剩余 {left}，预计还需 {_clock(left / (guides / elapsed))}"
        return line

    # --- ending ------------------------------------------------------------------------------

    def _finish(self, status: str, code: int, error: str | None) -> SweepOutcome:
        final = "done" if status == "complete" else "stop"
        self.client.set(f"{self.base}:state", final)
        for proc in self.procs:
            if proc.poll() is None and final == "stop":
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=120)
            except Exception:
                proc.kill()
                proc.wait()
        figures = sweep_figures(self.store, self.session.sweep.id)
        if status == "complete" and figures["guides"] == 0:
            status, code, error = "failed", EXIT_FAILED, f"没有抓到任何办事指南（{figures['fetch_failures']} 个页面无法获取）"
        # the figures are the store's (lifecycle.sweep_figures); what only Redis knows is added:
        # requests put back in the queue because their worker stopped heart-beating
        requeued = sum(q.stats().get("requeued", 0) for q in self.queues)
        if requeued:
            self.say(f"{requeued} 个请求因工作进程失联（租约过期）重新排队。")
        outcome = self.session.finish((status, code, error))
        final = outcome.sweep
        if final is not None:
            counts = {**(final.counts or {}), "requeued": requeued}
            self.store.update_counts(final.id, counts)
            outcome = SweepOutcome(outcome.exit_code, self.store.get_sweep(final.id), outcome.message)
        if status != "incomplete":
            self.clear()
        return outcome

    def clear(self) -> None:
        for q in self.queues:
            q.clear()
        base = self.base
        self.client.delete(*[f"{base}:{k}" for k in ("spec", "state", "errors", "workers", "expected")])
        self.client.srem(f"{self.dist.prefix}:active", self.session.sweep.id)


class _NamingPool:
    """Stands for an extraction pool while seeding: only its presence is looked at."""


_NAMING_POOL = _NamingPool()


async def _collect(start) -> list:
    return [x async for x in start]
