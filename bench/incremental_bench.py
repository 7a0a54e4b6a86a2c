"""Incremental re-sweeps against full sweeps, in the same run (docs/sweeps.md, "增量抓取").

A 10,000-guide fixture portal (its own process, throttling off) is swept with
`guideaudit sweep fixture-html fixture-api` into one SQLite store, each sweep its own process:
  1. a full sweep (fills the store);
  2. a full re-sweep of the unchanged portal: the baseline;
  3. `--incremental` of the unchanged portal: must give the same guides and defects as 2;
  4. the portal's next round republishes 5 % of its guides; `--incremental` again: the guides it
     finds changed must be exactly those.
speedup = baseline wall time / incremental wall time (aim ≥ 5 for the unchanged portal).

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
    return {"wall_s": round(wall, 1), "sweep_s": round(own, 1), "cpu_s": round(cpu, 1), "peak_mb": round(tree_mb, 1),
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


def measure(n_guides: int, work: Path) -> dict:
    from guideaudit.fixtures.portal import FixturePortal

    from guideaudit.store import Store

    env = dict(os.environ, GUIDEAUDIT_HOME=str(work / "home"))
    env.pop("GUIDEAUDIT_DB", None)
    db = f"sqlite:///{work / 'incremental.sqlite3'}"
    with FixturePortal(n_guides=n_guides, seed=2026, port=0, process=True) as portal:
        first = _sweep(portal, db, env)
        began = len(portal.request_log())
        full = _sweep(portal, db, env)
        full_requests = len(portal.request_log()) - began
        began = len(portal.request_log())
        unchanged = _sweep(portal, db, env, "--incremental")
        unchanged_requests = len(portal.request_log()) - began
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
        sweeps = store.list_sweeps()
        s_full, s_unchanged, s_changed = (s.id for s in sweeps[1:4])
        same = _outputs(store, s_full) == _outputs(store, s_unchanged)
        found = _changed_ids(store, s_unchanged, s_changed)
        counts = store.get_sweep(s_changed).counts
        guides = store.get_sweep(s_full).counts.get("guides", 0)
    finally:
        store.close()
    return {
        "n_guides": n_guides,
        "profiles": list(PROFILES),
        "guides_stored": guides,
        "first_sweep": first,
        "full_resweep": {**full, "requests": full_requests},
        "incremental_unchanged": {**unchanged, "requests": unchanged_requests},
        "incremental_changed": {**changed, "requests": changed_requests, "counts": counts},
        "speedup_unchanged": round(full["wall_s"] / unchanged["wall_s"], 2),
        "speedup_changed": round(full["wall_s"] / changed["wall_s"], 2),
        "speedup_unchanged_sweep_only": round(full["sweep_s"] / max(unchanged["sweep_s"], 0.1), 2),
        "speedup_changed_sweep_only": round(full["sweep_s"] / max(changed["sweep_s"], 0.1), 2),
        "cpu_ratio_unchanged": round(full["cpu_s"] / max(unchanged["cpu_s"], 0.1), 2),
        "same_outputs_as_full": same,
        "changed_truth": len(changed_truth),
        "changed_found": len(found),
        "found_exactly_the_changed": found == changed_truth,
    }


def main(n_guides: int = N_GUIDES) -> dict:
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="incremental-bench-") as tmp:
        r = measure(n_guides, Path(tmp))
    f, u, c = r["full_resweep"], r["incremental_unchanged"], r["incremental_changed"]
    print(
        f"{n_guides} 份指南的门户（{'+'.join(PROFILES)}，入库 {r['guides_stored']}）："
        f"完整重抓 {f['wall_s']} 秒（{f['requests']} 个请求，CPU {f['cpu_s']} 秒）；"
        f"--incremental 未变化 {u['wall_s']} 秒（{u['requests']} 个请求，CPU {u['cpu_s']} 秒），快 {r['speedup_unchanged']} 倍"
        f"（目标 ≥ 5；不计进程启动和抓取后的比较：{f['sweep_s']} → {u['sweep_s']} 秒，{r['speedup_unchanged_sweep_only']} 倍），"
        f"结果与完整重抓相同：{r['same_outputs_as_full']}；"
        f"{int(SHARE * 100)}% 变化后 {c['wall_s']} 秒（{c['requests']} 个请求），快 {r['speedup_changed']} 倍（不计启动和比较 {r['speedup_changed_sweep_only']} 倍），"
        f"变化 {r['changed_truth']} 份、找到 {r['changed_found']} 份，恰好是这些：{r['found_exactly_the_changed']}"
        f"（共 {time.perf_counter() - began:.0f} 秒）",
        flush=True,
    )
    out_dir = REPO / "bench" / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "incremental_bench.json").write_text(json.dumps(r, ensure_ascii=False, indent=1), "utf-8")
    return r


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else N_GUIDES)
