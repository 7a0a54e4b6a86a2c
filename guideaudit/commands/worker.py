"""guideaudit worker: a worker of distributed sweeps (docs/distributed.md)."""

from __future__ import annotations

import argparse

from guideaudit.commands import add_db_argument

HELP = "分布式抓取的工作进程：从 Redis 共享队列取请求抓取，写入同一数据库（可在多台机器上运行任意多个）"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--redis", required=True, metavar="URL", help="分布式抓取的 Redis，与 guideaudit sweep --redis 相同")
    add_db_argument(parser)
    parser.add_argument("--sweep", type=int, metavar="N", help="只参加第 N 次抓取，完成后退出（默认：常驻，参加出现的每次抓取）")
    parser.add_argument("--once", action="store_true", help="参加一次抓取后退出")
    parser.add_argument("--prefix", default="guideaudit", metavar="NAME",
                        help="Redis 键前缀（与抓取的 --set GUIDEAUDIT_REDIS_PREFIX 相同；默认 guideaudit）")
    parser.add_argument("--log", metavar="FILE", help="与 --sweep 同用：日志文件（默认：数据目录 logs/ 下每个工作进程一个文件）")


def run(args: argparse.Namespace) -> int:
    from guideaudit.cli import UsageError
    from guideaudit.crawler.distributed.queue import RedisUnavailable
    from guideaudit.crawler.distributed.worker import WorkerInputError, run_worker, serve
    from guideaudit.store import StoreError

    if args.sweep is not None and args.sweep < 1:
        raise UsageError("--sweep 应为正整数")
    say = lambda text: print(text, flush=True)  # noqa: E731
    try:
        if args.sweep is not None:
            return run_worker(args.redis, args.db, args.sweep, args.log, prefix=args.prefix, say=say)
        return serve(args.redis, args.db, once=args.once, prefix=args.prefix, say=say)
    except (WorkerInputError, RedisUnavailable, StoreError) as err:
        raise UsageError(str(err)) from None
