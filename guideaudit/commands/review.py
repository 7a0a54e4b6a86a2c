"""`guideaudit review import|export`: auditors' decisions on defects, in and out."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from guideaudit.commands import add_db_argument, open_store

HELP = "复核：导入缺陷清单中填写的复核结论（确认/误报/已整改），或导出全部复核记录"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="操作", parser_class=type(parser))
    imp = sub.add_parser("import", help="导入填写好的 缺陷清单.xlsx", description="导入填写好的 缺陷清单.xlsx：有任何问题则整份拒绝，不会只导入一部分")
    imp.add_argument("file", nargs="+", metavar="FILE.xlsx",
                     help="guideaudit report 生成并由审核人员填写的缺陷清单（可多个，如 --per-unit 发给各单位的清单；任何一份有问题则全部不导入）")
    imp.add_argument("--reviewer", metavar="姓名", help="复核人（默认：当前系统用户名）")
    imp.add_argument("--dry-run", action="store_true", help="只检查文件并报告将导入的结论，不写入数据库")
    add_db_argument(imp)
    exp = sub.add_parser("export", help="导出全部复核记录", description="导出全部复核记录（谁、何时、对哪个问题作出什么结论）")
    exp.add_argument("--format", choices=("csv", "jsonl"), default="csv", help="输出格式（默认 csv，UTF-8 带 BOM）")
    exp.add_argument("--out", metavar="FILE", help="输出文件（默认：jsonl 输出到屏幕；csv 必须指定文件）")
    exp.add_argument("--latest", action="store_true", help="每个问题只列最近一次结论")
    add_db_argument(exp)


def run(args: argparse.Namespace) -> int:
    from guideaudit.cli import UsageError

    if args.action == "import":
        return _import(args)
    if args.action == "export":
        return _export(args)
    raise UsageError("请指定操作：guideaudit review import FILE.xlsx 或 guideaudit review export")


def _import(args: argparse.Namespace) -> int:
    from guideaudit.cli import UsageError
    from guideaudit.reports.review import ReviewFileError, import_many, plan_many

    reviewer = (args.reviewer or "").strip() or getpass.getuser()
    paths = [Path(f) for f in args.file]
    store = open_store(args.db)
    try:
        plans = plan_many(store, paths) if args.dry_run else import_many(store, paths, reviewer)
    except ReviewFileError as err:
        raise UsageError(str(err)) from None
    finally:
        store.close()
    counts: dict[str, int] = {}
    decisions = {d.defect_id: d for plan in plans for d in plan.decisions}
    for d in decisions.values():
        counts[d.status] = counts.get(d.status, 0) + 1
    detail = "，".join(f"{k} {v} 条" for k, v in counts.items()) or "无"
    verb = "将导入" if args.dry_run else f"已导入（复核人：{reviewer}）"
    files = f"（{len(paths)} 个文件）" if len(paths) > 1 else ""
    print(f"{verb}复核结论 {len(decisions)} 条{files}：{detail}。")
    unchanged, blank = sum(p.unchanged for p in plans), sum(p.blank for p in plans)
    print(f"与上次相同未重复记录 {unchanged} 条，未填写状态 {blank} 条。数据库：{store.display_url}")
    if not args.dry_run and counts.get("误报"):
        print("标为误报的问题在指南内容不变时不再计入清单、指标和评分；重新运行 guideaudit report 查看结果。")
    return 0


def _export(args: argparse.Namespace) -> int:
    from guideaudit.cli import UsageError
    from guideaudit.reports.review import export_reviews

    if args.format == "csv" and not args.out:
        raise UsageError("csv 格式请用 --out 指定输出文件（或使用 --format jsonl 输出到屏幕）")
    store = open_store(args.db)
    try:
        reviews = store.reviews(latest_only=args.latest)
    finally:
        store.close()
    out = args.out or sys.stdout
    n = export_reviews(reviews, args.format, out)
    if args.out:
        print(f"已导出复核记录 {n} 条到 {args.out}（数据库：{store.display_url}）", file=sys.stderr)
    return 0
