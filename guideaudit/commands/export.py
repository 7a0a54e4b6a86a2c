"""guideaudit export: guides, defects or indicators of one sweep, as JSONL or CSV."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from guideaudit.commands import add_db_argument, chosen_sweep, open_store
from guideaudit.outfiles import csv_writer
from guideaudit.text import json_text

HELP = "从数据库导出某次抓取的指南记录、问题清单或指标（jsonl / csv）"

DEFECT_COLUMNS = (
    "问题编号", "单位", "事项", "要素", "规则", "严重程度", "问题", "原文", "建议", "链接", "首次发现",
    "首次发现抓取", "复核状态", "复核意见",
)
INDICATOR_COLUMNS = ("单位", "指标", "指标名称", "值", "样本数")
# The sweep ledger, one line per URL (docs/sweeps.md 抓取台账): the first four are the contract.
LEDGER_COLUMNS = ("url", "state", "kind", "guide_id", "final_url", "status", "detail", "agency", "item_name",
                  "referer", "role", "unknown")
from guideaudit.vocab import SEVERITY_LABELS  # noqa: E402

ALL_GROUP = "全部"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=("guides", "defects", "indicators", "ledger"),
                        help="导出内容：指南记录 / 问题清单 / 各单位指标 / 抓取台账（每个网址的结果）")
    parser.add_argument("--sweep", type=int, metavar="N", help="第 N 次抓取（默认：最近一次完成的抓取）")
    parser.add_argument("--format", choices=("jsonl", "csv"), required=True, help="输出格式")
    parser.add_argument("--out", metavar="FILE", help="输出文件（默认：标准输出）")
    add_db_argument(parser)
    parser.add_argument("--include-dismissed", action="store_true", help="问题清单也包含已复核为误报的问题")


def cell(value) -> object:
    if value is None:
        return ""
    return value if isinstance(value, (str, int, float)) else json_text(value)


@contextmanager
def _output(path: str | None, fmt: str) -> Iterator[IO[str]]:
    if not path:
        yield sys.stdout
        return
    from guideaudit.outfiles import atomic_open

    # utf-8-sig so Excel opens Chinese CSV correctly; JSONL stays plain UTF-8.
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    with atomic_open(path, encoding=encoding, newline="") as handle:
        yield handle


def guide_rows(store, sweep_id: int) -> Iterator[dict]:
    for record in store.records(sweep_id):
        yield record.model_dump(mode="json")


def defect_rows(store, sweep, include_dismissed: bool = False) -> Iterator[dict]:
    from guideaudit.checks.elements import ALL_CODES

    started: dict[int, str] = {}

    def first_seen_date(sweep_id: int) -> str:
        if sweep_id not in started:
            try:
                started[sweep_id] = store.get_sweep(sweep_id).started_at.strftime("%Y-%m-%d")
            except Exception:
                started[sweep_id] = ""
        return started[sweep_id]

    for guide in store.guides(sweep.id):
        for d in guide.defects:
            if d.dismissed and not include_dismissed:
                continue
            yield {
                "问题编号": d.defect_id,
                "单位": d.agency or "",
                "事项": d.item_name or "",
                "要素": f"{d.element} {ALL_CODES.get(d.element, '')}".strip(),
                "规则": d.rule,
                "严重程度": SEVERITY_LABELS.get(d.severity, d.severity),
                "问题": d.message,
                "原文": d.evidence,
                "建议": d.suggestion,
                "链接": d.url or "",
                "首次发现": first_seen_date(d.first_seen_sweep),
                "首次发现抓取": d.first_seen_sweep,
                "复核状态": d.review_status or "",
                "复核意见": d.review_comment or "",
            }


def indicator_rows(store, sweep_id: int) -> Iterator[dict]:
    from guideaudit.checks.indicators import compute_indicators
    from guideaudit.checks.stored import checked_guides

    by_agency = compute_indicators(checked_guides(store, sweep_id), by="agency")
    overall = compute_indicators(checked_guides(store, sweep_id), by=lambda _record: ALL_GROUP)
    groups = {**{k: by_agency[k] for k in sorted(by_agency, key=str)}, **overall}
    for group, indicators in groups.items():
        for name, ind in indicators.items():
            yield {
                "单位": group,
                "指标": name,
                "指标名称": ind.label,
                "值": None if ind.value is None else round(float(ind.value), 6),
                "样本数": ind.n,
            }


def ledger_rows(store, sweep_id: int) -> Iterator[dict]:
    for row in store.ledger(sweep_id):
        yield {c: row.get(c) for c in LEDGER_COLUMNS}


def run(args: argparse.Namespace) -> int:
    from guideaudit.record import FIELD_NAMES

    store = open_store(args.db)
    try:
        print(f"数据库：{store.display_url}", file=sys.stderr)
        sweep = chosen_sweep(store, args.sweep)
        if args.what == "guides":
            rows, columns = guide_rows(store, sweep.id), FIELD_NAMES
        elif args.what == "defects":
            rows, columns = defect_rows(store, sweep, args.include_dismissed), DEFECT_COLUMNS
        elif args.what == "ledger":
            rows, columns = ledger_rows(store, sweep.id), LEDGER_COLUMNS
        else:
            rows, columns = indicator_rows(store, sweep.id), INDICATOR_COLUMNS
        count = 0
        with _output(args.out, args.format) as out:
            if args.format == "jsonl":
                for row in rows:
                    out.write(json_text(row) + "\n")
                    count += 1
            else:
                writer = csv_writer(out, lineterminator="\n")
                writer.writerow(columns)
                for row in rows:
                    writer.writerow([cell(row.get(c)) for c in columns])
                    count += 1
        label = {"guides": "份指南", "defects": "个问题", "indicators": "行指标", "ledger": "个网址"}[args.what]
        where = f"，已写入 {args.out}" if args.out else ""
        print(f"第 {sweep.id} 次抓取：导出 {count} {label}{where}", file=sys.stderr)
        return 0
    finally:
        store.close()
