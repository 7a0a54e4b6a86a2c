"""`guideaudit levels`: 要素规范统一 — one 事项 across units and levels must agree."""

from __future__ import annotations

import argparse
import sys

from guideaudit.commands.consistency import (
    add_source_arguments,
    load_source,
    parse_targets,
    print_table,
    write_figures,
    write_result,
)

HELP = "要素规范统一：同一事项在省、市、县各级的名称、设定依据、事项类型、法定时限是否一致；减时间减跑动对比"
FORMATS = ("table", "csv", "xlsx", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sweep", type=int, nargs="*", metavar="N", help="参与比较的抓取（可多个；默认最近一次完成的抓取）")
    parser.add_argument("--records", nargs="*", metavar="PATH", help="另加记录文件或实施清单（与 --from 合用可读第三方数据）")
    parser.add_argument("--format", choices=FORMATS, default="table", help="table（默认）、csv、xlsx、json")
    parser.add_argument("--out", metavar="FILE", help="写入文件（xlsx 必须指定）")
    parser.add_argument("--figures", metavar="FILE", help="另把各单位要素规范统一率写成指标长表 csv")
    parser.add_argument("--for", dest="targets", action="append", default=[], metavar="指标=数字",
                        help="把要素规范统一率写成方案的指标编号，如 --for D2-3（anda-2020 要素规范统一）；可重复")
    parser.add_argument("--limit", type=int, default=40, metavar="N", help="table 格式最多列出 N 条（默认 40）")
    add_source_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from guideaudit.checks.consistency import levels
    from guideaudit.errors import UsageError
    from guideaudit.reports import consistency as rep

    if args.format == "xlsx" and not args.out:
        raise UsageError("--format xlsx 需要 --out 文件名")
    records, wheres = [], []
    sweeps = list(args.sweep or [])
    if not sweeps and not args.records:
        from guideaudit.commands import chosen_sweep, open_store

        store = open_store(args.db)
        try:
            sweeps = [chosen_sweep(store, None).id]
        finally:
            store.close()
    for spec in [*map(str, sweeps), *(args.records or [])]:
        got, where, warnings = load_source(spec, args.db, args.source)
        for w in warnings:
            print(f"注意：{w}", file=sys.stderr)
        records += got
        wheres.append(where)
    lv = levels(records)
    line = (f"{'、'.join(wheres)}：{len(records)} 份指南，{len(lv.groups)} 个事项由多个单位实施，"
            f"不一致 {len(lv.deviations)} 处（涉及 {len({d.guide_id for d in lv.deviations})} 份指南）")
    if not lv.groups:
        print("注意：没有由两个以上单位实施的同一事项（按基本编码、无编码时按名称分组），无从比较", file=sys.stderr)
    if not write_result(args, lv, rep.LEVEL_HEADERS, rep.level_rows(lv), rep.levels_sheets(lv)):
        from rich.markup import escape

        from guideaudit.commands.consistency import console

        con = console()
        con.print(escape(line))
        print_table(con, "各单位要素规范统一率", rep.LEVEL_UNIT_HEADERS, rep.level_unit_rows(lv), 1000)
        print_table(con, "要素不一致（与多数值不同）", rep.LEVEL_HEADERS, rep.level_rows(lv), args.limit)
        behind = [r for r in rep.reduction_rows(lv) if r[-1]]
        print_table(con, "减时间/减跑动：落后于同事项其他单位", rep.REDUCTION_HEADERS, behind, args.limit)
    if args.figures:
        write_figures(args, rep.metrics_rows(None, lv, parse_targets(args.targets, "element_uniformity_share")))
    if args.format != "table":
        print(line, file=sys.stderr)
    return 0
