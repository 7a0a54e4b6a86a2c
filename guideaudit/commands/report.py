"""`guideaudit report`: defect lists, scorecards and the HTML report from a stored sweep."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from guideaudit.commands import add_db_argument, chosen_sweep, open_store

HELP = "生成报告：缺陷清单（xlsx/csv）、评分表（xlsx）和 HTML 报告，均取自已存储的抓取结果"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sweep", type=int, metavar="N", help="抓取批次（默认：最近一次完成的抓取）")
    parser.add_argument("--scheme", metavar="ID", help="评分方案（默认：anda-2020 中由指南得出的部分）；guideaudit schemes list 列出全部")
    parser.add_argument("--metrics", nargs="+", default=[], metavar="FILE", help="其他指标数据（csv/xlsx，长表：unit,indicator,value[,period][,note]）")
    parser.add_argument("--aliases", metavar="FILE", help="别名表：被考核单位,实施主体名称[,单位类型]")
    parser.add_argument("--unit-type", metavar="T", help="只评某一类单位（方案有多类单位时）")
    parser.add_argument("--allow-missing", action="store_true", help="缺数据的适用指标按 0 分计并标记，而不是报错")
    parser.add_argument("--out", required=True, metavar="DIR", help="输出目录（不存在则创建）")
    add_db_argument(parser)
    parser.add_argument("--quiet", action="store_true", help="不显示进度")
    parser.add_argument("--consistency", action="append", default=[], metavar="FILE.json",
                        help="加入「数据同源」一节：guideaudit consistency --format json 的结果文件；"
                             "guideaudit levels --format json 的结果加入要素规范统一与减时间减跑动（可各给一个）")
    parser.add_argument("--per-unit", action="store_true", help="另为每个单位写一份缺陷清单（各单位缺陷清单/单位名.xlsx），发给各单位；填好后可一起导入")


class _RichProgress:
    def __init__(self, progress) -> None:
        self.p = progress
        self.task = None

    def start(self, label: str, total: int | None = None) -> None:
        if self.task is not None:
            task = self.p.tasks[-1]
            self.p.update(self.task, completed=task.total or task.completed)
        self.task = self.p.add_task(label, total=total or 1)

    def advance(self, n: int = 1) -> None:
        if self.task is not None:
            self.p.advance(self.task, n)

    def done(self) -> None:
        if self.task is not None:
            task = self.p.tasks[-1]
            self.p.update(self.task, completed=task.total or task.completed)


def _consistency(paths: list[str]) -> dict | None:
    """`consistency --format json` and/or `levels --format json` results (one of each at most),
    merged for the report's section (the levels part under "levels"), or a Chinese error naming
    the file."""
    import json

    from guideaudit.cli import UsageError

    merged: dict = {}
    expected = "不是 guideaudit consistency 或 levels --format json 的结果"
    for path in paths:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
        except OSError as err:
            raise UsageError(f"{path}：无法读取（{err.strerror}）") from None
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise UsageError(f"{path}：不是合法的 JSON，{expected}") from None
        if not isinstance(data, dict) or not isinstance(data.get("units"), dict):
            raise UsageError(f"{path}：{expected}（缺少 units，以及 differences 或 deviations）")
        if "differences" in data:
            kind, part = "consistency", data
        elif isinstance(data.get("deviations"), list):
            kind, part = "levels", {"levels": data}
        else:
            raise UsageError(f"{path}：{expected}（缺少 units，以及 differences 或 deviations）")
        if kind in merged:
            raise UsageError(f"--consistency {path}：已给过一个 {kind} 的结果（{merged[kind]}），每种只能给一个")
        merged[kind] = path
        merged.setdefault("data", {}).update(part)
    return merged.get("data")


def run(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from guideaudit.cli import UsageError
    from guideaudit.reports.build import ScoreOptions, build_report
    from guideaudit.schemes import SchemeError

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}：是一个已存在的文件；应为输出文件夹（报告的几个文件写在其中）")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"--out {out}：无法创建输出文件夹（{err.strerror}）") from None
    store = open_store(args.db)
    try:
        sweep = chosen_sweep(store, args.sweep)
        for path in [*args.metrics, *([args.aliases] if args.aliases else [])]:
            if not Path(path).is_file():
                raise UsageError(f"{path}：文件不存在")
        options = ScoreOptions(args.scheme, tuple(args.metrics), args.aliases, args.unit_type, args.allow_missing)
        consistency = _consistency(args.consistency)
        from guideaudit.terminal import console as terminal_console

        console = terminal_console(stderr=True)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, disable=args.quiet, transient=False) as bar:
            progress = _RichProgress(bar)
            try:
                built = build_report(store, sweep, Path(args.out), options, progress, per_unit=args.per_unit,
                                     consistency=consistency)
            except SchemeError as err:
                raise UsageError(str(err)) from None
            progress.done()
    finally:
        store.close()
    d = built.defects
    total = d.total
    rate = total.pass_rate()
    print(
        f"第 {sweep.id} 次抓取（{sweep.portal}）：指南 {total.guides} 个，问题 {len(d.rows)} 条"
        f"（已排除误报 {d.dismissed} 条），要素合格率 {'—' if rate is None else f'{rate * 100:.1f}%'}。"
    )
    print(f"评分：{built.scoring.scheme.name}，{len(built.cards)} 个单位。")
    if built.scoring.note:
        print(built.scoring.note)
    for w in built.scoring.warnings[:5]:
        print(f"提示：{w}", file=sys.stderr)
    print("已生成：")
    for path in built.files:
        print(f"  {path}")
    print(f"数据库：{store.display_url}")
    print(f"复核：在 {built.files[0].name} 的「状态」列填写 确认/误报/已整改 后运行 guideaudit review import {built.files[0]}")
    return 0
