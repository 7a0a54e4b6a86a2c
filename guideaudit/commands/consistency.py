"""`guideaudit consistency`: the same 事项 in two sources (数据同源, 线上线下一致性)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from guideaudit.commands import add_db_argument, emit

HELP = "比较两个来源中的同一事项（两次抓取、抓取与实施清单）：同源率、各字段一致率、不一致清单"
FORMATS = ("table", "csv", "xlsx", "json")


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    from guideaudit.commands.sources import IMPORTERS

    parser.add_argument("--from", dest="source", choices=tuple(IMPORTERS), metavar="SOURCE",
                        help="记录文件为第三方抓取数据时先转换：" + "、".join(IMPORTERS))
    add_db_argument(parser)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"应为 0 到 1 之间的数（如 0.9），实际为 {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--a", required=True, metavar="SOURCE", help="来源 A：抓取编号 N，或实施清单 .xlsx/.csv，或记录 .jsonl")
    parser.add_argument("--b", required=True, metavar="SOURCE", help="来源 B：同上")
    parser.add_argument("--db-b", metavar="URL", help="来源 B 的抓取所在的数据库（默认与 --db 相同）")
    parser.add_argument("--format", choices=FORMATS, default="table", help="table（默认）、csv、xlsx、json")
    parser.add_argument("--out", metavar="FILE", help="写入文件（xlsx 必须指定）")
    parser.add_argument("--figures", metavar="FILE", help="另把各单位同源率、一致率写成指标长表 csv（可用于 score --metrics）")
    parser.add_argument("--for", dest="targets", action="append", default=[], metavar="指标=数字",
                        help="把某个数字写成方案的指标编号，如 --for C3-1=same_source_share（anda-2020 数据同源）、"
                             "--for 20=consistency_share（阳江 线上线下一致性）；可重复")
    parser.add_argument("--threshold", type=_share, default=0.9, metavar="X", help="受理条件相似度不低于 X 视为一致（默认 0.9）")
    parser.add_argument("--limit", type=int, default=40, metavar="N", help="table 格式最多列出 N 条（默认 40）")
    add_source_arguments(parser)


def load_source(spec: str, db: str | None, source: str | None = None) -> tuple[list, str, list[str]]:
    """(records, description, warnings) of a sweep number or a file."""
    from guideaudit.errors import UsageError

    if spec.isdigit():
        from guideaudit.commands import open_store
        from guideaudit.store import StoreError

        store = open_store(db)
        try:
            try:
                sweep = store.get_sweep(int(spec))
            except StoreError as err:
                raise UsageError(str(err)) from None
            records = list(store.records(sweep.id))
            where = f"第 {sweep.id} 次抓取（{sweep.portal}，{sweep.start_url or ''}）"
        finally:
            store.close()
        if not records:
            raise UsageError(f"{where}没有指南")
        return records, where, []
    path = Path(spec)
    if not path.exists():
        raise UsageError(f"{spec}：既不是抓取编号，也不是存在的文件")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".csv"):
        from guideaudit.checks.itemlist import load_item_list

        listing = load_item_list(path)
        if not listing.records:
            raise UsageError(f"{spec}：清单中没有事项")
        return listing.records, f"清单 {path.name}", listing.warnings
    if source:
        from guideaudit.commands.sources import importer
        from guideaudit.record import record_files

        loader = importer(source).load
        records = [r for p in record_files([path]) for r in loader(p)]
    else:
        from guideaudit.record import load_records

        records = list(load_records([path]))
    if not records:
        raise UsageError(f"{spec}：没有读到任何指南记录")
    return records, f"记录 {path.name}", []


def run(args: argparse.Namespace) -> int:
    from guideaudit.checks.consistency import Settings, consistency
    from guideaudit.errors import UsageError

    if args.format == "xlsx" and not args.out:
        raise UsageError("--format xlsx 需要 --out 文件名")
    a, where_a, warn_a = load_source(args.a, args.db, args.source)
    b, where_b, warn_b = load_source(args.b, args.db_b or args.db, args.source)
    for w in warn_a + warn_b:
        print(f"注意：{w}", file=sys.stderr)
    c = consistency(a, b, Settings(text_threshold=args.threshold), names=("来源 A", "来源 B"))
    for p in c.match.problems:
        print(f"注意：{p.message}", file=sys.stderr)
    if not c.match.pairs:
        raise UsageError(f"来源 A（{where_a}）与来源 B（{where_b}）没有任何共同的事项（编码和名称都对不上）；请确认选对了两个来源")
    write(c, args, where_a, where_b)
    return 0


def summary(c, where_a: str, where_b: str) -> str:
    m = c.match
    same = sum(u["same"] for u in c.units.values())
    return (f"A：{where_a}；B：{where_b}。确定匹配 {len(m.certain)}（完全一致 {same}），待核实匹配 {len(m.uncertain)}，"
            f"仅 A 有 {len(m.only_a)}，仅 B 有 {len(m.only_b)}，字段不一致 {len(c.differences)} 处")


def write_result(args, result, headers, rows, sheets) -> bool:
    """--format json / csv / xlsx of a consistency or levels result; False for table (the
    caller prints its own)."""
    from guideaudit.reports import consistency as rep

    if args.format == "json":
        emit(rep.json_text(result), args.out)
    elif args.format == "csv":
        emit(rep.csv_text(headers, rows), args.out, bom=True)
    elif args.format == "xlsx":
        rep.write_xlsx(Path(args.out), sheets)
        print(f"已写入 {args.out}", file=sys.stderr)
    else:
        return False
    return True


def write_figures(args, figures: list[list]) -> None:
    """--figures: the metrics long table `score --metrics` reads."""
    from guideaudit.reports import consistency as rep

    if args.figures:
        emit(rep.csv_text(("unit", "indicator", "value", "note"), figures), args.figures, bom=True)


def write(c, args, where_a: str, where_b: str) -> None:
    from guideaudit.reports import consistency as rep

    if not write_result(args, c, rep.FINDING_HEADERS, rep.finding_rows(c), rep.consistency_sheets(c)):
        table(c, args.limit, where_a, where_b)
    if args.figures:
        write_figures(args, rep.metrics_rows(c, None, parse_targets(args.targets, "same_source_share")))
    if args.format != "table":
        print(summary(c, where_a, where_b), file=sys.stderr)


FIGURES = ("same_source_share", "consistency_share", "element_uniformity_share", "hf_time_reduction_mean",
           "hf_promised_days_mean", "hf_visits_mean", "hf_zero_visit_share")


def parse_targets(specs: list[str], default: str) -> dict[str, str]:
    """--for C3-1=same_source_share (or --for D2-3, the command's own figure)."""
    from guideaudit.errors import UsageError

    out = {}
    for spec in specs:
        indicator, _, figure = spec.partition("=")
        figure = figure.strip() or default
        if not indicator.strip() or not (figure in FIGURES or figure.startswith("consistency_share:")):
            raise UsageError(f"--for {spec!r}：应为 指标编号=数字，数字为 {' / '.join(FIGURES)} 或 consistency_share:字段")
        out[indicator.strip()] = figure
    return out


def console():
    from guideaudit.terminal import console

    return console(width=None if sys.stdout.isatty() else 160, no_color=not sys.stdout.isatty(), soft_wrap=False)


def print_table(con, title: str, header, rows, limit: int) -> None:
    from rich.table import Table

    t = Table(title=title, show_lines=False)
    for h in header:
        t.add_column(h, overflow="fold")
    for row in rows[:limit]:
        t.add_row(*(str(v)[:80] for v in row))
    con.print(t)
    if len(rows) > limit:
        con.print(f"（另有 {len(rows) - limit} 条未列出，用 --format csv/xlsx 查看全部）")


def table(c, limit: int, where_a: str, where_b: str) -> None:
    from guideaudit.reports import consistency as rep

    con = console()
    con.print(summary(c, where_a, where_b))
    print_table(con, "各单位同源率", rep.UNIT_HEADERS, rep.unit_rows(c), 1000)
    print_table(con, "不一致与待核实", rep.FINDING_HEADERS, rep.finding_rows(c), limit)
