"""guideaudit indicators: guide-derived indicators per 实施主体 or other grouping."""

from __future__ import annotations

import argparse
from typing import IO

from guideaudit.commands.check import add_input_arguments, iter_records, output, settings_from

HELP = "由办事指南计算指标（准确度、减时间、即办、跑动、网办深度等），按实施主体或其他方式分组"

GROUP_BY = ("agency", "item_type", "level", "portal")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument("--by", choices=GROUP_BY, default="agency", help="分组：agency（默认）、item_type、level、portal")
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table", help="输出格式")
    parser.add_argument("--out", metavar="FILE", help="写入文件（默认输出到屏幕）")


def run(args: argparse.Namespace) -> int:
    from guideaudit.checks import check_guide
    from guideaudit.checks.indicators import compute_indicators

    settings = settings_from(args)
    pairs = ((record, check_guide(record, settings)) for record in iter_records(args))  # one streaming pass
    groups = compute_indicators(pairs, args.by, settings, overall=True)
    with output(args.out) as out:
        if args.format == "json":
            data = {group: {name: ind.to_dict() for name, ind in inds.items()} for group, inds in groups.items()}
            from guideaudit.text import json_text

            out.write(json_text({"by": args.by, "groups": data}, indent=1) + "\n")
        elif args.format == "csv":
            from guideaudit.outfiles import csv_writer

            writer = csv_writer(out)
            writer.writerow(["group", "indicator", "label", "value", "n"])
            for group, inds in groups.items():
                for ind in inds.values():
                    writer.writerow((group, ind.name, ind.label, "" if ind.value is None else f"{ind.value:.6g}", ind.n))
        else:
            _table(groups, out)
    return 0


def _fmt(name: str, value: float | None) -> str:
    if value is None:
        return "-"
    if name.endswith("_mean"):
        return f"{value:.2f}"
    return f"{value:.1%}"


def _table(groups, out: IO[str]) -> None:
    from rich.table import Table

    from guideaudit.terminal import console as terminal_console

    console = terminal_console(file=out, width=None if out.isatty() else 140, no_color=not out.isatty())
    for group, inds in groups.items():
        table = Table(title=group)
        for column in ("指标", "名称", "值", "计算事项数"):
            table.add_column(column)
        for ind in inds.values():
            table.add_row(ind.name, ind.label, _fmt(ind.name, ind.value), str(ind.n))
        console.print(table)
