"""Incremental re-sweeps against full sweeps, in the same run (docs/sweeps.md, "增量抓取").

A 10,000-guide fixture portal (its own process, throttling off) is swept with
`guideaudit sweep fixture-html fixture-api` into one SQLite store, each sweep its own process:
  1. a full sweep (fills the store);
  2. a full re-sweep of the unchanged portal: the baseline;
  3. `--incremental` of the unchanged portal: must give the same guides and defects as 2;
  (2 and 3 alternate PAIRS times: the machine's load weighs on both alike; ratios of the sums)
  4. the portal's next round republishes 5 % of its guides; `--incremental` again: the guides it
     finds changed must be exactly those.
speedup = the full re-sweep command's wall time (process start to exit, the comparison line it
prints at its end included) / the incremental command's (aim ≥ 5 for the unchanged portal); also
the ratio of the sweeps alone (started → finished, as stored) and of CPU seconds (children included).

`python -m bench incremental` or `python -m bench.incremental_bench [N]`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.sweep_bench import _run_measured

N_GUIDES = 10000
SHARE = 0.05
PAIRS = 2  # full re-sweep + --incremental pairs, alternated
PROFILES = ("fixture-html", "fixture-api")
REPO = Path(__file__).resolve().parent.parent


def _sweep(portal, db: str, env: dict, *extra: str) -> dict:
    from guideaudit.store import Store

    code, wall, _rss, tree_mb, out, cpu, roles = _run_measured(
        [sys.executable, "-m", "guideaudit", "sweep", *PROFILES, "--base-url", portal.base_url, "--db", db, *extra], env
    )
    if code != 0:
        raise RuntimeError(f"sweep exited {code}:\n{out[-3000:]}")
    store = Store(db)
    try:
        sweep = store.latest_sweep()
    finally:
        store.close()
    # the sweep itself (started → finished, as stored), without the process start and the
    # comparison with the previous sweep the command prints after it
    own = (sweep.finished_at - sweep.started_at).total_seconds()
    return {"wall_s": round(wall, 2), "sweep_s": round(own, 2), "cpu_s": round(cpu, 1), "peak_mb": round(tree_mb, 1),
            "cpu_by_process_s": roles}


def _outputs(store, sweep_id: int) -> tuple[dict, set, set]:
    guides, defects, unsure = {}, set(), set()
    for g in store.guides(sweep_id):
        guides[g.record.id] = g.version_id
        defects |= {d.defect_id for d in g.defects}
        unsure |= {u.item_id for u in g.unsure}
    return guides, defects, unsure


def _changed_ids(store, before: int, after: int) -> set[str]:
    a = {g.record.id: g.version_id for g in store.guides(before)}
    return {g.record.id for g in store.guides(after) if a.get(g.record.id) != g.version_id}


def _sum(runs: list[dict]) -> dict:
    """The pairs' runs added up (wall, sweep, CPU seconds; requests of the last)."""
    return {k: round(sum(r[k] for r in runs), 2) for k in ("wall_s", "sweep_s", "cpu_s")}


def measure(n_guides: int, work: Path, pairs: int = PAIRS) -> dict:
    from guideaudit.fixtures.portal import FixturePortal

    from guideaudit.store import Store

    env = dict(os.environ, GUIDEAUDIT_HOME=str(work / "home"))
    env.pop("GUIDEAUDIT_DB", None)
    db = f"sqlite:///{work / 'incremental.sqlite3'}"
    fulls, unchangeds = [], []
    with FixturePortal(n_guides=n_guides, seed=2026, port=0, process=True) as portal:
        first = _sweep(portal, db, env)
        # full re-sweep and --incremental alternately, so that a shared machine's load, which
        # changes by the minute, weighs on both alike
        for _ in range(pairs):
            began = len(portal.request_log())
            fulls.append({**_sweep(portal, db, env), "requests": len(portal.request_log()) - began})
            began = len(portal.request_log())
            unchangeds.append({**_sweep(portal, db, env, "--incremental"), "requests": len(portal.request_log()) - began})
        swept = {"fixture-html": "html", "fixture-api": "api"}
        families = {swept[p] for p in PROFILES}
        # the round changes every family; the truth is what the swept families changed
        changed_truth = {gid for gid in portal.next_round(n=3, changed_share=SHARE).changed
                         if portal.site.by_id[gid].family in families}
        began = len(portal.request_log())
        changed = _sweep(portal, db, env, "--incremental")
        changed_requests = len(portal.request_log()) - began
    store = Store(db)
    try:
        ids = [s.id for s in store.list_sweeps()]  # first, (full, incremental) × pairs, changed
        same = all(_outputs(store, ids[1 + 2 * i]) == _outputs(store, ids[2 + 2 * i]) for i in range(pairs))
        found = _changed_ids(store, ids[-2], ids[-1])
        counts = store.get_sweep(ids[-1]).counts
        guides = store.get_sweep(ids[1]).counts.get("guides", 0)
    finally:
        store.close()
    full, unchanged = _sum(fulls), _sum(unchangeds)
    mean_full = {k: v / pairs for k, v in full.items()}
    return {
        "n_guides": n_guides,
        "profiles": list(PROFILES),
        "guides_stored": guides,
        "pairs": pairs,
        "first_sweep": first,
        "full_resweep": {**full, "requests": fulls[-1]["requests"], "runs": fulls},
        "incremental_unchanged": {**unchanged, "requests": unchangeds[-1]["requests"], "runs": unchangeds},
        "incremental_changed": {**changed, "requests": changed_requests, "counts": counts},
        # whole command (process start to exit), summed over the pairs; and pair by pair
        "speedup_unchanged": round(full["wall_s"] / unchanged["wall_s"], 2),
        "speedup_unchanged_by_pair": [round(f["wall_s"] / u["wall_s"], 2) for f, u in zip(fulls, unchangeds, strict=True)],
        "speedup_changed": round(mean_full["wall_s"] / changed["wall_s"], 2),
        "speedup_unchanged_sweep_only": round(full["sweep_s"] / max(unchanged["sweep_s"], 0.1), 2),
        "speedup_changed_sweep_only": round(mean_full["sweep_s"] / max(changed["sweep_s"], 0.1), 2),
        "cpu_ratio_unchanged": round(full["cpu_s"] / max(unchanged["cpu_s"], 0.1), 2),
        "cpu_ratio_changed": round(mean_full["cpu_s"] / max(changed["cpu_s"], 0.1), 2),
        "same_outputs_as_full": same,
        "changed_truth": len(changed_truth),
        "changed_found": len(found),
        "found_exactly_the_changed": found == changed_truth,
    }


def main(n_guides: int = N_GUIDES) -> dict:
    began = time.perf_counter()
    load_before = round(os.getloadavg()[0], 1)
    with tempfile.TemporaryDirectory(prefix="incremental-bench-") as tmp:
        r = measure(n_guides, Path(tmp))
    r["load_before"], r["load_after"] = load_before, round(os.getloadavg()[0], 1)  # a shared machine: say how busy
    f, u, c = r["full_resweep"], r["incremental_unchanged"], r["incremental_changed"]
    print(
        f"{n_guides} 份指南的门户（{'+'.join(PROFILES)}，入库 {r['guides_stored']}）：\n"
        f"  完整重抓命令 {' + '.join(str(x['wall_s']) for x in f['runs'])} 秒（进程开始到退出，与增量交替 {r['pairs']} 次；"
        f"{f['requests']} 个请求，CPU {f['cpu_s']} 秒）\n"
        f"  --incremental 未变化命令 {' + '.join(str(x['wall_s']) for x in u['runs'])} 秒（{u['requests']} 个请求，CPU {u['cpu_s']} 秒）："
        f"整条命令快 {r['speedup_unchanged']} 倍（逐对 {r['speedup_unchanged_by_pair']}，目标 ≥ 5），"
        f"抓取本身（开始→结束）{f['sweep_s']} → {u['sweep_s']} 秒 "
        f"{r['speedup_unchanged_sweep_only']} 倍，CPU {r['cpu_ratio_unchanged']} 倍；结果与完整重抓相同：{r['same_outputs_as_full']}\n"
        f"  {int(SHARE * 100)}% 变化后 --incremental 命令 {c['wall_s']} 秒（{c['requests']} 个请求，CPU {c['cpu_s']} 秒）："
        f"快 {r['speedup_changed']} 倍（抓取本身 {r['speedup_changed_sweep_only']} 倍，CPU {r['cpu_ratio_changed']} 倍），"
        f"变化 {r['changed_truth']} 份、找到 {r['changed_found']} 份，恰好是这些：{r['found_exactly_the_changed']}\n"
        f"  （负载 {r['load_before']} → {r['load_after']}，共 {time.perf_counter() - began:.0f} 秒）",
        flush=True,
    )
    out_dir = REPO / "bench" / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "incremental_bench.json").write_text(json.dumps(r, ensure_ascii=False, indent=1), "utf-8")
    return r


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else N_GUIDES)
