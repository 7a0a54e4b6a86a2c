"""Run one spider to a JSON Lines file, without the sweep's store:

    python -m guideaudit.crawler.runner --profile fixture-html --base-url http://127.0.0.1:8765 \
        --out guides.jsonl [--stats stats.json] [--max-guides N] [--set KEY=VALUE …]

Used by the crawler's tests (a Scrapy reactor runs once per process, so each crawl is a
subprocess) and handy to try a profile by hand. On loopback, throttling is off (crawler/addons.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def build_settings(out: str, overrides: dict[str, str]):
    """The project's settings (no GUIDEAUDIT_DB: no sweep, no check, no store; loopback pace by
    its add-on), JSONL output."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("guideaudit.crawler.settings", priority="project")
    settings.set("GUIDEAUDIT_JSONL_OUT", out, priority="cmdline")
    settings.setdict(overrides, priority="cmdline")
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m guideaudit.crawler.runner",
                                     description="运行一个爬虫，把指南记录写入 JSON Lines 文件")
    parser.add_argument("--profile")
    parser.add_argument("--url")
    parser.add_argument("--base-url")
    parser.add_argument("--out", required=True)
    parser.add_argument("--stats")
    parser.add_argument("--max-guides", type=int)
    parser.add_argument("--max-pages", type=int)
    parser.add_argument("--skip-urls-file", help="已抓取的指南网址（每行一个），不再请求")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    if not args.profile and not args.url:
        parser.error("需要 --profile 或 --url")

    from scrapy.crawler import CrawlerProcess

    from .spiders import spider_for

    overrides = dict(pair.split("=", 1) for pair in args.set)
    settings = build_settings(args.out, overrides)
    spider = spider_for(args.profile, args.url)
    kwargs = {k: v for k, v in {
        "profile": args.profile, "url": args.url, "base_url": args.base_url,
        "max_guides": args.max_guides, "max_pages": args.max_pages,
        "skip_urls_file": args.skip_urls_file,
    }.items() if v is not None}
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(spider)
    started = time.monotonic()
    process.crawl(crawler, **kwargs)
    process.start()
    elapsed = time.monotonic() - started
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
    stats["elapsed_seconds"] = elapsed
    if args.stats:
        with open(args.stats, "w", encoding="utf-8") as fh:
            json.dump(stats, fh, ensure_ascii=False, indent=1, default=str)
    return 0 if stats.get("finish_reason") == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
