"""The distributed sweep end to end: the real CLI (`guideaudit sweep --redis`, `guideaudit
worker`) in subprocesses, real Redis, real PostgreSQL, real Scrapy against the fixture portal.

- two workers store exactly what a single-process sweep stores, and what the portal publishes;
- a worker killed with SIGKILL mid-sweep loses nothing and doubles nothing;
- with a per-host delay, two workers together keep to it (the portal's clock says so).
"""

from __future__ import annotations

import bisect
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from guideaudit.store import Store
from tests.sweep.helpers import cli, cli_env, compare_records, defect_diff

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def _snapshot(store: Store, sweep_id: int) -> dict:
    """What a sweep stored, per guide: published content, element verdicts, defect ids."""
    return {
        g.record.id: (g.content_hash, g.elements, sorted(d.defect_id for d in g.defects))
        for g in store.guides(sweep_id)
    }


def _seeded(portal, ids):
    return {(gid, rule) for gid, rule in portal.seeded_defects() if gid in ids}


def _sweep_number(text: str) -> int:
    return int(re.search(r"开始第 (\d+) 次分布式抓取", text).group(1))


def test_two_workers_store_what_one_process_stores(small_portal, html_truth, pg_url, redis_url, tmp_path):
    url, prefix = redis_url
    single = cli(tmp_path, "sweep", "fixture-html", "--base-url", small_portal.base_url, "--db", pg_url)
    assert single.returncode == 0, single.stdout + single.stderr
    shared = cli(tmp_path, "sweep", "fixture-html", "--base-url", small_portal.base_url, "--db", pg_url,
                 "--redis", url, "--workers", "2", "--set", f"GUIDEAUDIT_REDIS_PREFIX={prefix}")
    assert shared.returncode == 0, shared.stdout + shared.stderr
    assert "已启动 2 个本机工作进程" in shared.stdout
    store = Store(pg_url)
    try:
        first, second = store.list_sweeps()
        assert second.status == "complete" and second.settings["distributed"]["workers"] == 2
        assert len(store.check_runs(second.id)) == 1  # one sweep, one check run, however many workers
        one, two = _snapshot(store, first.id), _snapshot(store, second.id)
        assert two == one
        stored = {r.id: r for r in store.records(second.id)}
        share, problems = compare_records(stored, html_truth)
        assert share >= 0.995 and len(stored) == len(html_truth), "\n".join(problems)
        defects = store.defects(second.id, include_dismissed=True)
        found = {(d.guide_id, d.rule) for d in defects}
        seeded = _seeded(small_portal, set(stored))
        assert found == seeded, "\n".join(defect_diff(found, seeded, {}))
        assert second.counts["guides"] == len(html_truth) and second.counts["defects"] == len(defects)
        assert second.counts["attachments"] == first.counts["attachments"]
    finally:
        store.close()
    import redis

    assert not list(redis.Redis.from_url(url).scan_iter(match=f"{prefix}:sweep:*"))  # a finished sweep leaves no queue


def test_worker_killed_mid_sweep_loses_nothing_and_doubles_nothing(small_portal, html_truth, pg_url, redis_url, tmp_path):
    url, prefix = redis_url
    env = cli_env(tmp_path)
    coordinator = subprocess.Popen(
        [sys.executable, "-m", "guideaudit", "sweep", "fixture-html", "--base-url", small_portal.base_url,
         "--db", pg_url, "--redis", url, "--workers", "0",
         "--set", f"GUIDEAUDIT_REDIS_PREFIX={prefix}", "--set", "GUIDEAUDIT_LEASE_TTL=2",
         # slow enough that the kill finds the sweep half done
         "--set", "DOWNLOAD_DELAY=0.02"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    head = ""
    while "次分布式抓取" not in head:
        line = coordinator.stdout.readline()
        assert line, head
        head += line
    sweep_id = _sweep_number(head)
    worker = [sys.executable, "-m", "guideaudit", "worker", "--redis", url, "--db", pg_url,
              "--sweep", str(sweep_id), "--prefix", prefix]
    doomed = subprocess.Popen(worker, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    survivor = subprocess.Popen(worker, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    store = Store(pg_url)
    try:
        deadline = time.monotonic() + 240
        while store.guide_count(sweep_id) < 20:  # guides committed: the doomed worker holds leases now
            assert time.monotonic() < deadline and coordinator.poll() is None
            time.sleep(0.2)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
        assert store.guide_count(sweep_id) < len(html_truth)  # killed mid-sweep, not after
        out, _ = coordinator.communicate(timeout=300)
        assert coordinator.returncode == 0, head + out
        assert survivor.wait(timeout=60) == 0, survivor.stdout.read()
        sweep = store.get_sweep(sweep_id)
        assert sweep.status == "complete"
        assert sweep.counts["requeued"] > 0, out  # the kill took leases with it, and they came back
        ids = [r.id for r in store.records(sweep_id)]
        assert len(ids) == len(set(ids)) == len(html_truth)  # 0 lost, 0 doubled
        assert set(ids) == {g.id for g in html_truth}
        found = [(d.guide_id, d.rule) for d in store.defects(sweep_id, include_dismissed=True)]
        assert len(found) == len(set(found)) and set(found) == _seeded(small_portal, set(ids))
    finally:
        store.close()
        for proc in (coordinator, doomed, survivor):
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_two_workers_keep_one_hosts_delay(small_portal, html_truth, pg_url, redis_url, tmp_path):
    url, prefix = redis_url
    delay = 0.05
    clock = small_portal.hit_clock
    with clock.lock:
        clock.times.clear()
    proc = cli(tmp_path, "sweep", "fixture-html", "--base-url", small_portal.base_url, "--db", pg_url,
               "--redis", url, "--workers", "2", "--set", f"GUIDEAUDIT_REDIS_PREFIX={prefix}",
               "--set", f"DOWNLOAD_DELAY={delay}", "--set", "ATTACHMENT_CHECK_ENABLED=False")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with clock.lock:
        times = sorted(t for t, _ in clock.times)
    assert len(times) > len(html_truth)
    # both workers fetched (each logs its own request count)
    logs = list((tmp_path / "logs").glob("worker-*.log"))
    counts = [int(re.search(r"'downloader/request_count': (\d+)", p.read_text("utf-8")).group(1)) for p in logs]
    assert len(counts) == 2 and min(counts) > 20, counts
    # Together at the host's limit, not twice it. Arrival at the portal is blurred by its own
    # thread scheduling (a page render holding the GIL queues the next requests up), so the
    # check is over spans of many requests: any 40 in a row span at least 39 delays, less
    # the blur, and the whole run is no faster than the limit. Two workers each keeping
    # only their own delay would fetch at twice the rate and fail both.
    k = 40
    spans = [times[i + k - 1] - times[i] for i in range(len(times) - k + 1)]
    assert min(spans) >= (k - 1) * delay * 0.75, min(spans)
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert rate <= 1 / delay * 1.02, rate
    # and no 5 s stretch above the limit either (the issue's window), however the workers' sends bunch
    busiest = max(bisect.bisect_left(times, t + 5.0) - i for i, t in enumerate(times))
    assert busiest <= 5.0 / delay * 1.02 + 1, busiest


def test_worker_refuses_another_store(small_portal, pg_url, redis_url, tmp_path):
    """A worker pointed at a database the sweep is not in stores nothing there: exit 2, in Chinese."""
    url, prefix = redis_url
    env = cli_env(tmp_path)
    coordinator = subprocess.Popen(
        [sys.executable, "-m", "guideaudit", "sweep", "fixture-html", "--base-url", small_portal.base_url,
         "--db", pg_url, "--redis", url, "--workers", "0", "--set", f"GUIDEAUDIT_REDIS_PREFIX={prefix}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        head = ""
        while "次分布式抓取" not in head:
            line = coordinator.stdout.readline()
            assert line, head
            head += line
        sweep_id = _sweep_number(head)
        other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
        proc = cli(tmp_path, "worker", "--redis", url, "--db", other, "--sweep", str(sweep_id), "--prefix", prefix)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "没有第" in proc.stderr and "Traceback" not in proc.stderr
        coordinator.send_signal(signal.SIGINT)
        out, _ = coordinator.communicate(timeout=60)
        assert coordinator.returncode == 130, head + out
        assert "--resume" in out
    finally:
        if coordinator.poll() is None:
            coordinator.kill()
            coordinator.wait()


def test_bad_redis_url_is_a_usage_error(tmp_path):
    proc = cli(tmp_path, "sweep", "fixture-html", "--base-url", "http://127.0.0.1:9", "--redis", "redis://127.0.0.1:1/0")
    assert proc.returncode == 2 and "无法连接 Redis" in proc.stderr and "Traceback" not in proc.stderr
    proc = cli(tmp_path, "sweep", "fixture-html", "--workers", "2")
    assert proc.returncode == 2 and "--workers 需要 --redis" in proc.stderr




def test_max_guides_with_redis_is_refused(tmp_path, redis_url):
    """No global guide cap across workers: refused before anything is stored, naming both options."""
    url, prefix = redis_url
    db = f"sqlite:///{tmp_path / 'none.sqlite3'}"
    proc = cli(tmp_path, "sweep", "fixture-html", "--base-url", "http://127.0.0.1:9", "--db", db,
               "--redis", url, "--max-guides", "5")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "--max-guides" in proc.stderr and "--redis" in proc.stderr
    assert not (tmp_path / "none.sqlite3").exists() or not Store(db).list_sweeps()


def test_killed_coordinator_sweep_shows_interrupted_and_resume_takes_it_over(small_portal, html_truth, pg_url, redis_url, tmp_path):
    """The coordinator and its worker SIGKILLed (a host gone): the sweep row stays "running" but
    its portal lock is free, so `sweeps` shows it 中断; `--resume N` with a new coordinator reaps
    it, keeps its Redis queue and completes it: every guide once."""
    url, prefix = redis_url
    env = cli_env(tmp_path)
    common = ["--base-url", small_portal.base_url, "--db", pg_url, "--redis", url,
              "--set", f"GUIDEAUDIT_REDIS_PREFIX={prefix}", "--set", "GUIDEAUDIT_LEASE_TTL=2"]
    coordinator = subprocess.Popen(
        [sys.executable, "-m", "guideaudit", "sweep", "fixture-html", *common, "--workers", "1",
         "--set", "DOWNLOAD_DELAY=0.02"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    head = ""
    while "个本机工作进程" not in head:
        line = coordinator.stdout.readline()
        assert line, head
        head += line
    sweep_id = _sweep_number(head)
    worker_pid = int(re.search(r"本机工作进程：(\d+)", head).group(1))
    store = Store(pg_url)
    try:
        deadline = time.monotonic() + 240
        while store.guide_count(sweep_id) < 20:
            assert time.monotonic() < deadline and coordinator.poll() is None, head
            time.sleep(0.2)
        coordinator.send_signal(signal.SIGKILL)
        coordinator.wait()
        os.kill(worker_pid, signal.SIGKILL)
        assert store.guide_count(sweep_id) < len(html_truth)
        assert store.get_sweep(sweep_id).status == "running"  # the row says so; its lock says otherwise
        listed = cli(tmp_path, "sweeps", "--db", pg_url)
        row = next(line for line in listed.stdout.splitlines() if line.startswith(f"{sweep_id} "))
        assert "中断" in row and f"--resume {sweep_id}" in row and "运行中" not in row, listed.stdout
        resumed = cli(tmp_path, "sweep", "fixture-html", *common, "--workers", "1", "--resume", str(sweep_id))
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert f"第 {sweep_id} 次抓取的进程" in resumed.stdout and f"续抓第 {sweep_id} 次" in resumed.stdout
        sweep = store.get_sweep(sweep_id)
        assert sweep.status == "complete"
        ids = [r.id for r in store.records(sweep_id)]
        assert len(ids) == len(set(ids)) == len(html_truth)  # 0 lost, 0 doubled across the take-over
        listed = cli(tmp_path, "sweeps", "--db", pg_url)
        assert "中断" not in listed.stdout
    finally:
        store.close()
        if coordinator.poll() is None:
            coordinator.kill()
            coordinator.wait()
        try:
            os.kill(worker_pid, signal.SIGKILL)
        except (ProcessLookupError, UnboundLocalError):
            pass
