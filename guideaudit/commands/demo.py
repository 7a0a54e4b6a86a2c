"""guideaudit demo: serve the fixture portal on loopback and sweep it end to end."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

from guideaudit.commands import add_db_argument, open_store

HELP = "演示：在本机启动模拟政务服务网，抓取三类门户全部指南，逐份检查并保存（无需联网）"

FAMILIES = (("fixture-html", "服务器渲染网页"), ("fixture-api", "JSON 接口"), ("fixture-js", "需浏览器渲染的 JS 页面"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_db_argument(parser)
    parser.add_argument("--guides", type=int, default=2400, metavar="N", help="模拟门户上的指南数（默认 2400）")
    parser.add_argument("--seed", type=int, default=2026, help="模拟数据的随机种子（默认 2026）")
    parser.add_argument("--no-browser", action="store_true", help="不抓需要浏览器的 JS 类门户")


def choose_profiles(no_browser: bool, say) -> list[str]:
    profiles = [name for name, _ in FAMILIES]
    if no_browser:
        say("按要求跳过 JS 类门户（--no-browser）。")
        return profiles[:2]
    from guideaudit.browser import BrowserNotFound, chromium_path

    try:
        chromium_path()
    except BrowserNotFound as err:
        say(f"注意：{err}")
        say("没有浏览器，跳过需浏览器渲染的 JS 类门户，只抓另外两类。")
        return profiles[:2]
    return profiles


def defect_summary(store, sweep_id: int) -> tuple[Counter, Counter, int]:
    """(errors per element, warnings per element, guides with at least one error)."""
    errors: Counter = Counter()
    warnings: Counter = Counter()
    failing = 0
    for guide in store.guides(sweep_id):
        has_error = False
        for d in guide.defects:
            if d.dismissed:
                continue
            if d.severity == "error":
                errors[d.element] += 1
                has_error = True
            else:
                warnings[d.element] += 1
        failing += has_error
    return errors, warnings, failing


def run(args: argparse.Namespace) -> int:
    from guideaudit.checks.elements import ALL_CODES
    from guideaudit.cli import UsageError
    from guideaudit.crawler.sweep import (
        SweepInputError,
        SweepOptions,
        run_sweep,
        summary_lines,
    )
    from guideaudit.fixtures.portal import FixturePortal
    from guideaudit.store import StoreError

    if args.guides < 1:
        raise UsageError("--guides 应为正整数")

    def say(text: str) -> None:
        print(text, flush=True)

    profiles = choose_profiles(args.no_browser, say)
    began = time.monotonic()
    say(f"启动模拟政务服务网（{args.guides} 份指南，仅监听 127.0.0.1）…")
    with FixturePortal(n_guides=args.guides, seed=args.seed, port=0, process=True) as portal:
        say(f"模拟门户：{portal.base_url}/")
        say("抓取：" + "、".join(f"{label}（{name}）" for name, label in FAMILIES if name in profiles))
        try:
            outcome = run_sweep(
                SweepOptions(profiles=profiles, base_url=portal.base_url, db_url=args.db), say=say
            )
        except (SweepInputError, StoreError) as err:
            raise UsageError(str(err)) from None
    if outcome.sweep is None:
        print(f"错误：{outcome.message}", file=sys.stderr)
        return outcome.exit_code
    sweep = outcome.sweep
    say("")
    for line in summary_lines(sweep):
        say(line)
    store = open_store(args.db)
    try:
        errors, warnings, failing = defect_summary(store, sweep.id)
        guides = sweep.counts.get("guides", 0)
        say("")
        say(f"共检查 {guides} 份指南，其中 {failing} 份至少有一个错误。按要素统计的问题：")
        for code in sorted(set(errors) | set(warnings), key=lambda c: list(ALL_CODES).index(c) if c in ALL_CODES else 99):
            parts = [f"错误 {errors[code]} 个"] if errors.get(code) else []
            if warnings.get(code):
                parts.append(f"提示 {warnings[code]} 个")
            say(f"  {code} {ALL_CODES.get(code, '')}：{'，'.join(parts)}")
        unsure = store.verdict_counts(sweep.id).get("incomplete", 0)
        say(f"待核实要素：{unsure} 个（附件无法下载核验或来源未采集，需人工核实，不计为问题；见报告的「待核实」）")
        failures = store.fetch_failures(sweep.id)
        say(f"无法获取的页面：{len(failures)} 个（属于抓取问题，不计入指南问题）")
        for f in failures[:5]:
            say(f"  {f['status'] or '-'} {f['url']}：{f['error'] or ''}")
        say("")
        say(f"结果保存在数据库：{store.display_url}（第 {sweep.id} 次抓取）")
        say(f"抓取日志：{sweep.log_path}")
        say(f"用时 {time.monotonic() - began:.0f} 秒。")
        db = f" --db {args.db}" if args.db else ""
        say("下一步：")
        say(f"  guideaudit report --out 报告{db}            # 生成审计报告")
        say(f"  guideaudit export defects --format csv --out 问题清单.csv{db}")
        say(f"  guideaudit sweeps{db}                        # 查看历次抓取")
    finally:
        store.close()
    return outcome.exit_code
