"""guideaudit sweeps: list the sweeps in the store."""

from __future__ import annotations

import argparse

from guideaudit.commands import add_db_argument, open_store

HELP = "列出数据库中的历次抓取（状态、数量、日志位置）"

from guideaudit.vocab import SWEEP_STATUS_LABELS as STATUS_LABELS  # noqa: E402


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_db_argument(parser)
    parser.add_argument("--portal", help="只列出这个门户的抓取")
    parser.add_argument("--status", choices=sorted(STATUS_LABELS), help="只列出这个状态的抓取")


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def run(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    try:
        print(f"数据库：{store.display_url}")
        sweeps = store.list_sweeps(args.portal, args.status)
        if not sweeps:
            print("还没有抓取记录。运行 `guideaudit demo` 或 `guideaudit sweep 门户配置` 开始。")
            return 0
        header = ("编号", "门户", "状态", "开始时间(UTC)", "结束时间(UTC)", "指南", "问题", "待核实", "无法获取", "附件")
        rows = []
        for s in sweeps:
            c = s.counts or {}
            status = STATUS_LABELS.get(s.status, s.status)
            if s.status == "running":
                status += f"（进程 {s.pid}@{s.host}）"
            rows.append((
                str(s.id), s.portal, status, _when(s.started_at), _when(s.finished_at),
                str(c.get("guides", 0)), str(c.get("defects", 0)), str(c.get("incomplete", "—")),
                str(c.get("fetch_failures", 0)),
                str(c.get("attachments", 0)),
            ))
        _print_table(header, rows)
        latest = store.latest_sweep()
        if latest:
            print(f"最近一次完成的抓取：第 {latest.id} 次（export/report 默认使用它）")
        for s in sweeps:
            if s.error and s.status != "complete":
                print(f"第 {s.id} 次：{s.error}")
        return 0
    finally:
        store.close()


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip())
