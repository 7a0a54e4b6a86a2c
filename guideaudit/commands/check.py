"""guideaudit check: check guide records element by element."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from guideaudit.checks.elements import ELEMENTS
from guideaudit.commands.sources import IMPORTERS
from guideaudit.record import GuideRecord, RecordError, load_records, record_files
from guideaudit.text import json_text

HELP = "逐要素检查办事指南记录（JSON/JSONL 或文件夹），输出缺陷清单"

FORMATS = ("table", "jsonl", "csv")

SOURCES = tuple(IMPORTERS)
CSV_COLUMNS = [
    "id", "item_name", "agency", "url", *ELEMENTS, "rule", "element", "severity", "message", "evidence",
    "suggestion", "reasons",
]


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="记录文件（.json/.jsonl）或文件夹")
    parser.add_argument("--settings", metavar="FILE", help="检查设置文件（YAML/JSON），未知设置项会报错")
    parser.add_argument(
        "--from", dest="source", choices=SOURCES, metavar="SOURCE",
        help="输入为第三方抓取数据，先转换为规范记录：" + "、".join(SOURCES),
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument("--format", choices=FORMATS, default="table", help="输出格式：table（默认）、jsonl、csv")
    parser.add_argument("--out", metavar="FILE", help="写入文件（默认输出到屏幕）")
    parser.add_argument("--limit", type=int, default=30, metavar="N", help="table 格式最多列出 N 个有缺陷的事项（默认 30）")


def settings_from(args: argparse.Namespace):
    """The CheckSettings the arguments ask for. What a --from source cannot show travels on its
    records (record.uncaptured), not in the settings."""
    from guideaudit.checks.settings import DEFAULT_SETTINGS, SettingsError, load_settings
    from guideaudit.cli import UsageError

    try:
        settings = load_settings(args.settings) if args.settings else DEFAULT_SETTINGS
    except SettingsError as err:
        raise UsageError(str(err)) from None
    return settings


def iter_records(args: argparse.Namespace) -> Iterator[GuideRecord]:
    """The records of the input files; none at all (an empty file, a folder without record
    files) is the user's to fix, not a clean result."""
    if not args.source:
        records = load_records(args.paths)
        expected = "指南记录（.json 对象或数组、.jsonl 每行一条）"
    else:
        from guideaudit.commands.sources import importer

        source = importer(args.source)
        records = source.load_files(record_files(args.paths))
        expected = source.title + " 的导出文件"
    count = 0
    for record in records:
        count += 1
        yield record
    if not count:
        raise RecordError("、".join(map(str, args.paths)), None, None, f"没有读到任何指南记录；应为{expected}")


@contextmanager
def output(path: str | None) -> Iterator[IO[str]]:
    if not path:
        yield sys.stdout
        return
    from guideaudit.outfiles import atomic_open

    with atomic_open(path, newline="") as handle:
        yield handle


def run(args: argparse.Namespace) -> int:
    from guideaudit.checks import check_guide

    settings = settings_from(args)
    results = (check_guide(record, settings) for record in iter_records(args))
    with output(args.out) as out:
        if args.format == "jsonl":
            for result in results:
                out.write(json_text(result.to_dict()) + "\n")
        elif args.format == "csv":
            write_csv(results, out)
        else:
            write_table(results, out, args.limit)
    return 0


def write_csv(results, out: IO[str]) -> None:
    """One row per defect (a guide without defects gets one row with empty defect columns)."""
    from guideaudit.outfiles import csv_writer

    writer = csv_writer(out)
    writer.writerow(CSV_COLUMNS)
    row = writer.writerow

    for result in results:
        head = [result.id, result.item_name or "", result.agency or "", result.url or "", *result.elements.values()]
        reasons = result.reasons
        if not result.defects:
            row(head + [""] * 6 + ["；".join(f"{k}：{v}" for k, v in reasons.items())])
        for d in result.defects:
            row(head + [d.rule, d.element, d.severity, d.message, d.evidence, d.suggestion, ""])


def write_table(results, out: IO[str], limit: int) -> None:
    from rich.table import Table

    from guideaudit.checks.registry import RULES
    from guideaudit.terminal import console as terminal_console
    from guideaudit.vocab import severity_label

    console = terminal_console(file=out, width=None if out.isatty() else 140, no_color=not out.isatty(), soft_wrap=False)
    verdicts: dict[str, Counter] = {code: Counter() for code in ELEMENTS}
    rules: Counter = Counter()
    total = with_errors = shown = 0
    listing = Table(title="有缺陷的事项", show_lines=True)
    for column in ("事项", "实施主体", "要素", "问题", "公布内容"):
        listing.add_column(column, overflow="fold")
    for result in results:
        total += 1
        for code, verdict in result.elements.items():
            verdicts[code][verdict] += 1
        for d in result.defects:
            rules[(d.rule, d.severity)] += 1
        if result.errors:
            with_errors += 1
        if result.defects and shown < limit:
            shown += 1
            for i, d in enumerate(result.defects):
                flag = "" if d.severity == "error" else f"（{severity_label(d.severity)}）"
                listing.add_row(
                    (result.item_name or result.id) if i == 0 else "",
                    (result.agency or "") if i == 0 else "",
                    f"{d.element}{flag}",
                    d.message,
                    d.evidence[:120],
                )
    unsure = sum(c["incomplete"] for c in verdicts.values())
    console.print(
        f"共检查 {total} 个事项，{with_errors} 个有错误（提示不计）；"
        f"待核实要素 {unsure} 个（来源未采集或无法核验，不计为问题）。"
    )
    summary = Table(title="各要素检查结果")
    for column in ("要素", "名称", "通过", "不通过", "待核实", "不适用", "不通过率"):
        summary.add_column(column)
    for code, name in ELEMENTS.items():
        c = verdicts[code]
        judged = c["pass"] + c["fail"]
        rate = f"{c['fail'] / judged:.1%}" if judged else "-"
        summary.add_row(code, name, str(c["pass"]), str(c["fail"]), str(c["incomplete"]), str(c["na"]), rate)
    console.print(summary)
    console.print("不通过率 = 不通过 ÷（通过 + 不通过）；待核实的要素不计入。")
    if rules:
        by_rule = Table(title="各规则缺陷数")
        for column in ("规则", "名称", "级别", "数量"):
            by_rule.add_column(column)
        for (rule, severity), count in rules.most_common():
            by_rule.add_row(rule, RULES[rule].name if rule in RULES else "", severity_label(severity), str(count))
        console.print(by_rule)
    if shown:
        console.print(listing)
        if with_errors > shown:
            console.print(f"（仅列出前 {shown} 个有缺陷的事项；完整清单请用 --format jsonl 或 csv）")
