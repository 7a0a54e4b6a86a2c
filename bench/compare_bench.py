"""Comparing two sweeps of N guides (default 10,000; BENCH_COMPARE_GUIDES) in a real SQLite
store, beside the baseline of reading both sweeps back (Store.guides, what any report does):
time and peak memory (tracemalloc) as ratios against that baseline, in the same run. The store
is built under bench/out/compare/ from real-shaped records: 5 % of guides change between the
sweeps, fixing or adding a defect."""

from __future__ import annotations

import gc
import os
import random
import shutil
import time
import tracemalloc
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "compare"
N = int(os.environ.get("BENCH_COMPARE_GUIDES", "10000"))


def _record(i: int, hours: str):
    from guideaudit.record import GuideRecord

    return GuideRecord(
        url=f"http://127.0.0.1:8765/bszn/g/{i}", handling_item_code=f"11441700MB{i:08d}X4401000{i:08d}",
        item_name=f"事项{i}", agency=f"江海市第{i % 40}局", statutory_limit="20个工作日", promised_limit="5个工作日",
        location="江海市人民大道1号3楼5号窗口", hours=hours, consult="0662-3300000", onsite_visits="1",
        materials=[{"name": "申请表", "source": "申请人自备", "originals": "1", "medium": "纸质"}],
        steps=[{"name": "受理", "limit": "1个工作日", "handler": "窗口"}, {"name": "办结", "limit": "1个工作日", "handler": "科长"}],
    )


def _build(store) -> tuple:
    from guideaudit.checks import check_guide
    from guideaudit.checks.stored import entry_of

    rng = random.Random(7)
    sweeps = []
    changed = set(rng.sample(range(N), N // 20))
    for round_ in range(2):
        sweep = store.start_sweep("bench", None, {}, "bench")
        batch = []
        for i in range(N):
            vague = (i % 7 == 0) != (round_ == 1 and i in changed)
            record = _record(i, "工作时间" if vague else "周一至周五 9:00-12:00，14:00-17:30")
            batch.append(entry_of(record, check_guide(record)))
            if len(batch) == 1000:
                store.save_guides(sweep.id, batch)
                batch = []
        store.save_guides(sweep.id, batch)
        sweeps.append(store.finish_sweep(sweep.id, "complete", {"guides": N}))
    return tuple(sweeps)


def _measure(fn) -> tuple[float, int]:
    """CPU-relevant wall time of one untraced run, then peak memory of a traced one
    (tracemalloc slows allocation-heavy code several times over: never time under it)."""
    gc.collect()
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


def main() -> None:
    from guideaudit.reports.compare import compare

    from guideaudit.store import Store

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    store = Store(f"sqlite:///{OUT / 'bench.sqlite3'}")
    built = time.perf_counter()
    earlier, later = _build(store)
    built = time.perf_counter() - built
    base_s, base_mem = _measure(lambda: [sum(1 for _ in store.guides(s.id)) for s in (earlier, later)])
    result = {}
    cmp_s, cmp_mem = _measure(lambda: result.__setitem__("c", compare(store, earlier, later)))
    t = result["c"].totals
    store.close()
    print(f"两次抓取各 {N} 份指南（建库 {built:.1f} 秒）；新增 {t.new}，已整改 {t.fixed}，仍存在 {t.persisting}")
    print(f"基线：读回两次抓取 {base_s:.2f} 秒，峰值内存 {base_mem / 2**20:.0f} MB")
    print(f"比较：{cmp_s:.2f} 秒（基线的 {cmp_s / base_s:.2f} 倍），峰值内存 {cmp_mem / 2**20:.0f} MB（基线的 {cmp_mem / max(base_mem, 1):.2f} 倍）")
