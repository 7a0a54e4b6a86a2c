"""Guides checked per second on one core for the real 广东 sample repeated to 100,000 records,
beside the time to merely load (parse_record) the same records, and peak memory.
Target: check / load ≤ 10. A second run over the real 广西 and 浙江 corpus records
(fixtures/realworld/: materials, form links and steps make guides heavier), repeated to
BENCH_REAL_RECORDS: target check / load ≤ 3. Writes nothing outside bench/out/."""

from __future__ import annotations

import gc
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "realdata" / "gdzwfw_2021_sample.jsonl"
TOTAL = int(os.environ.get("BENCH_CHECKS_RECORDS", "100000"))
CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "realworld"
REAL_TOTAL = int(os.environ.get("BENCH_REAL_RECORDS", "20000"))


def _heavy_dicts() -> list[dict]:
    """The 广西 and 浙江 corpus records as their importers make them, repeated to REAL_TOTAL."""
    from guideaudit.commands.sources import importer

    base = []
    for source in ("gxzwfw-2025", "zjzwfw-2018"):
        files = sorted((CORPUS / source).glob("input_*"))
        base += [r.model_dump(mode="json") for r in importer(source).load_files(files)]
    return [dict(base[i % len(base)], id=f"{base[i % len(base)]['id']}-{i}") for i in range(REAL_TOTAL)]


def _canonical_dicts() -> list[dict]:
    from guideaudit.checks.importers.gdzwfw_2021 import load

    base = [r.model_dump(mode="json") for r in load(SAMPLE)]
    out = []
    for i in range(TOTAL):
        data = dict(base[i % len(base)])
        data["id"] = f"{data['id']}-{i}"  # distinct guides, same published text
        out.append(data)
    return out


_PHONE_TAIL = re.compile(r"(?<!\d)(\d{3,4})\d{4}(?!\d)")
_HOUSE = re.compile(r"(路|街|道)(\d+)号")


def _distinct(dicts: list[dict]) -> list[dict]:
    """The same records, but every guide with its own phone numbers and house number (digits
    varied, validity kept): the parsers' per-string caches rarely hit, the worst case for a
    province whose guides share little wording."""
    out = []
    for i, data in enumerate(dicts):
        data = dict(data)
        tail = f"{i % 10000:04d}"
        for field in ("consult", "complaint"):
            if data.get(field):
                data[field] = _PHONE_TAIL.sub(lambda m, t=tail: m.group(1) + t, data[field])
        if data.get("location"):
            house = f"{i % 997 + 1}号"
            data["location"] = _HOUSE.sub(lambda m, h=house: m.group(1) + h, data["location"], count=1)
        out.append(data)
    return out


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


CHUNK = 10_000


def _measure(dicts: list[dict], settings_list) -> tuple[float, list[tuple[float, int]]]:
    """Load and check chunk by chunk, alternating, so that load on the shared machine weighs on
    both alike; times are CPU seconds of this process (time.process_time)."""
    from guideaudit.checks import check_guide

    from guideaudit.record import parse_record

    load_s = 0.0
    checks = [[0.0, 0] for _ in settings_list]
    for begin in range(0, len(dicts), CHUNK):
        start = time.process_time()
        records = [parse_record(d) for d in dicts[begin:begin + CHUNK]]
        load_s += time.process_time() - start
        for slot, settings in zip(checks, settings_list, strict=True):
            start = time.process_time()
            defects = 0
            for record in records:
                defects += len(check_guide(record, settings).defects)
            slot[0] += time.process_time() - start
            slot[1] += defects
    return load_s, [(t, d) for t, d in checks]


def main() -> None:
    from guideaudit.checks import CheckSettings

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    full = CheckSettings()
    # What the scrape did not capture travels on each record (uncaptured → 待核实); skipping
    # those elements by setting is the cheaper comparison run.
    skip = CheckSettings(skip_elements=("E1-4", "E1-6", "E2-1", "E2-2", "E2-3", "E3-1", "E4-1", "E4-2"))
    dicts = _canonical_dicts()
    n = len(dicts)
    gc.collect()
    wall = time.perf_counter()
    load_s, (full_run, skip_run) = _measure(dicts, [full, skip])
    load_distinct_s, (distinct_run,) = _measure(_distinct(dicts), [full])
    heavy = _heavy_dicts()
    load_heavy_s, (heavy_run,) = _measure(heavy, [full])
    wall = time.perf_counter() - wall
    runs = {
        "全部规则": (*full_run, load_s),
        "跳过未抓取要素": (*skip_run, load_s),
        "全部规则，每事项电话与门牌号各不相同": (*distinct_run, load_distinct_s),
    }
    heavy_line = (
        f"广西与浙江真实记录（含材料、表格链接和流程，{len(heavy)} 条）：加载 {load_heavy_s:.2f} 秒，"
        f"{len(heavy) / load_heavy_s:,.0f} 条/秒；检查 {heavy_run[0]:.2f} 秒，{len(heavy) / heavy_run[0]:,.0f} 条/秒，"
        f"缺陷 {heavy_run[1]} 条，检查/加载 = {heavy_run[0] / load_heavy_s:.2f}（目标 ≤ 3）"
    )
    lines = [
        f"记录数：{n}（真实样本 {SAMPLE.name} 重复），单核，CPU 时间（每 {CHUNK} 条交替加载与检查）",
        f"仅加载（parse_record）：{load_s:.2f} 秒，{n / load_s:,.0f} 条/秒"
        f"（电话与门牌号各不相同时 {load_distinct_s:.2f} 秒）",
    ]
    for name, (seconds, defects, base) in runs.items():
        lines.append(
            f"检查（{name}）：{seconds:.2f} 秒，{n / seconds:,.0f} 条/秒，缺陷 {defects} 条，检查/加载 = {seconds / base:.2f}"
        )
    lines.append(heavy_line)
    lines.append(f"峰值内存（进程最大常驻）：{_peak_mb():.0f} MB；总耗时（墙钟）{wall:.0f} 秒")
    print("\n".join(lines))
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    summary = {
        "records": n,
        "load_cpu_s": load_s,
        "load_distinct_cpu_s": load_distinct_s,
        "check_cpu_s": {k: v[0] for k, v in runs.items()},
        "ratio": {k: v[0] / v[2] for k, v in runs.items()},
        "peak_mb": _peak_mb(),
        "real_heavy": {"records": len(heavy), "load_cpu_s": load_heavy_s, "check_cpu_s": heavy_run[0],
                       "guides_per_s": len(heavy) / heavy_run[0], "ratio": heavy_run[0] / load_heavy_s},
    }
    (out / "checks_bench.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
