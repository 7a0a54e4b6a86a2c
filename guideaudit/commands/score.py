"""`guideaudit score`: score assessed units with a scheme, explaining every point."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from guideaudit.commands import add_db_argument

HELP = "按考核方案评分：逐单位逐指标给出数值、得分、满分和说明，以及小计、加减分、总分、等次、排名"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scheme", required=True, help="方案 id（见 guideaudit schemes list）或方案 YAML 文件路径")
    parser.add_argument("--metrics", nargs="+", action="extend", default=[], metavar="FILE",
                        help="指标数据文件（csv 或 xlsx，长表：unit,indicator,value[,period][,method][,note]），可多个")
    parser.add_argument("--sweep", type=int, default=None, metavar="N",
                        help="用第 N 次抓取的指南指标（默认最近一次完成的抓取；数据库中没有抓取时只用指标文件）")
    parser.add_argument("--records", nargs="+", action="extend", default=[], metavar="PATH",
                        help="用指南记录文件（JSON/JSONL 或文件夹）现场检查后计算指南指标，代替数据库中的抓取")
    parser.add_argument("--aliases", default=None, metavar="FILE", help="别名表（csv 或 xlsx：被考核单位,实施主体名称[,单位类型]）")
    parser.add_argument("--unit-type", default=None, metavar="T", help="只评某一类被考核单位（如 区级机关、街镇）")
    parser.add_argument("--allow-missing", action="store_true", help="适用指标缺少数据时按 0 分计并标记，而不是报错")
    parser.add_argument("--format", choices=("table", "json", "csv", "xlsx"), default="table", help="输出格式（默认 table）")
    parser.add_argument("--out", default=None, metavar="FILE", help="写入文件（xlsx 必须指定）；默认输出到屏幕")
    add_db_argument(parser)


def _uses_guides(scheme) -> bool:
    return any(leaf.source.guide for leaf in scheme.leaves())


def run(args: argparse.Namespace) -> int:
    from guideaudit.cli import UsageError
    from guideaudit.schemes import SchemeError, load_scheme, score
    from guideaudit.schemes.guides import from_records, from_store
    from guideaudit.schemes.inputs import load_metrics
    from guideaudit.schemes.units import AliasTable, check_alias_targets, load_aliases

    try:
        scheme = load_scheme(args.scheme)
    except SchemeError as err:
        raise UsageError(str(err)) from None
    if args.format == "xlsx" and not args.out:
        raise UsageError("--format xlsx 需要用 --out 指定输出文件")
    raw = []
    for path in args.metrics:
        raw.extend(load_metrics(path))
    aliases = load_aliases(args.aliases) if args.aliases else AliasTable()
    guide = None
    if args.records:
        guide = from_records(args.records)
    elif _uses_guides(scheme) or args.sweep is not None:
        from guideaudit.paths import default_db_url

        guide = from_store(args.db or default_db_url(), args.sweep, required=args.sweep is not None)
    known = [u for names in scheme.units.values() for u in names]
    check_alias_targets(aliases, list(guide.groups) if guide else [], known)
    labels = "、".join(Path(p).name for p in args.metrics) or "metrics file"
    result = score(scheme, raw, unit_type=args.unit_type, allow_missing=args.allow_missing, guide=guide,
                   aliases=aliases, metrics_label=f"指标文件 {labels}")
    note = getattr(guide, "source_note", None) if guide else None
    for warning in ([note] if note else []) + result.warnings[:20]:
        print(f"提示：{warning}", file=sys.stderr)
    if len(result.warnings) > 20:
        print(f"提示：另有 {len(result.warnings) - 20} 条提示未显示", file=sys.stderr)
    from guideaudit.schemes.output import render

    render(result, args.format, args.out)
    return 0
