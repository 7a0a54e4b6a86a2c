"""Sweep throughput against a bare Scrapy spider, and peak memory as the portal grows.

For each portal size (2,500 and 10,000 guides; html family; portal served by a separate
process; throttling off) this runs, each in its own process:
  1. `guideaudit sweep fixture-html` into a fresh SQLite store (extract, attachments, checks,
     store);
  2. a bare Scrapy spider that replays exactly the requests the sweep made (same methods, same
     URLs, same concurrency, robots.txt obeyed) and parses nothing.
ratio = bare time / sweep time (1.0 = the sweep costs nothing over fetching; aim >= 0.7).
Peak memory: each process's max RSS (wait4) and, for the sweep, the sampled sum of it and its
writer process; aim < 500 MB and flat from 2,500 to 10,000.

CPU: user+system seconds of each run (the sweep's with its writer and extraction workers, which
it waits for), so the cost per guide is known even when the shared machine is loaded; and per
process of the sweep (main = the crawl's own process, writer, extract), sampled from /proc, since
the crawl's process is the one that must keep up with the downloads.

Fault mode (fixtures/portal/faults.py), in the same run: the sweep of a portal with the
`hostile` faults against the same portal without faults (same size, seed and timeout), so the
time ratio says what faults cost; each hanging URL's attempts × the timeout bound what it can
cost, and the wall-time difference shows the sweep did not stall beyond that. Then the peak RSS
of the sweep's process tree when some guide pages are 8 MB.

`python -m bench sweep` (all sizes, then the fault mode) or `python -m bench.sweep_bench 2500`
(one size); `python -m bench.sweep_bench faults` (the fault mode only);
`python -m bench.sweep_bench 10000 --set GUIDEAUDIT_EXTRACT_WORKERS=0` passes settings to the sweep.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = (2500, 10000)
REPO = Path(__file__).resolve().parent.parent


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _tree_pids(pid: int) -> list[int]:
    """A process and its children (the sweep's writer and extraction workers), from /proc."""
    pids = [pid]
    # The writer is started from a worker thread: its parent task is that thread, not the main one.
    try:
        tasks = list(Path(f"/proc/{pid}/task").glob("*"))
    except OSError:  # the process has just ended
        return pids
    for task in tasks:
        try:
            pids += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return pids


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "main"
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "other"
    return "writer" if b"--writer" in argv else "extract" if b"--worker" in argv else "other"


def _cpu_s(pid: int) -> float | None:
    """User+system CPU seconds of one process so far (its own, not its children's)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK


def _tree_rss_kb(pid: int, pids: list[int] | None = None) -> int:
    """RSS of a process and its children (the sweep's writer process), from /proc."""
    total = 0
    for p in pids or _tree_pids(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def _run_measured(args: list[str], env: dict[str, str], peaks: dict[str, float] | None = None) -> tuple[int, float, float, float, str, float, dict]:
    """(exit code, wall seconds, peak RSS MB of the process, peak RSS MB of the process and its
    children together, stdout, CPU seconds of the process and the children it waited for,
    CPU seconds per role: main process, writer, extraction workers; sampled every 0.2 s, so the
    last fraction of a second of each process may be missing). ``peaks``, when given, receives
    the peak RSS MB of each role (the sum over its processes: both extraction workers together),
    so a growth of the tree's peak can be told apart by process."""
    import threading

    began = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak_tree = [0]
    peak_role: dict[str, int] = {}
    cpu: dict[int, tuple[str, float]] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            pids = _tree_pids(proc.pid)
            peak_tree[0] = max(peak_tree[0], _tree_rss_kb(proc.pid, pids))
            by_role: dict[str, int] = {}
            for p in pids:
                used = _cpu_s(p)
                if used is not None:
                    role = cpu[p][0] if p in cpu else _role(p, proc.pid)
                    cpu[p] = (role, used)
                    by_role[role] = by_role.get(role, 0) + _tree_rss_kb(p, [p])
            for role, kb in by_role.items():
                peak_role[role] = max(peak_role.get(role, 0), kb)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # Read output while it runs so a full pipe never blocks the child.
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    wall = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    if peaks is not None:
        peaks.update({role: round(kb / 1024, 1) for role, kb in peak_role.items()})
    roles: dict[str, float] = {}
    for role, used in cpu.values():
        roles[role] = round(roles.get(role, 0.0) + used, 1)
    return proc.returncode, wall, usage.ru_maxrss / 1024, peak_tree[0] / 1024, out, usage.ru_utime + usage.ru_stime, roles


def _elapsed_from_log(path: str) -> float | None:
    """Scrapy's own crawl time (engine open to close), from the sweep's log."""
    try:
        text = Path(path).read_text("utf-8", "replace")
    except OSError:
        return None
    found = re.findall(r"'elapsed_time_seconds': ([0-9.]+)", text)
    return float(found[-1]) if found else None


def bare_crawl(url_file: str) -> None:
    """The baseline: fetch every (method, url) of the file, parse nothing."""
    import scrapy
    from guideaudit.crawler.sweep import LOOPBACK_SETTINGS, SWEEP_SETTINGS
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    requests = json.loads(Path(url_file).read_text("utf-8"))

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):
            for method, url in requests:
                yield scrapy.Request(url, method=method, callback=self.ignore, errback=self.ignore, dont_filter=True)

        def ignore(self, _response_or_failure):
            return None

    settings = Settings()
    settings.setmodule("guideaudit.crawler.settings", priority="project")
    settings.setdict(SWEEP_SETTINGS, priority="project")  # the sweep's own crawl settings
    settings.setdict(LOOPBACK_SETTINGS, priority="project")
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("REMOTE_CONTROL_ENABLED", False, priority="cmdline")
    settings.set("LOG_LEVEL", "INFO", priority="cmdline")
    settings.set("HTTPERROR_ALLOW_ALL", True, priority="cmdline")
    # The sweep's retries of flaky pages are in its request log already.
    settings.set("RETRY_ENABLED", False, priority="cmdline")
    stats = {}

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({"elapsed": stats.get("elapsed_time_seconds"), "responses": stats.get("downloader/response_count", 0)}))


def measure(n_guides: int, work: Path, sets: tuple[str, ...] = ()) -> dict:
    from guideaudit.fixtures.portal import FixturePortal

    from guideaudit.store import Store

    env = dict(os.environ, GUIDEAUDIT_HOME=str(work / f"home-{n_guides}"))
    env.pop("GUIDEAUDIT_DB", None)
    db = f"sqlite:///{work / f'sweep-{n_guides}.sqlite3'}"
    with FixturePortal(n_guides=n_guides, seed=2026, port=0, process=True) as portal:
        before = len(portal.request_log())
        extra = [arg for pair in sets for arg in ("--set", pair)]
        code, sweep_wall, sweep_rss, sweep_tree, out, sweep_cpu, sweep_roles = _run_measured(
            [sys.executable, "-m", "guideaudit", "sweep", "fixture-html", "--base-url", portal.base_url, "--db", db, *extra],
            env,
        )
        if code != 0:
            raise RuntimeError(f"sweep exited {code}:\n{out[-3000:]}")
        log = portal.request_log()[before:]
        requests = [(m, portal.base_url + p) for m, p, _s in log if not p.startswith("/robots.txt")]
        url_file = work / f"requests-{n_guides}.json"
        url_file.write_text(json.dumps(requests), "utf-8")
        code, bare_wall, bare_rss, _tree, bare_out, bare_cpu, _roles = _run_measured(
            [sys.executable, "-m", "bench.sweep_bench", "--bare", str(url_file)], dict(env, PYTHONPATH=str(REPO))
        )
        if code != 0:
            raise RuntimeError(f"bare spider exited {code}:\n{bare_out[-3000:]}")
    bare_stats = json.loads(bare_out.strip().splitlines()[-1])
    store = Store(db)
    try:
        sweep = store.latest_sweep()
        guides = sweep.counts.get("guides", 0)
        sweep_elapsed = _elapsed_from_log(sweep.log_path)
    finally:
        store.close()
    return {
        "n_guides": n_guides,
        "guides_stored": guides,
        "requests": len(requests),
        "sweep_wall_s": round(sweep_wall, 1),
        "sweep_crawl_s": sweep_elapsed and round(sweep_elapsed, 1),
        "bare_wall_s": round(bare_wall, 1),
        "bare_crawl_s": bare_stats["elapsed"] and round(bare_stats["elapsed"], 1),
        "ratio_wall": round(bare_wall / sweep_wall, 3),
        "ratio_crawl": round(bare_stats["elapsed"] / sweep_elapsed, 3) if sweep_elapsed and bare_stats["elapsed"] else None,
        "guides_per_s": round(guides / sweep_wall, 1),
        "sweep_cpu_s": round(sweep_cpu, 1),
        "bare_cpu_s": round(bare_cpu, 1),
        "cpu_ms_per_guide_over_bare": round(1000 * (sweep_cpu - bare_cpu) / max(guides, 1), 2),
        # The crawl's own process (Scrapy, spider, pipelines) against the bare spider's process.
        "sweep_main_cpu_s": sweep_roles.get("main"),
        "main_cpu_ms_per_guide_over_bare": (
            round(1000 * (sweep_roles["main"] - bare_cpu) / max(guides, 1), 2) if "main" in sweep_roles else None
        ),
        "sweep_cpu_by_process_s": sweep_roles,
        "settings": list(sets),
        "sweep_peak_mb": round(sweep_rss, 1),
        "sweep_with_writer_peak_mb": round(sweep_tree, 1),
        "bare_peak_mb": round(bare_rss, 1),
    }


FAULT_GUIDES = 2500
FAULT_TIMEOUT = 5  # DOWNLOAD_TIMEOUT of both runs of the comparison (s)
FAULT_SPEC = {"preset": "hostile", "params": {"hang_seconds": 4 * FAULT_TIMEOUT}}
# Only hanging pages: what a hang costs on its own.
HANG_SPEC = {"params": {"hang_seconds": 4 * FAULT_TIMEOUT}, "faults": {"hang": {"share": 0.01, "families": ["html"]}}}
# 2 % of the HTML guide pages at 8 MB (the issue measured 3.4 GB peak with such pages).
BIG_PAGE_SPEC = {"params": {"big_page_mb": 8}, "faults": {"big_page": {"share": 0.02, "families": ["html"]}}}


def _fault_run(work: Path, name: str, spec: dict | None, sets: tuple[str, ...]) -> dict:
    """One sweep of fixture-html against a portal process with (or without) faults."""
    from guideaudit.fixtures.portal import FixturePortal
    from guideaudit.fixtures.portal.fault_outcomes import ledger_outcomes

    from guideaudit.store import Store

    env = dict(os.environ, GUIDEAUDIT_HOME=str(work / f"home-{name}"))
    env.pop("GUIDEAUDIT_DB", None)
    db = f"sqlite:///{work / f'sweep-{name}.sqlite3'}"
    with FixturePortal(n_guides=FAULT_GUIDES, seed=2026, port=0, process=True, faults=spec) as portal:
        extra = [arg for pair in sets for arg in ("--set", pair)]
        code, wall, _rss, tree, out, _cpu, _roles = _run_measured(
            [sys.executable, "-m", "guideaudit", "sweep", "fixture-html", "--base-url", portal.base_url, "--db", db, *extra],
            env,
        )
        if code not in (0, 4):  # 4: 完成但不完整 (the sweep ledger), a fair end for a faulted portal
            raise RuntimeError(f"sweep exited {code}:\n{out[-3000:]}")
        hang_attempts, waits, spans = [], [], []
        rows = []
        if portal.faults is not None:
            hangs = portal.hangs()
            for f in portal.faults.faults:
                if f.kind == "hang" and f.family == "html" and hangs.get(f.target):
                    tries = hangs[f.target]
                    hang_attempts.append(len(tries))
                    waits += [w for _start, w in tries if w is not None]
                    last_start, last_wait = tries[-1]
                    # first request to the crawler's last give-up: what the URL cost the sweep
                    spans.append(last_start + (last_wait or 0) - tries[0][0])
            rows = [r for r in portal.ledger_truth(timeout=float(FAULT_TIMEOUT)) if r["family"] == "html"]
        store = Store(db)
        try:
            sweep = store.latest_sweep(status=None)
            # judged by the sweep ledger, as the fault tests judge: each faulted URL's state and kind
            outcomes = ledger_outcomes(rows, list(store.ledger(sweep.id)))
            guides = sweep.counts.get("guides", 0)
        finally:
            store.close()
    return {
        "name": name, "wall_s": round(wall, 1), "tree_peak_mb": round(tree, 1), "guides": guides,
        "hang_urls": len(hang_attempts), "hang_attempts": hang_attempts,
        "hang_wait_s": sorted(waits)[len(waits) // 2] if waits else None,  # median, per attempt
        "hang_wait_max_s": max(waits) if waits else None,
        "hang_span_max_s": round(max(spans), 1) if spans else None,
        "faulted_urls": len(outcomes), "as_truth": sum(1 for o in outcomes if o["ok"]),
        "lost": sum(1 for o in outcomes if o["ended"] == "missing"),
        "wrong": sorted({f"{o['fault']}: {o['ended']} ≠ {o['want']}" for o in outcomes if not o["ok"]}),
    }


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def fault_mode(work: Path) -> dict:
    timeout = (f"DOWNLOAD_TIMEOUT={FAULT_TIMEOUT}", f"ATTACHMENT_TIMEOUT={FAULT_TIMEOUT}")
    clean = _fault_run(work, "clean", None, timeout)
    faulted = _fault_run(work, "faulted", FAULT_SPEC, timeout)
    hangs = _fault_run(work, "hangs", HANG_SPEC, timeout)
    big = _fault_run(work, "big-pages", BIG_PAGE_SPEC, ())
    attempts = max(hangs["hang_attempts"] or [0])
    result = {
        "n_guides": FAULT_GUIDES, "timeout_s": FAULT_TIMEOUT, "clean": clean, "faulted": faulted, "hangs": hangs,
        "big_pages": big,
        "time_ratio": round(faulted["wall_s"] / clean["wall_s"], 2),
        "extra_s": round(faulted["wall_s"] - clean["wall_s"], 1),
        "hang_extra_s": round(hangs["wall_s"] - clean["wall_s"], 1),
        # a hanging URL costs at most its attempts × the timeout, and they run side by side
        "hang_bound_s": attempts * FAULT_TIMEOUT,
    }
    print(
        f"故障模式（{FAULT_GUIDES} 份，html 类，超时 {FAULT_TIMEOUT} 秒）：无故障 {clean['wall_s']} 秒，"
        f"hostile 故障 {faulted['wall_s']} 秒（×{result['time_ratio']}，多 {result['extra_s']} 秒）；"
        f"只有挂起网址（{hangs['hang_urls']} 个，各被请求 {sorted(set(hangs['hang_attempts']))} 次）"
        f"{hangs['wall_s']} 秒（多 {result['hang_extra_s']} 秒）：爬虫每次等待中位 {_r(hangs['hang_wait_s'])} 秒、"
        f"最长 {_r(hangs['hang_wait_max_s'])} 秒后放弃，一个挂起网址从首次请求到最后放弃最长 {hangs['hang_span_max_s']} 秒"
        f"（{attempts} 次 × {FAULT_TIMEOUT} 秒 = {result['hang_bound_s']} 秒）；"
        f"故障网址 {faulted['faulted_urls']} 个，台账结局符合真值 {faulted['as_truth']} 个，台账中缺失 {faulted['lost']} 个；"
        f"峰值内存（进程树）无故障 {clean['tree_peak_mb']} MB，hostile {faulted['tree_peak_mb']} MB，"
        f"{big['faulted_urls']} 个 8 MB 页面 {big['tree_peak_mb']} MB（入库 {big['guides']} 份）",
        flush=True,
    )
    for line in faulted["wrong"]:
        print(f"  与真值不符：{line}", flush=True)
    return result


def main(sizes: tuple[int, ...] = SIZES, sets: tuple[str, ...] = (), faults: bool = True) -> None:
    results = []
    with tempfile.TemporaryDirectory(prefix="sweep-bench-") as tmp:
        for n in sizes:
            result = measure(n, Path(tmp), sets)
            results.append(result)
            print(
                f"{n} 份指南（html 类）：入库 {result['guides_stored']}，请求 {result['requests']}；"
                f"抓取+检查+入库 {result['sweep_wall_s']} 秒（爬虫计时 {result['sweep_crawl_s']} 秒），"
                f"空爬虫 {result['bare_wall_s']} 秒（{result['bare_crawl_s']} 秒）；"
                f"比值 {result['ratio_wall']}（爬虫计时 {result['ratio_crawl']}），目标 ≥ 0.7；"
                f"{result['guides_per_s']} 份/秒；峰值内存 sweep {result['sweep_peak_mb']} MB"
                f"（连同子进程 {result['sweep_with_writer_peak_mb']} MB），空爬虫 {result['bare_peak_mb']} MB；"
                f"CPU sweep {result['sweep_cpu_s']} 秒（含子进程）、空爬虫 {result['bare_cpu_s']} 秒，"
                f"每份指南多用 {result['cpu_ms_per_guide_over_bare']} ms；"
                f"其中抓取进程 {result['sweep_main_cpu_s']} 秒（每份指南比空爬虫多用 "
                f"{result['main_cpu_ms_per_guide_over_bare']} ms），各进程 {result['sweep_cpu_by_process_s']}",
                flush=True,
            )
        if faults:
            results.append({"fault_mode": fault_mode(Path(tmp))})
    if len(sizes) > 1:
        small, large = results[0], results[len(sizes) - 1]
        growth = large["sweep_with_writer_peak_mb"] / small["sweep_with_writer_peak_mb"]
        print(
            f"峰值内存（连同写库子进程）{small['n_guides']} → {large['n_guides']} 份："
            f"{small['sweep_with_writer_peak_mb']} → {large['sweep_with_writer_peak_mb']} MB（×{growth:.2f}）"
        )
    out_dir = REPO / "bench" / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "sweep_bench.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--bare":
        bare_crawl(sys.argv[2])
    else:
        args = sys.argv[1:]
        sets = tuple(args[i + 1] for i, a in enumerate(args) if a == "--set" and i + 1 < len(args))
        sizes = tuple(int(a) for i, a in enumerate(args) if a.isdigit() and (i == 0 or args[i - 1] != "--set"))
        if args == ["faults"]:
            main((), sets, faults=True)
        else:
            main(sizes or SIZES, sets, faults=not sizes)
