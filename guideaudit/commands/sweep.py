"""guideaudit sweep: crawl a portal, check every guide and store the sweep."""

from __future__ import annotations

import argparse
import sys

from guideaudit.commands import add_db_argument

HELP = "抓取门户上的办事指南，逐份检查并保存为一次抓取（可续抓，适合定时任务）"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数，实际为 {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，实际为 {text!r}")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为 0 或正整数，实际为 {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"应为 0 或正整数，实际为 {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "portal", nargs="*", metavar="门户配置",
        help="门户配置名（crawler/profiles/*.yaml，如 fixture-html guangdong）；可给多个，合为一次抓取",
    )
    parser.add_argument("--url", help="不用配置，从这个起始网址用通用爬虫抓取（只跟随本站链接）")
    parser.add_argument("--base-url", help="门户根地址（本地演示门户 fixture-* 配置需要，如 http://127.0.0.1:8765）")
    add_db_argument(parser)
    parser.add_argument(
        "--resume", nargs="?", const=0, type=_positive, metavar="N",
        help="续抓：继续该门户最近一次未完成的抓取（或第 N 次），已保存的指南不再抓取",
    )
    parser.add_argument(
        "--incremental", action="store_true",
        help="增量抓取：与该门户最近一次完成的抓取对照，未变化的指南（304、列表更新时间未变、内容相同）不再解析和检查，沿用上次结果",
    )
    parser.add_argument("--max-guides", type=_positive, metavar="N", help="最多保存 N 份指南后停止（试抓）")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="覆盖 Scrapy 设置，可重复，如 --set DOWNLOAD_DELAY=2 --set ROBOTSTXT_OBEY=True",
    )
    parser.add_argument("--log", metavar="FILE", help="日志文件（默认：数据目录 logs/ 下每次抓取一个文件）")
    parser.add_argument(
        "--redis", metavar="URL",
        help="分布式抓取：在这个 Redis（如 redis://127.0.0.1:6379/0）建立共享队列，由工作进程抓取（见 docs/distributed.md）",
    )
    parser.add_argument(
        "--workers", type=_non_negative, default=None, metavar="N",
        help="与 --redis 同用：在本机启动 N 个工作进程（默认 2）；0 表示只建立队列并等待别处启动的 guideaudit worker",
    )
    parser.add_argument("--settings", metavar="FILE", help="检查设置文件（YAML/JSON，与 check --settings 相同），记入本次抓取的检查口径")


def _since_last(sweep, db_url: str | None) -> str | None:
    """新增 / 已整改 / 整改率 against the previous complete sweep of the same portal, counted in the
    database (`guideaudit compare` gives the same figures with every row)."""
    from guideaudit.commands import open_store
    from guideaudit.reports.compare import compare_totals, latest_pair

    store = open_store(db_url)
    try:
        pair = latest_pair(store, sweep.id)
        return compare_totals(store, *pair).summary() if pair else None
    finally:
        store.close()


def run(args: argparse.Namespace) -> int:
    from guideaudit.cli import UsageError
    from guideaudit.crawler.sweep import (
        SweepInputError,
        SweepOptions,
        parse_overrides,
        run_sweep,
        summary_lines,
    )
    from guideaudit.store import StoreError

    if args.portal and args.url:
        raise UsageError("门户配置名和 --url 只能给一个")
    if args.workers is not None and not args.redis:
        raise UsageError("--workers 需要 --redis（分布式抓取）")
    if args.settings:
        import os

        from guideaudit.checks.settings import SETTINGS_ENV, SettingsError, load_settings

        try:
            load_settings(args.settings)  # refused here, before any fetch, with file and key
        except SettingsError as err:
            raise UsageError(str(err)) from None
        # the crawl, the store writer and the extraction workers all read it from here
        os.environ[SETTINGS_ENV] = os.path.abspath(args.settings)
    try:
        options = SweepOptions(
            profiles=list(dict.fromkeys(args.portal)),
            url=args.url,
            base_url=args.base_url,
            db_url=args.db,
            resume=args.resume,
            max_guides=args.max_guides,
            overrides=parse_overrides(args.set),
            log_file=args.log,
            incremental=args.incremental,
        )
        say = lambda text: print(text, flush=True)  # noqa: E731
        if args.redis:
            from guideaudit.crawler.distributed.coordinator import (
                DistributedOptions,
                run_distributed,
            )

            dist = DistributedOptions(args.redis, 2 if args.workers is None else args.workers,
                                      prefix=options.overrides.get("GUIDEAUDIT_REDIS_PREFIX", "guideaudit"))
            outcome = run_distributed(options, dist, say=say)
        else:
            outcome = run_sweep(options, say=say)
    except (SweepInputError, StoreError) as err:
        raise UsageError(str(err)) from None
    if outcome.sweep is None:
        print(f"错误：{outcome.message}", file=sys.stderr)
        return outcome.exit_code
    for line in summary_lines(outcome.sweep, args.db):
        print(line)
    if outcome.sweep.status in ("complete", "partial"):
        line = _since_last(outcome.sweep, args.db)
        if line:
            print("  " + line)
    if outcome.sweep.log_path:
        print(f"  日志：{outcome.sweep.log_path}")
    return outcome.exit_code
