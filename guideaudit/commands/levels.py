"""`guideaudit levels`: 要素规范统一 — one 事项 across units and levels must agree — and the
减时间/减跑动 comparison of high-frequency 事项 across levels."""

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

HELP = "要素规范统一：同一事项在省、市、县各级的名称、编码、设定依据、事项类型、法定时限是否一致；高频事项减时间减跑动对比"
FORMATS = ("table", "csv", "xlsx", "json")
PARTS = {"deviations": "要素不一致", "reductions": "减时间减跑动（各层级）", "guides": "减时间减跑动（各单位）",
         "units": "各单位要素规范统一率"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sweep", type=int, nargs="+", action="extend", metavar="N",
                        help="参与比较的抓取（--sweep 1 --sweep 2 或 --sweep 1 2；默认最近一次完成的抓取）")
    parser.add_argument("--records", nargs="+", action="extend", metavar="PATH",
                        help="另加记录文件或实施清单（与 --from 合用可读第三方数据）")
    parser.add_argument("--high-frequency", metavar="FILE",
                        help="高频事项清单 .xlsx/.csv（表头「事项名称」和/或「基本编码」，每行一个事项）；"
                             "不给时取各层级都有的办理项，按实施单位数排序")
    parser.add_argument("--top", type=int, default=None, metavar="N",
                        help="不给清单时比较前 N 个办理项（默认 20，0 为全部）")
    parser.add_argument("--format", choices=FORMATS, default="table", help="table（默认）、csv、xlsx、json")
    parser.add_argument("--part", choices=tuple(PARTS), default="deviations",
                        help="csv 写哪一张表：deviations 要素不一致（默认）、reductions 减时间减跑动各层级、"
                             "guides 减时间减跑动各单位、units 要素规范统一率")
    parser.add_argument("--out", metavar="FILE", help="写入文件（xlsx 必须指定）")
    parser.add_argument("--figures", metavar="FILE",
                        help="另把各单位要素规范统一率、高频事项的平均压缩比（hf_time_reduction_mean）、平均承诺天数、"
                             "平均到现场次数、零跑动占比写成指标长表 csv")
    parser.add_argument("--for", dest="targets", action="append", default=[], metavar="指标=数字",
                        help="把某个数字写成方案的指标编号，如 --for D2-3（要素规范统一率）、"
                             "--for A4-1=hf_time_reduction_mean（高频事项减时间）；可重复")
    parser.add_argument("--limit", type=int, default=40, metavar="N", help="table 格式最多列出 N 条（默认 40）")
    add_source_arguments(parser)


def selection(args: argparse.Namespace):
    from guideaudit.checks.levels import DEFAULT_TOP, Selection, load_high_frequency
    from guideaudit.errors import UsageError
    from guideaudit.record import RecordError

    if args.top is not None and args.top < 0:
        raise UsageError(f"--top {args.top}：应为 0（全部）或正整数")
    if not args.high_frequency:
        return Selection(top=DEFAULT_TOP if args.top is None else args.top)
    if args.top is not None:
        raise UsageError("--top 只在没有 --high-frequency 清单时使用（清单里的事项全部比较）")
    try:
        wanted, warnings = load_high_frequency(args.high_frequency)
    except RecordError as err:
        raise UsageError(f"高频事项清单 {err}") from None
    return Selection(wanted=wanted, source=args.high_frequency, warnings=warnings)


def run(args: argparse.Namespace) -> int:
    from guideaudit.checks.levels import levels
    from guideaudit.errors import UsageError
    from guideaudit.reports import consistency as rep

    if args.format == "xlsx" and not args.out:
        raise UsageError("--format xlsx 需要 --out 文件名")
    chosen = selection(args)
    for w in chosen.warnings:
        print(f"注意：{w}", file=sys.stderr)
    records, wheres = [], []
    sweeps = list(args.sweep or [])
    if not sweeps and not args.records:
        from guideaudit.commands import chosen_sweep, open_store

        store = open_store(args.db)
        try:
            sweeps = [chosen_sweep(store, None).id]
        finally:
            store.close()
    if len(set(sweeps)) != len(sweeps):
        raise UsageError(f"--sweep {' '.join(map(str, sweeps))}：同一次抓取给了两遍")
    for spec in [*map(str, sweeps), *(args.records or [])]:
        got, where, warnings = load_source(spec, args.db, args.source)
        for w in warnings:
            print(f"注意：{w}", file=sys.stderr)
        records += got
        wheres.append(where)
    lv = levels(records, chosen)
    cmp = lv.comparison
    for w in cmp.unmatched:
        print(f"注意：{w}", file=sys.stderr)
    behind = rep.reduction_rows(lv, behind_only=True)
    line = (f"{'、'.join(wheres)}：{len(records)} 份指南，{len(lv.groups)} 个事项由多个单位实施，"
            f"要素不一致 {len(lv.deviations)} 处（涉及 {len({d.guide_id for d in lv.deviations})} 份指南）；"
            f"减时间减跑动：{cmp.how}，落后于同办理项最优单位的指南 {len(behind)} 份")
    if not lv.groups:
        print("注意：没有由两个以上单位实施的同一事项（按基本编码、无编码时按名称分组），无从比较", file=sys.stderr)
    tables = {"deviations": (rep.LEVEL_HEADERS, rep.level_rows(lv)),
              "reductions": (rep.REDUCTION_ITEM_HEADERS, rep.reduction_item_rows(lv)),
              "guides": (rep.REDUCTION_HEADERS, rep.reduction_rows(lv)),
              "units": (rep.LEVEL_UNIT_HEADERS, rep.level_unit_rows(lv))}
    header, rows = tables[args.part]
    if not write_result(args, lv, header, rows, rep.levels_sheets(lv)):
        from guideaudit.commands.consistency import console

        con = console()
        con.print(line)
        print_table(con, "各单位要素规范统一率", rep.LEVEL_UNIT_HEADERS, rep.level_unit_rows(lv), 1000)
        print_table(con, "要素不一致（与多数值不同）", rep.LEVEL_HEADERS, rep.level_rows(lv), args.limit)
        print_table(con, f"减时间/减跑动：高频办理项各层级对比（{cmp.how}）", rep.BRIEF_ITEM_HEADERS,
                    rep.brief_item_rows(lv), args.limit)
        print_table(con, "减时间/减跑动：落后于同办理项最优单位的指南", rep.BRIEF_BEHIND_HEADERS, rep.brief_behind_rows(lv), args.limit)
    if args.figures:
        write_figures(args, rep.metrics_rows(None, lv, parse_targets(args.targets, "element_uniformity_share")))
    if args.format != "table":
        print(line, file=sys.stderr)
    return 0
