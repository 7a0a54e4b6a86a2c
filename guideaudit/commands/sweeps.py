"""guideaudit sweeps: list the sweeps in the store."""

from __future__ import annotations

import argparse
import dataclasses

from guideaudit.commands import add_db_argument, open_store

HELP = "列出数据库中的历次抓取（状态、数量、日志位置）"

from guideaudit.vocab import SWEEP_STATUS_LABELS as STATUS_LABELS  # noqa: E402


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_db_argument(parser)
    parser.add_argument("--portal", help="只列出这个门户的抓取")
    parser.add_argument("--status", choices=sorted(STATUS_LABELS), help="只列出这个状态的抓取")
    parser.add_argument("--detail", type=int, metavar="N",
                        help="第 N 次抓取的抓取台账：各类结果的网址数，以及无法读取的页面（网址、单位、原因）")
    parser.add_argument("--limit", type=int, default=50, metavar="M", help="--detail 列出的无法读取的页面最多 M 行（默认 50）")


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def run(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    try:
        print(f"数据库：{store.display_url}")
        if args.detail is not None:
            return _detail(store, args.detail, max(args.limit, 0), args.db)
        sweeps = store.list_sweeps(args.portal, args.status)
        if not sweeps:
            print("还没有抓取记录。运行 `guideaudit demo` 或 `guideaudit sweep 门户配置` 开始。")
            return 0
        header = ("编号", "门户", "状态", "开始时间(UTC)", "结束时间(UTC)", "指南", "问题", "待核实", "无法获取", "附件")
        rows = []
        for s in sweeps:
            c = _counts(store, s)
            status = STATUS_LABELS.get(s.status, s.status)
            if s.status == "running":
                if _lock_free(store, s.portal):  # its process is gone (killed): the next sweep reaps it
                    status = f"中断（进程 {s.pid}@{s.host} 已不持有门户锁，可 --resume {s.id} 续抓）"
                else:
                    status += f"（进程 {s.pid}@{s.host}）"
            rows.append((
                str(s.id), s.portal, status, _when(s.started_at), _when(s.finished_at),
                str(c.get("guides", 0)), str(c.get("defects", 0)), str(c.get("incomplete", "—")),
                str(c.get("fetch_failures", 0)),
                str(c.get("attachments", 0)),
            ))
        _print_table(header, rows)
        latest = store.latest_sweep()
        if latest:
            print(f"最近一次完成的抓取：第 {latest.id} 次（export/report 默认使用它）")
        for s in sweeps:
            if s.error and s.status != "complete":
                print(f"第 {s.id} 次：{s.error}")
        return 0
    finally:
        store.close()


def _counts(store, sweep) -> dict:
    """The sweep's figures; a running one's guides, defects and pages counted from the store
    now (its writer refreshes the row only every few seconds, and a killed one never again)."""
    counts = dict(sweep.counts or {})
    if sweep.status == "running":
        counts.update(store.stored_counts(sweep.id))
    return counts


def _lock_free(store, portal: str) -> bool:
    from guideaudit.crawler.lock import lock_held

    try:
        return not lock_held(store.url, portal)
    except Exception:  # cannot tell (a server refusing pg_locks): show the row as stored
        return False


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip())


def _terminal(value) -> str:
    """Portal text for the terminal: no control characters (escape sequences) get through."""
    from guideaudit.text import safe_terminal

    return safe_terminal("" if value is None else str(value)).replace("\n", " ")


def _detail(store, number: int, limit: int, db: str | None) -> int:
    """The sweep's summary, its ledger per state and kind, and the URLs that could not be read."""
    from guideaudit.cli import UsageError
    from guideaudit.crawler.sweep import summary_lines
    from guideaudit.store import StoreError
    from guideaudit.store.store import lists_note
    from guideaudit.vocab import LedgerState, ledger_kind

    try:
        sweep = store.get_sweep(number)
    except StoreError as err:
        raise UsageError(str(err)) from None
    sweep = dataclasses.replace(sweep, counts=_counts(store, sweep))
    for line in summary_lines(sweep, db):
        print(line)
    counts = store.ledger_counts(sweep.id)
    if not counts["rows"]:
        print("这次抓取没有抓取台账（早于台账功能的抓取，或导入的记录）。")
        return 0
    rows = []
    for code, n in sorted(counts["kinds"].items(), key=lambda kv: (list(LedgerState).index(ledger_kind(kv[0]).state), -kv[1])):
        kind = ledger_kind(code)
        rows.append((kind.state.label, code, kind.label, str(n), "是" if kind.unread else ""))
    print()
    _print_table(("结果", "类型", "说明", "网址数", "可能漏读指南"), rows)
    unread = [r for r in store.ledger(sweep.id) if ledger_kind(r["kind"]).unread]
    lists = lists_note(counts)
    if lists:
        print(f"列表页：{lists}。")
    if unread:
        print()
        print(f"无法读取的页面（{len(unread)} 个）：")
        table = []
        for r in unread[:limit]:
            unit = _terminal(r["agency"]) or "—"
            what = _terminal(r["item_name"]) or ("列表页" if r["role"] == "list" else "")
            table.append((ledger_kind(r["kind"]).label, unit, what[:40], _terminal(r["url"]), _terminal(r["detail"])[:80]))
        _print_table(("类型", "单位", "事项", "网址", "说明"), table)
        if len(unread) > limit:
            print(f"……另有 {len(unread) - limit} 个；全部：guideaudit export ledger --sweep {sweep.id} --format csv")
    return 0
