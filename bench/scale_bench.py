"""100,000 guides on one machine: a full sweep of a large fixture portal, no throttle.

`python -m bench scale --guides 100000` (default 20,000: a few minutes on 2 shared cores).
The fixture portal (html family, served by a separate process, same seed as every bench) is
generated once for N guides; then, each in its own process:
  1. `guideaudit sweep fixture-html` into a fresh SQLite store: wall time, CPU seconds (the sweep
     with its writer and extraction workers), peak memory of the process tree (the sum of their
     RSS, sampled from /proc every 0.2 s), store size (the SQLite file);
  2. a bare Scrapy spider replaying exactly the sweep's requests (bench/sweep_bench.py), in the
     same run: ratio = bare wall / sweep wall (1.0: the sweep costs nothing over fetching;
     aim ≥ 0.7); with the CPU the portal's server used meanwhile, the highest ratio that much
     CPU allows on this machine's cores and, with free cores, the crawl process's CPU alone;
  3. the same sweep into a temporary PostgreSQL database (GUIDEAUDIT_BENCH_PG, default
     127.0.0.1:5432 as user postgres; created and dropped here): wall, CPU, memory, size
     (pg_database_size); skipped, saying why, when no server answers (--no-pg skips it);
  4. the same sweep of a portal ten times smaller (at least 1,000 guides; --small M): peak
     memory of the tree there against at N (aim: within 1.2×, memory flat in portal size), on
     SQLite and, when step 3 ran, on PostgreSQL.
Every sweep must store every html guide of the portal; a sweep that stores fewer fails the bench.
`--repeat K` repeats the SQLite sweep and the bare spider K times and reports the spread.
Results: printed in Chinese and written to bench/out/scale_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.sweep_bench import REPO, _cpu_s, _elapsed_from_log, _run_measured

PG_ADMIN = os.environ.get("GUIDEAUDIT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DEFAULT_GUIDES = 20_000
PORTAL_START_TIMEOUT = 3600
CORES = len(os.sched_getaffinity(0))


def _sweep(portal, db: str, env: dict[str, str], sets: tuple[str, ...]) -> dict:
    extra = [arg for pair in sets for arg in ("--set", pair)]
    # wait4's maxrss is left out: a forked child starts with this (growing) process's pages, so
    # it can report this process's size, not the sweep's (745 MB for a 309 MB sweep at 10,000).
    peaks: dict[str, float] = {}
    code, wall, _rss, tree, out, cpu, roles = _run_measured(
        [sys.executable, "-m", "guideaudit", "sweep", "fixture-html", "--base-url", portal.base_url, "--db", db, *extra],
        env, peaks,
    )
    if code != 0:
        raise RuntimeError(f"sweep exited {code}:\n{out[-3000:]}")
    from guideaudit.store import Store

    store = Store(db)
    try:
        sweep = store.latest_sweep()
        guides, status = sweep.counts.get("guides", 0), sweep.status
        crawl = _elapsed_from_log(sweep.log_path)
    finally:
        store.close()
    return {"wall_s": round(wall, 1), "crawl_s": crawl and round(crawl, 1), "cpu_s": round(cpu, 1),
            "cpu_by_process_s": roles, "peak_tree_mb": round(tree, 1), "peak_mb_by_process": peaks,
            "guides": guides, "status": status}


def _bare(url_file: Path, env: dict[str, str]) -> dict:
    code, wall, rss, _tree, out, cpu, _roles = _run_measured(
        [sys.executable, "-m", "bench.sweep_bench", "--bare", str(url_file)], dict(env, PYTHONPATH=str(REPO))
    )
    if code != 0:
        raise RuntimeError(f"bare spider exited {code}:\n{out[-3000:]}")
    stats = json.loads(out.strip().splitlines()[-1])
    return {"wall_s": round(wall, 1), "crawl_s": stats["elapsed"] and round(stats["elapsed"], 1),
            "cpu_s": round(cpu, 1), "peak_mb": round(rss, 1), "responses": stats["responses"]}


def _pg_database() -> tuple[str | None, str]:
    """(URL of a fresh database, its name) or (None, why not)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = "ga_bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:
        return None, f"PostgreSQL 不可用（{PG_ADMIN}）：{type(err).__name__}"
    finally:
        admin.dispose()
    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False), name


def _pg_size_and_drop(name: str) -> int:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(:n)"), {"n": name}).scalar_one()
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
    return int(size)


def _spread(values: list[float]) -> str:
    return f"{min(values)}–{max(values)}" if len(values) > 1 and min(values) != max(values) else f"{values[0]}"


def run(n_guides: int, small: int, repeat: int, pg: bool, sets: tuple[str, ...], work: Path) -> dict:
    env = dict(os.environ, GUIDEAUDIT_HOME=str(work / "home"))
    env.pop("GUIDEAUDIT_DB", None)
    result: dict = {"n_guides": n_guides, "settings": list(sets)}
    began = time.perf_counter()
    with _portal(n_guides) as portal:
        result["portal_start_s"] = round(time.perf_counter() - began, 1)
        expected = _html_guides(n_guides)
        result["html_guides"] = expected
        print(f"门户 {n_guides} 份指南（其中服务端渲染 {expected} 份）已启动，用时 {result['portal_start_s']} 秒", flush=True)
        runs, bares = [], []
        for i in range(repeat):
            db = work / f"sweep-{i}.sqlite3"
            before = len(portal.request_log())
            portal_cpu = _portal_cpu(portal)
            sweep = _sweep(portal, f"sqlite:///{db}", env, sets)
            sweep["portal_cpu_s"] = round(_portal_cpu(portal) - portal_cpu, 1)
            sweep["store_mb"] = round(db.stat().st_size / 2**20, 1)
            _require_all(sweep, expected, "SQLite")
            log = portal.request_log()[before:]
            requests = [(m, portal.base_url + p) for m, p, _s in log if not p.startswith("/robots.txt")]
            url_file = work / "requests.json"
            url_file.write_text(json.dumps(requests), "utf-8")
            portal_cpu = _portal_cpu(portal)
            bare = _bare(url_file, env)
            bare["portal_cpu_s"] = round(_portal_cpu(portal) - portal_cpu, 1)
            sweep["requests"] = len(requests)
            sweep["ratio"] = round(bare["wall_s"] / sweep["wall_s"], 3)
            sweep.update(_ceilings(sweep, bare))
            # Steadier than wall time on a shared machine: CPU over the bare spider's, per guide.
            sweep["cpu_ms_per_guide_over_bare"] = round(1000 * (sweep["cpu_s"] - bare["cpu_s"]) / max(sweep["guides"], 1), 2)
            main_cpu = sweep["cpu_by_process_s"].get("main")
            sweep["main_cpu_over_bare"] = round(main_cpu / bare["cpu_s"], 2) if main_cpu and bare["cpu_s"] else None
            runs.append(sweep)
            bares.append(bare)
            db.unlink()
            print(f"  SQLite 第 {i + 1} 次：sweep {sweep['wall_s']} 秒、CPU {sweep['cpu_s']} 秒 {sweep['cpu_by_process_s']}、"
                  f"峰值内存（进程树）{sweep['peak_tree_mb']} MB（各进程 {sweep['peak_mb_by_process']}）、库 {sweep['store_mb']} MB；"
                  f"空爬虫 {bare['wall_s']} 秒、CPU {bare['cpu_s']} 秒；比值 {sweep['ratio']}；"
                  f"CPU 每份指南比空爬虫多 {sweep['cpu_ms_per_guide_over_bare']} ms，抓取进程 CPU 为空爬虫的 "
                  f"{sweep['main_cpu_over_bare']} 倍；门户服务 CPU {sweep['portal_cpu_s']} 秒；这些 CPU 在 {CORES} 个核上允许的最高比值 "
                  f"{sweep['ratio_ceiling_cores']}（核占用 {sweep['core_use']:.0%}），核足够多时抓取进程允许的最高比值 {sweep['ratio_ceiling_main']}", flush=True)
        result["sqlite"], result["bare"] = runs, bares
        if pg:
            url, name = _pg_database()
            if url is None:
                result["postgresql"] = {"skipped": name}
                print(f"  PostgreSQL：跳过，{name}", flush=True)
            else:
                try:
                    sweep = _sweep(portal, url, env, sets)
                finally:
                    size = _pg_size_and_drop(name)
                sweep["store_mb"] = round(size / 2**20, 1)
                _require_all(sweep, expected, "PostgreSQL")
                result["postgresql"] = sweep
                print(f"  PostgreSQL：sweep {sweep['wall_s']} 秒、CPU {sweep['cpu_s']} 秒 {sweep['cpu_by_process_s']}、"
                      f"峰值内存 {sweep['peak_tree_mb']} MB（各进程 {sweep['peak_mb_by_process']}）、库 {sweep['store_mb']} MB", flush=True)
    if small:
        with _portal(small) as portal:
            db = work / "small.sqlite3"
            sweep = _sweep(portal, f"sqlite:///{db}", env, sets)
            _require_all(sweep, _html_guides(small), "SQLite（小门户）")
            result["small"] = dict(sweep, n_guides=small)
            big_pg = result.get("postgresql") or {}
            if "peak_tree_mb" in big_pg:  # the same comparison on PostgreSQL, whose writer differs
                url, name = _pg_database()
                if url is not None:
                    try:
                        small_pg = _sweep(portal, url, env, sets)
                    finally:
                        _pg_size_and_drop(name)
                    _require_all(small_pg, _html_guides(small), "PostgreSQL（小门户）")
                    result["small_postgresql"] = dict(small_pg, n_guides=small)
                    result["memory_growth_postgresql"] = round(big_pg["peak_tree_mb"] / small_pg["peak_tree_mb"], 2)
        growth = max(r["peak_tree_mb"] for r in runs) / sweep["peak_tree_mb"]
        result["memory_growth"] = round(growth, 2)
        print(f"  {small} 份门户：峰值内存 {sweep['peak_tree_mb']} MB（各进程 {sweep['peak_mb_by_process']}）→ {n_guides} 份 "
              f"{max(r['peak_tree_mb'] for r in runs)} MB（×{growth:.2f}，目标 ≤ 1.2）", flush=True)
        if "small_postgresql" in result:
            small_pg = result["small_postgresql"]
            print(f"  PostgreSQL 上 {small} 份门户：峰值内存 {small_pg['peak_tree_mb']} MB（各进程 {small_pg['peak_mb_by_process']}）→ "
                  f"{n_guides} 份 {result['postgresql']['peak_tree_mb']} MB（×{result['memory_growth_postgresql']:.2f}）", flush=True)
    return result


def _portal_cpu(portal) -> float:
    """CPU seconds the fixture portal's server process has used so far."""
    child = getattr(portal, "_child", None)
    used = _cpu_s(child.pid) if child is not None else None
    return used or 0.0


def _ceilings(sweep: dict, bare: dict) -> dict:
    """What the ratio can be at most, given the CPU the sweep used. On this machine the sweep's
    processes and the portal share CORES cores, so its wall is at least their CPU / CORES; with
    free cores the crawl process (one thread of Scrapy) is the critical path, so its wall is at
    least that process's CPU. A ratio near a ceiling says the sweep waits for nothing but CPU."""
    busy = sweep["cpu_s"] + sweep["portal_cpu_s"]
    main_cpu = sweep["cpu_by_process_s"].get("main")
    return {
        "ratio_ceiling_cores": round(bare["wall_s"] / max(busy / CORES, 1e-9), 3),
        "core_use": round(busy / (CORES * sweep["wall_s"]), 3),
        "ratio_ceiling_main": round(bare["wall_s"] / main_cpu, 3) if main_cpu else None,
    }


def _html_guides(n_guides: int) -> int:
    """How many guides a sweep of fixture-html must store: the portal's html family (its size is
    fixed by the generator; building the whole site here would cost as much as the portal's)."""
    from guideaudit.fixtures.portal.generator import family_sizes

    return family_sizes(n_guides)["html"]


def _portal(n_guides: int):
    """The fixture portal in its own process, waiting as long as generating N guides takes on a
    loaded machine (100,000 guides: 400 s at load 20, over FixturePortal's usual 120 s)."""
    from guideaudit.fixtures.portal import FixturePortal

    class PatientPortal(FixturePortal):
        START_TIMEOUT = PORTAL_START_TIMEOUT

    return PatientPortal(n_guides=n_guides, seed=2026, port=0, process=True)


def _require_all(sweep: dict, expected: int, where: str) -> None:
    if sweep["guides"] != expected:
        raise RuntimeError(f"{where}：入库 {sweep['guides']} 份，门户有 {expected} 份（状态 {sweep['status']}）")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench scale", description="10 万份指南一台机器：墙钟、CPU、内存、库大小、与空爬虫的比值")
    parser.add_argument("--guides", type=int, default=DEFAULT_GUIDES, help=f"门户指南数（默认 {DEFAULT_GUIDES}）")
    parser.add_argument("--small", type=int, default=None, help="比较内存用的小门户指南数（默认 guides/10，至少 1000；0 不测）")
    parser.add_argument("--repeat", type=int, default=1, help="SQLite sweep 与空爬虫重复次数（报告范围）")
    parser.add_argument("--no-pg", action="store_true", help="不测 PostgreSQL")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="给 sweep 的 Scrapy 设置")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.guides < 1 or args.repeat < 1:
        parser.error("--guides 与 --repeat 应为正整数")
    small = max(1000, args.guides // 10) if args.small is None else args.small
    if small >= args.guides:
        small = 0
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        result = run(args.guides, small, args.repeat, not args.no_pg, tuple(args.set), Path(tmp))
    runs, bares = result["sqlite"], result["bare"]
    print(
        f"{args.guides} 份指南（服务端渲染 {result['html_guides']} 份入库）：sweep 墙钟 {_spread([r['wall_s'] for r in runs])} 秒，"
        f"CPU {_spread([r['cpu_s'] for r in runs])} 秒，峰值内存 {_spread([r['peak_tree_mb'] for r in runs])} MB，"
        f"SQLite 库 {runs[0]['store_mb']} MB"
        + (f"，PostgreSQL 库 {result['postgresql']['store_mb']} MB" if "store_mb" in result.get("postgresql", {}) else "")
        + f"；空爬虫 {_spread([b['wall_s'] for b in bares])} 秒；比值 {_spread([r['ratio'] for r in runs])}（目标 ≥ 0.7；"
        f"{CORES} 核上限 {_spread([r['ratio_ceiling_cores'] for r in runs])}，核足够多时上限 {_spread([r['ratio_ceiling_main'] for r in runs])}）"
        + (f"；内存 {result['small']['n_guides']} → {args.guides} 份 ×{result['memory_growth']}（目标 ≤ 1.2）" if "small" in result else "")
        + (f"，PostgreSQL 上 ×{result['memory_growth_postgresql']}" if "memory_growth_postgresql" in result else "")
    )
    out_dir = REPO / "bench" / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "scale_bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    return result


if __name__ == "__main__":
    main()
