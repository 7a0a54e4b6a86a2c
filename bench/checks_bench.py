"""Guides checked per second on one core for the real 广东 sample repeated to 100,000 records,
beside the time to merely load (parse_record) the same records, and peak memory.
Target: check / load ≤ 10. Writes nothing outside bench/out/."""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import time
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "realdata" / "gdzwfw_2021_sample.jsonl"
TOTAL = int(os.environ.get("BENCH_CHECKS_RECORDS", "100000"))


def _canonical_dicts() -> list[dict]:
    from guideaudit.checks.importers.gdzwfw_2021 import load

    base = [r.model_dump(mode="json") for r in load(SAMPLE)]
    out = []
    for i in range(TOTAL):
        data = dict(base[i % len(base)])
        data["id"] = f"{data['id']}-{i}"  # distinct guides, same published text
        out.append(data)
    return out


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def main() -> None:
    from guideaudit.checks import CheckSettings, check_guide
    from guideaudit.checks.importers.gdzwfw_2021 import UNCAPTURED_ELEMENTS, UNCAPTURED_RULES

    from guideaudit.record import parse_record

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    dicts = _canonical_dicts()
    gc.collect()

    start = time.perf_counter()
    records = [parse_record(d) for d in dicts]
    load_s = time.perf_counter() - start

    results = {}
    for name, settings in (
        ("全部规则", CheckSettings()),
        ("跳过未抓取要素", CheckSettings(skip_elements=UNCAPTURED_ELEMENTS, skip_rules=UNCAPTURED_RULES)),
    ):
        start = time.perf_counter()
        defects = 0
        for record in records:
            defects += len(check_guide(record, settings).defects)
        results[name] = (time.perf_counter() - start, defects)

    n = len(records)
    lines = [
        f"记录数：{n}（真实样本 {SAMPLE.name} 重复）",
        f"仅加载（parse_record）：{load_s:.2f} 秒，{n / load_s:,.0f} 条/秒",
    ]
    for name, (seconds, defects) in results.items():
        lines.append(
            f"检查（{name}）：{seconds:.2f} 秒，{n / seconds:,.0f} 条/秒，缺陷 {defects} 条，检查/加载 = {seconds / load_s:.2f}"
        )
    lines.append(f"峰值内存（进程最大常驻）：{_peak_mb():.0f} MB")
    print("\n".join(lines))
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "checks_bench.json").write_text(
        json.dumps(
            {"records": n, "load_s": load_s, "check_s": {k: v[0] for k, v in results.items()}, "peak_mb": _peak_mb()},
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
