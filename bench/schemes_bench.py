"""Scoring 1,000 units × a 50-indicator scheme (every rule kind, two weighted halves, bonus,
penalty, grades), beside the time to merely load the same figures from csv (the baseline), and
peak memory of each (tracemalloc). Reported as ratios against the baseline of the same run.
Writes its generated inputs and result only under bench/out/."""

from __future__ import annotations

import csv
import gc
import json
import os
import random
import time
import tracemalloc
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "schemes"
UNITS = int(os.environ.get("BENCH_SCHEMES_UNITS", "1000"))
GROUPS = 10  # × 5 indicators = 50

RULES = [
    ("proportional", "{kind: proportional}", "rate"),
    ("steps", "{kind: steps, per: 0.01, points: 0.2, max: 20}", "rate"),
    ("threshold_climb", "{kind: threshold_climb, min: 0.5, base: 6, climb_from: 0.6, per: 0.01, points: 0.5}", "rate"),
    ("tiers", "{kind: tiers, tiers: [[0.6, 20], [0.4, 15], [0.2, 10]]}", "rate"),
    ("deduct_per_count", "{kind: deduct_per_count, each: 0.5}", "count"),
    ("deduct_fraction", "{kind: deduct_fraction, fraction: '1/3'}", "count"),
    ("yes_no", "{kind: yes_no}", "bool"),
    ("manual", "{kind: manual}", "points"),
]


def _scheme_text() -> str:
    lines = [
        "id: bench-50", "name: 基准方案（50项）", "version: '1'", "full: 100", "unit_types: [单位]",
        "not_applicable: rescale",
        "periods:", "  - {id: 上半年, weight: 0.4}", "  - {id: 下半年, weight: 0.6}",
        "grades: {by: thresholds, bands: [{grade: 优秀, min: 90}, {grade: 良好, min: 75}], otherwise: 一般}",
        "indicators:",
    ]
    for g in range(GROUPS):
        lines += [f"  - id: G{g}", f"    name: 分组{g}", "    full: 10", "    children:"]
        for k in range(5):
            i = g * 5 + k
            kind, rule, _figure = RULES[i % len(RULES)]
            lines.append(f"      - {{id: '{i + 1}', name: 指标{i + 1}, full: 2, unit: '%', rule: {rule}}}")
    lines += ["bonus:", "  cap: 5", "  items:", "    - {id: B1, name: 加分, full: 5, rule: {kind: manual}}",
              "penalty:", "  items:", "    - {id: P1, name: 减分, full: 5, rule: {kind: count, each: 1}}"]
    return "\n".join(lines) + "\n"


def _figures(path: Path) -> int:
    rng = random.Random(20240601)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["unit", "indicator", "value", "period", "note"])
        for u in range(UNITS):
            unit = f"单位{u:04d}"
            for period in ("上半年", "下半年"):
                for i in range(50):
                    figure = RULES[i % len(RULES)][2]
                    if rng.random() < 0.02:
                        value, note = "不适用", ""
                    elif figure == "rate":
                        value, note = f"{rng.uniform(0, 100):.1f}%", ""
                    elif figure == "count":
                        value, note = str(rng.randint(0, 4)), ""
                    elif figure == "bool":
                        value, note = rng.choice(["是", "否"]), ""
                    else:
                        value, note = f"{rng.uniform(0, 2):.2f}", "评分人意见"
                    w.writerow([unit, str(i + 1), value, period, note])
                    rows += 1
            w.writerow([unit, "B1", f"{rng.uniform(0, 5):.1f}", "", "创新"])
            w.writerow([unit, "P1", str(rng.randint(0, 2)), "", ""])
            rows += 2
    return rows


def _timed(fn):
    gc.collect()
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def _peak(fn) -> int:
    gc.collect()
    tracemalloc.start()
    fn()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    from guideaudit.schemes import score
    from guideaudit.schemes.inputs import load_metrics
    from guideaudit.schemes.loader import load_scheme_file

    OUT.mkdir(parents=True, exist_ok=True)
    scheme_file = OUT / "bench-50.yaml"
    scheme_file.write_text(_scheme_text(), encoding="utf-8")
    figures_file = OUT / "figures.csv"
    rows = _figures(figures_file)
    scheme = load_scheme_file(scheme_file)
    assert len(scheme.leaves()) == 50

    loaded, t_load = _timed(lambda: load_metrics(figures_file))
    result, t_score = _timed(lambda: score(scheme, load_metrics(figures_file)))
    t_score_only = t_score - t_load  # score() above includes a fresh load, like the command does
    m_load = _peak(lambda: load_metrics(figures_file))
    m_total = _peak(lambda: score(scheme, load_metrics(figures_file)))
    assert len(result.units) == UNITS and len(loaded) == rows
    report = {
        "units": UNITS, "indicators": 50, "figure_rows": rows,
        "load_seconds": round(t_load, 3), "load_and_score_seconds": round(t_score, 3),
        "score_seconds": round(t_score_only, 3),
        "score_over_load": round(t_score_only / t_load, 2),
        "units_per_second": round(UNITS / t_score_only, 1),
        "peak_mib_load": round(m_load / 2**20, 1), "peak_mib_load_and_score": round(m_total / 2**20, 1),
        "peak_ratio": round(m_total / m_load, 2),
        "top_unit": [result.units[0].unit, float(result.units[0].total)],
    }
    (OUT / "result.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"评分基准：{UNITS} 个单位 × 50 项指标 × 2 个半年（{rows} 行数据）")
    print(f"  读入数据（基线）{t_load:.2f} s；评分 {t_score_only:.2f} s；评分/读入 = {report['score_over_load']}；"
          f"{report['units_per_second']} 单位/秒")
    print(f"  峰值内存：读入 {report['peak_mib_load']} MiB；读入+评分 {report['peak_mib_load_and_score']} MiB；"
          f"比值 {report['peak_ratio']}")


if __name__ == "__main__":
    main()
