"""`guideaudit compare`: what changed between two sweeps (新增 / 已整改 / 仍存在, 整改率)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from guideaudit.commands import add_db_argument, emit, open_store
from guideaudit.text import json_text

HELP = "比较两次抓取：新增、已整改、仍存在的问题，整改率，按单位统计（以评促改）"
FORMATS = ("table", "csv", "xlsx", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="frm", type=int, metavar="N", help="较早的一次抓取（默认：--to 之前同一门户最近一次完成的抓取）")
    parser.add_argument("--to", type=int, metavar="M", help="较晚的一次抓取（默认：最近一次完成的抓取）")
    parser.add_argument("--format", choices=FORMATS, default="table", help="table（默认）、csv、xlsx、json")
    parser.add_argument("--out", metavar="FILE", help="写入文件（xlsx 必须指定；其他格式默认输出到屏幕）")
    parser.add_argument("--limit", type=int, default=30, metavar="N", help="table 格式最多列出 N 条变化（默认 30）")
    parser.add_argument("--no-scores", action="store_true", help="不计算得分和排名变化（大库更快）")
    add_db_argument(parser)


def run(args: argparse.Namespace) -> int:
    from guideaudit.errors import UsageError
    from guideaudit.reports.compare import compare, latest_pair
    from guideaudit.store import StoreError

    if args.format == "xlsx" and not args.out:
        raise UsageError("--format xlsx 需要 --out 文件名")
    store = open_store(args.db)
    try:
        try:
            pair = latest_pair(store, args.to, args.frm)
        except StoreError as err:
            raise UsageError(str(err)) from None
        if pair is None:
            raise UsageError(f"数据库 {store.display_url} 中没有可比较的两次完成的抓取；用 --from N --to M 指定（guideaudit sweeps 可列出）")
        earlier, later = pair
        if earlier.id == later.id:
            raise UsageError(f"--from 与 --to 是同一次抓取（第 {later.id} 次）")
        scores = None if args.no_scores else _scores(store)
        total = store.guide_count(earlier.id) + store.guide_count(later.id)
        with _progress(total, f"比较第 {earlier.id} 次与第 {later.id} 次抓取") as tick:
            comparison = compare(store, earlier, later, scores, on_guide=tick)
    finally:
        store.close()
    if earlier.portal != later.portal:
        print(f"注意：两次抓取的门户不同（{earlier.portal} / {later.portal}）", file=sys.stderr)
    _write(comparison, args)
    return 0


def _scores(store):
    """sweep → {unit: (total, rank)} under the report's default scheme."""
    from guideaudit.reports.scoring import score_sweep

    def of(sweep):
        try:
            result = score_sweep(store, sweep).result
        except Exception:  # a sweep that cannot be scored still compares its defects
            return {}
        return {u.unit: (float(u.total), u.rank) for u in result.units}

    return of


class _progress:
    """A rich bar on a terminal; nothing otherwise (the result line says what was done)."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.bar = total, label, None

    def __enter__(self):
        if not sys.stderr.isatty():
            return lambda: None
        from rich.progress import Progress

        from guideaudit.terminal import console

        self.bar = Progress(transient=True, console=console(stderr=True))
        self.bar.start()
        task = self.bar.add_task(self.label, total=self.total or 1)
        return lambda: self.bar.advance(task)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def _write(c, args) -> None:
    from guideaudit.reports.compare import CSV_HEADERS, UNIT_HEADERS, defect_rows, unit_rows

    if args.format == "json":
        text = json_text(c.to_dict(), indent=1) + "\n"
        emit(text, args.out)
    elif args.format == "csv":
        import io

        from guideaudit.outfiles import csv_writer

        buf = io.StringIO()
        writer = csv_writer(buf)
        writer.writerow(CSV_HEADERS)
        writer.writerows(defect_rows(c))
        emit(buf.getvalue(), args.out, bom=True)
    elif args.format == "xlsx":
        from guideaudit.reports.xlsx import write_comparison_workbook

        write_comparison_workbook(Path(args.out), c, UNIT_HEADERS, unit_rows(c), CSV_HEADERS, defect_rows(c))
        print(f"已写入 {args.out}", file=sys.stderr)
    else:
        _table(c, args.limit)
    if args.format != "table":
        print(c.summary(), file=sys.stderr)


def _table(c, limit: int) -> None:
    from rich.table import Table

    from guideaudit.reports.compare import CHANGE_LABELS
    from guideaudit.terminal import console as terminal_console

    console = terminal_console(width=None if sys.stdout.isatty() else 140, no_color=not sys.stdout.isatty(), soft_wrap=False)
    console.print(c.summary())
    units = Table(title=f"各单位（第 {c.from_sweep.id} 次 → 第 {c.to_sweep.id} 次）")
    for column in ("单位", "上次问题", "新增", "已整改", "仍存在", "整改率", "标记已整改但仍存在", "得分变化", "排名变化"):
        units.add_column(column, overflow="fold")
    for u in [*c.units.values(), c.totals]:
        rate = "—" if u.rectification_rate is None else f"{u.rectification_rate:.1%}"
        score = "" if u.score_change is None else f"{u.score_change:+.2f}"
        rank = "" if u.rank_change is None else f"{u.rank_change:+d}"
        units.add_row(u.unit, str(u.before), str(u.new), str(u.fixed), str(u.persisting), rate,
                      str(u.marked_fixed_but_present), score, rank)
    console.print(units)
    shown = [d for d in c.defects if d.change != "persisting" or d.marked_fixed_but_present][:limit]
    if shown:
        listing = Table(title="变化的问题", show_lines=True)
        for column in ("变化", "单位", "事项", "要素", "问题", "上次原文 → 本次原文"):
            listing.add_column(column, overflow="fold")
        for d in shown:
            label = CHANGE_LABELS[d.change] + ("（标记已整改但仍存在）" if d.marked_fixed_but_present else "")
            listing.add_row(label, d.unit, d.item_name, d.element, d.message,
                            f"{d.evidence_from[:60]} → {d.evidence_to[:60]}")
        console.print(listing)
