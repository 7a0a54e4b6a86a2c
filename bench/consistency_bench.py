"""Matching and comparing two sources of 100,000 guides each on one core (guideaudit
consistency), beside the time to load (parse_record) the same 200,000 records.
Side B is side A with 10 % of guides without 业务办理项编码, 5 % with only 基本编码 + 实施主体,
2 % with only a (sometimes reworded) name, 1 % missing, and changed limits and phones.
Target: matching + comparing < 60 s. Writes nothing outside bench/out/."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "realdata" / "gdzwfw_2021_sample.jsonl"
TOTAL = int(os.environ.get("BENCH_CONSISTENCY_RECORDS", "100000"))


def _sides() -> tuple[list[dict], list[dict]]:
    from guideaudit.checks.importers.gdzwfw_2021 import load

    base = [r.model_dump(mode="json") for r in load(SAMPLE)]
    a, b = [], []
    for i in range(TOTAL):
        d = dict(base[i % len(base)])
        code = f"{i:031d}"
        d.update(id=f"A{i}", implementation_code=code, handling_item_code=code + "01",
                 basic_code=f"{i:012d}", item_name=f"{d.get('item_name') or ''}·{i}")
        a.append(d)
        e = dict(d, id=f"B{i}")
        k = i % 100
        if k == 0:
            continue  # only in A
        if k < 10:
            e["handling_item_code"] = None
        elif k < 15:
            e.update(handling_item_code=None, implementation_code=None)
        elif k < 17:
            e.update(handling_item_code=None, implementation_code=None, basic_code=None,
                     item_name=e["item_name"] + ("" if k == 15 else "申请"))
        if k in (20, 40):
            e["promised_limit"] = "99(工作日)"
        if k == 30:
            e["consult"] = "020-12345678"
        b.append(e)
    return a, b


def main() -> None:
    from guideaudit.checks.consistency import consistency

    from guideaudit.record import parse_record

    raw_a, raw_b = _sides()
    t0 = time.perf_counter()
    a = [parse_record(d) for d in raw_a]
    b = [parse_record(d) for d in raw_b]
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    c = consistency(a, b)
    work = time.perf_counter() - t0
    m = c.match
    result = {
        "guides_a": len(a), "guides_b": len(b), "load_s": round(load, 2), "match_compare_s": round(work, 2),
        "ratio_to_load": round(work / load, 2), "pairs": len(m.certain), "uncertain": len(m.uncertain),
        "only_a": len(m.only_a), "only_b": len(m.only_b), "differences": len(c.differences),
        "target_s": 60, "ok": work < 60,
    }
    print(f"载入 {len(a) + len(b)} 份记录 {load:.1f} s；匹配并比较 {work:.1f} s（载入时间的 {work / load:.2f} 倍）；"
          f"确定匹配 {len(m.certain)}，待核实 {len(m.uncertain)}，仅 A {len(m.only_a)}，仅 B {len(m.only_b)}，"
          f"不一致 {len(c.differences)}；目标 < 60 s：{'达到' if work < 60 else '未达到'}")
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "consistency_bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
