"""`guideaudit import --from NAME FILE… [--portal NAME] [--db URL]`: a third party's export of
a real portal, checked and stored as one complete sweep, so `report`, `review`, `score` and
`export` work on it exactly as on a crawl (a data office often has an export, not a crawler)."""

from __future__ import annotations

import argparse
import sys

from guideaudit.commands import add_db_argument, open_store
from guideaudit.commands.sources import IMPORTERS

HELP = "把第三方导出的真实门户数据（--from 来源）检查后作为一次抓取存入数据库，之后可用 report/review/score"

BATCH = 500


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="导出文件或文件夹")
    parser.add_argument(
        "--from", dest="source", required=True, choices=tuple(IMPORTERS), metavar="SOURCE",
        help="数据来源：" + "、".join(IMPORTERS),
    )
    parser.add_argument("--portal", help="记为哪个门户（默认：来源名称）")
    parser.add_argument("--settings", metavar="FILE", help="检查设置文件（YAML/JSON）")
    add_db_argument(parser)


def run(args: argparse.Namespace) -> int:
    from guideaudit.checks import check_guide
    from guideaudit.checks.stored import entry_of
    from guideaudit.checks.versions import check_run
    from guideaudit.commands.check import settings_from
    from guideaudit.commands.sources import importer
    from guideaudit.record import RecordError, record_files

    settings = settings_from(args)
    source = importer(args.source)
    portal = args.portal or args.source
    # Read and check everything first: a wrong file stops the import before a sweep exists.
    entries = []
    captures: dict[str, set[str]] = {}
    for record in source.load_files(record_files(args.paths)):
        if args.portal:
            record.portal = portal
        captures.setdefault(record.portal or portal, set()).update(record.uncaptured)
        entries.append(entry_of(record, check_guide(record, settings)))
    if not entries:
        raise RecordError("、".join(args.paths), None, None, f"没有读到任何指南记录（应为{source.title}）")
    store = open_store(args.db)
    sweep = store.start_sweep(portal, start_url=None, settings={"imported_from": args.source, "files": args.paths},
                              checker_version=check_run(settings)["checker_version"])
    try:
        store.add_check_run(sweep.id, **check_run(settings, captures={k: sorted(v) for k, v in captures.items()}))
        saved = 0
        for start in range(0, len(entries), BATCH):
            saved += store.save_guides(sweep.id, entries[start:start + BATCH])
        counts = {"guides": store.guide_count(sweep.id), "imported": len(entries),
                  "incomplete": store.verdict_counts(sweep.id).get("incomplete", 0), "fetch_failures": 0}
        final = store.finish_sweep(sweep.id, "complete", counts)
    except BaseException as err:
        store.finish_sweep(sweep.id, "failed", None, f"导入中断：{err}")
        raise
    print(f"已导入 {counts['guides']} 个事项（{source.title}），存为第 {final.id} 次抓取（门户 {portal}），"
          f"数据库 {store.display_url}。查看：guideaudit report --sweep {final.id}", file=sys.stderr)
    return 0
