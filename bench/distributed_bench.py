"""The distributed sweep: 1, 2 and 4 workers, with and without a per-host delay, and a worker
killed with SIGKILL mid-sweep.

Real parts throughout: the fixture portal in a process of its own, `guideaudit sweep
fixture-html --redis … --workers N` (its workers are processes), Redis on 127.0.0.1:6379 (db 12,
a key prefix per run, deleted afterwards), one PostgreSQL database (created and dropped here).
Attachment checks are off so that every request is a page and the rate is the pages' rate.

Throughput is measured at the portal: its request counter, polled every 0.5 s; the rate is the
slope between 10 % and 90 % of the run's requests, so worker start-up and the last stragglers
do not count. With a delay D the limit is 1/D requests a second whatever the number of workers
(ratio to the limit, aim <= 1.0); without a delay, the ratio to one worker shows how far more
workers help on this machine (2 cores shared with the portal, Redis and PostgreSQL).

`python -m bench distributed` (3,000-guide portal, every sweep run to its end) or
`python -m bench distributed --guides 20000 --window 60` (the issue's 20,000-guide portal): with a window,
each rate run is measured over WINDOW seconds, from WARMUP seconds after its first request
(local workers start one after another), and then stopped (its process
group killed; the database is dropped afterwards), so that seven runs fit in minutes rather than
an hour; the SIGKILL run always sweeps to its end (windowed: without a delay).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench.scale_bench import _portal_cpu

REPO = Path(__file__).resolve().parent.parent
CORES = len(os.sched_getaffinity(0))
GUIDES = 3000
DELAY = 0.02
WARMUP = 15.0  # a windowed run's first seconds are not measured: workers still starting (2 cores)
REDIS = os.environ.get("GUIDEAUDIT_TEST_REDIS", "redis://127.0.0.1:6379/12")
PG_ADMIN = os.environ.get("GUIDEAUDIT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _env(home: Path) -> dict:
    return {**os.environ, "GUIDEAUDIT_HOME": str(home), "PYTHONUNBUFFERED": "1"}


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU time of the whole machine so far, in clock ticks (/proc/stat)."""
    with open("/proc/stat", encoding="ascii") as f:
        ticks = [float(x) for x in f.readline().split()[1:9]]  # user … steal; guest is inside user
    idle = ticks[3] + ticks[4]  # idle, iowait
    return sum(ticks) - idle, sum(ticks)


def _span(samples: list[tuple]) -> tuple[tuple, tuple]:
    """The samples at 10 % and 90 % of the run's requests (start-up and stragglers left out)."""
    total = samples[-1][1] - samples[0][1]
    lo = next(s for s in samples if s[1] - samples[0][1] >= 0.1 * total)
    hi = next(s for s in samples if s[1] - samples[0][1] >= 0.9 * total)
    return lo, hi


def _slope(samples: list[tuple]) -> float:
    """Requests a second between 10 % and 90 % of the run's requests."""
    lo, hi = _span(samples)
    return (hi[1] - lo[1]) / (hi[0] - lo[0]) if hi[0] > lo[0] else float("nan")


def _busy(samples: list[tuple]) -> tuple[float, float]:
    """Over the same span as the rate: how busy the machine's cores were (0–1), and the share of
    all cores the fixture portal's server took. With every core busy, more workers cannot help."""
    lo, hi = _span(samples)
    total = hi[3] - lo[3]
    if total <= 0 or hi[0] <= lo[0]:
        return float("nan"), float("nan")
    return (hi[2] - lo[2]) / total, (hi[4] - lo[4]) / ((hi[0] - lo[0]) * CORES)


def run_sweep(portal, db: str, home: Path, workers: int | None, delay: float, kill_at: float | None = None,
              window: float | None = None) -> dict:
    """One distributed sweep; returns its rate at the portal and, with kill_at, the kill's outcome.
    With a window, the sweep is stopped WINDOW seconds after its first request reached the portal."""
    import redis

    from guideaudit.store import Store

    prefix = "gabench" + uuid.uuid4().hex[:8]
    portal.reset_counters()
    cmd = [sys.executable, "-m", "guideaudit", "sweep", "fixture-html", "--base-url", portal.base_url, "--db", db]
    if workers is not None:  # None: the one-process sweep, the baseline
        cmd += ["--redis", REDIS, "--workers", str(workers), "--set", f"GUIDEAUDIT_REDIS_PREFIX={prefix}"]
    cmd += ["--set", "ATTACHMENT_CHECK_ENABLED=False",
           "--set", f"DOWNLOAD_DELAY={delay}", "--set", "GUIDEAUDIT_LEASE_TTL=5"]
    started = time.monotonic()
    # A session of its own: a windowed run is stopped by killing the whole group (coordinator and workers).
    proc = subprocess.Popen(cmd, env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=str(REPO), start_new_session=True)
    first_request: float | None = None
    stopped = False
    samples: list[tuple[float, int]] = []
    lines: list[str] = []
    killed = None
    store = Store(db)
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        while proc.poll() is None:
            head = "".join(lines[:12])
            m = re.search(r"开始第 (\d+) 次分布式抓取", head)
            sweep_id = int(m.group(1)) if m else None
            m = re.search(r"本机工作进程：([\d, ]+)", head)
            pids = [int(p) for p in m.group(1).split(",")] if m else None
            samples.append((time.monotonic(), portal.hits("/"), *_machine_cpu(), _portal_cpu(portal)))
            if first_request is None and samples[-1][1] > 0:
                first_request = samples[-1][0]
            if window is not None and first_request is not None and samples[-1][0] - first_request >= WARMUP + window:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                stopped = True
                break
            if kill_at is not None and killed is None and sweep_id and pids:
                if store.guide_count(sweep_id) >= kill_at:
                    os.kill(pids[0], signal.SIGKILL)
                    killed = store.guide_count(sweep_id)
            time.sleep(0.5)
        reader.join(10)
        m = re.search(r"开始第 (\d+) 次", "".join(lines))
        sweep_id = int(m.group(1))
        wall = time.monotonic() - started
        sweep = store.get_sweep(sweep_id)
        if stopped:  # measured over the window only: no status, exit code or final count to speak of
            measured = [s for s in samples if s[0] >= first_request + WARMUP]
            return {"workers": workers, "delay": delay, "rc": 0, "status": f"预热 {WARMUP:g} s 后测量 {window:g} s，停止",
                    "requests": measured[-1][1] - measured[0][1], "rate": _slope(measured), "busy": _busy(measured), "wall": wall,
                    "guides": store.guide_count(sweep_id), "requeued": 0, "killed_at": None, "ids": []}
        ids = [r.id for r in store.records(sweep_id)] if kill_at is not None else []
        result = {"workers": workers, "delay": delay, "rc": proc.returncode, "status": sweep.status,
                  "requests": samples[-1][1], "rate": _slope(samples), "busy": _busy(samples), "wall": wall,
                  "guides": sweep.counts["guides"],
                  "requeued": sweep.counts.get("requeued", 0), "killed_at": killed, "ids": ids}
    finally:
        store.close()
        client = redis.Redis.from_url(REDIS)
        keys = list(client.scan_iter(match=prefix + ":*", count=500))
        if keys:
            client.delete(*keys)
    if result["rc"] != 0:
        print("".join(lines[-20:]))
    return result


def _busy_text(r: dict) -> str:
    machine, portal = r["busy"]
    return f"核占用 {machine:.0%}（门户 {portal:.0%}）"


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench distributed",
                                     description="分布式抓取：1、2、4 个工作进程，有/无每站点间隔，以及中途 SIGKILL 一个工作进程")
    parser.add_argument("n", nargs="?", type=int, help=argparse.SUPPRESS)  # `distributed_bench.py 3000`, as before
    parser.add_argument("--guides", type=int, default=None, help=f"门户指南数（默认 {GUIDES}）")
    parser.add_argument("--window", type=float, default=None,
                        help=f"每轮预热 {WARMUP:g} 秒后只测这么多秒再停止（不给则每轮抓完）")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    guides = next((g for g in (args.guides, args.n) if g is not None), GUIDES)
    window = args.window
    if guides < 1 or (window is not None and window <= 0):
        parser.error("--guides 与 --window 应为正数")
    from guideaudit.fixtures.portal import FixturePortal
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = "ga_bench_" + uuid.uuid4().hex[:8]
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:
        print(f"跳过：PostgreSQL 不可用（{PG_ADMIN}）：{type(err).__name__}")
        return
    db = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as tmp, FixturePortal(n_guides=guides, seed=2026, port=0, process=True) as portal:
            truth = {g.id for g in portal.ground_truth() if g.portal == "fixture-html"}
            print(f"夹具门户 {guides} 份指南（html 类 {len(truth)} 份），附件核验关闭，PostgreSQL + Redis，本机 {CORES} 核"
                  f"（“核占用”：测速同一时段整台机器的 CPU 占用，含门户、Redis、PostgreSQL；括号里是门户服务进程所占）")
            home = Path(tmp)
            limit = 1 / DELAY
            print(f"-- 每站点间隔 {DELAY} s（上限 {limit:.0f} 请求/秒）")
            for n in (1, 2, 4):
                r = run_sweep(portal, db, home, n, DELAY, window=window)
                print(f"  {n} 个工作进程：{r['requests']} 个请求，{r['rate']:.1f} 请求/秒 = 上限的 {r['rate'] / limit:.2f} 倍，"
                      f"{_busy_text(r)}，全程 {r['wall']:.0f} s，{r['status']}，指南 {r['guides']}")
            print("-- 无间隔（回环，不限速）")
            r = run_sweep(portal, db, home, None, 0, window=window)
            base = r["rate"]
            print(f"  单进程抓取（无 Redis，基线）：{r['rate']:.1f} 请求/秒，{_busy_text(r)}，全程 {r['wall']:.0f} s，"
                  f"{r['status']}，指南 {r['guides']}")
            for n in (1, 2, 4):
                r = run_sweep(portal, db, home, n, 0, window=window)
                print(f"  {n} 个工作进程：{r['rate']:.1f} 请求/秒 = 单进程的 {r['rate'] / base:.2f} 倍，{_busy_text(r)}，"
                      f"全程 {r['wall']:.0f} s，{r['status']}，指南 {r['guides']}")
            # windowed (a big portal): the SIGKILL run goes to its end without a delay, in minutes
            kill_delay = 0 if window is not None else DELAY
            print(f"-- 2 个工作进程，间隔 {kill_delay} s，保存约 40% 指南时 SIGKILL 其中一个")
            r = run_sweep(portal, db, home, 2, kill_delay, kill_at=int(len(truth) * 0.4))
            ids = r["ids"]
            lost, doubled = len(truth - set(ids)), len(ids) - len(set(ids))
            print(f"  在已保存 {r['killed_at']} 份时杀死；结束 {r['status']}（退出码 {r['rc']}），指南 {len(set(ids))}/{len(truth)}，"
                  f"丢失 {lost}，重复 {doubled}，重新排队的请求 {r['requeued']}")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
