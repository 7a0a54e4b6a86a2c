"""抓取情况: how the sweep a report is built on went, from its ledger (ga_ledger): URLs per
kind, and which guides of which units could not be read. The report's section (报告.html) and
sheet (缺陷清单.xlsx) are both made from ``crawl_summary``."""

from __future__ import annotations

from dataclasses import dataclass, field

from guideaudit.store import Store, Sweep
from guideaudit.store.store import lists_note
from guideaudit.vocab import SWEEP_STATUS_LABELS, LedgerState, ledger_kind

MAX_LISTED = 5000  # unread URLs listed; the rest are counted (export ledger has them all)
NO_UNIT = "（单位未知）"


@dataclass
class KindCount:
    state: str  # Chinese label of the state
    code: str
    label: str
    count: int
    unread: bool


@dataclass
class UnreadRow:
    unit: str
    item_name: str
    url: str
    kind: str  # Chinese label
    code: str
    detail: str


@dataclass
class CrawlSummary:
    sweep_id: int
    status: str  # Chinese label
    discovered: int
    kinds: list[KindCount]
    unread_total: int  # unread URLs plus the guides failed list pages would have led to
    share: float
    threshold: float
    unknown: int
    unknown_lists: int
    failed_lists: int
    lists_note: str | None  # how many list pages failed and the guides unknown behind them
    note: str | None  # a partial sweep's note (Sweep.unread_note)
    rows: list[UnreadRow] = field(default_factory=list)
    more: int = 0  # unread URLs not listed (above MAX_LISTED)
    by_unit: list[tuple[str, int]] = field(default_factory=list)


def crawl_summary(store: Store, sweep: Sweep, limit: int = MAX_LISTED) -> CrawlSummary | None:
    """None for a sweep without a ledger (imported records, sweeps older than the ledger)."""
    counts = store.ledger_counts(sweep.id)
    if not counts["rows"]:
        return None
    states = list(LedgerState)
    kinds = sorted(
        (KindCount(ledger_kind(code).state.label, code, ledger_kind(code).label, n, ledger_kind(code).unread)
         for code, n in counts["kinds"].items()),
        key=lambda k: (states.index(ledger_kind(k.code).state), -k.count),
    )
    rows: list[UnreadRow] = []
    units: dict[str, int] = {}
    more = 0
    for r in store.ledger(sweep.id):
        kind = ledger_kind(r["kind"])
        if not kind.unread:
            continue
        unit = r["agency"] or NO_UNIT
        units[unit] = units.get(unit, 0) + 1
        if len(rows) >= limit:
            more += 1
            continue
        what = r["item_name"] or ("列表页" + (f"（其上约 {r['unknown']} 份指南未读）" if r["unknown"] else "（其上的指南数未知）")
                                  if r["role"] == "list" else "")
        rows.append(UnreadRow(unit, what, r["final_url"] or r["url"], kind.label, kind.code, r["detail"] or ""))
    rows.sort(key=lambda r: (r.unit == NO_UNIT, r.unit, r.code, r.url))
    ledger = (sweep.counts or {}).get("ledger") or {}
    unread_total = counts["unread"] + counts["unknown"]
    base = counts["rows"] + counts["unknown"]
    return CrawlSummary(
        sweep_id=sweep.id,
        status=SWEEP_STATUS_LABELS.get(sweep.status, sweep.status),
        discovered=int(ledger.get("discovered") or counts["rows"]),
        kinds=kinds,
        unread_total=unread_total,
        share=unread_total / base if base else 0.0,
        threshold=float(ledger.get("threshold", 0.02)),
        unknown=counts["unknown"],
        unknown_lists=counts["unknown_lists"],
        failed_lists=counts["failed_lists"],
        lists_note=lists_note(counts),
        note=sweep.unread_note,
        rows=rows,
        more=more,
        by_unit=sorted(units.items(), key=lambda kv: (kv[0] == NO_UNIT, -kv[1], kv[0])),
    )


def write_crawl_sheet(book, ws, summary: CrawlSummary, fmt: dict) -> None:
    """The 抓取情况 sheet: the figures, the counts per kind, then one row per unread URL."""
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 2, 70)
    ws.set_column(3, 3, 24)
    ws.set_column(4, 4, 50)
    row = 0
    ws.write_string(row, 0, f"第 {summary.sweep_id} 次抓取：{summary.status}", fmt["title"])
    row += 1
    lines = [
        f"决定抓取的网址 {summary.discovered} 个；无法读取 {summary.unread_total} 个（{summary.share:.1%}，"
        f"完成但不完整的上限 {summary.threshold:.1%}）。",
    ]
    if summary.lists_note:
        lines.append(summary.lists_note + "。")
    if summary.note:
        lines.append(summary.note + "。")
    for line in lines:
        ws.write_string(row, 0, line, fmt["wrap"])
        row += 1
    row += 1
    for col, head in enumerate(("结果", "类型", "说明", "网址数", "可能漏读指南")):
        ws.write_string(row, col, head, fmt["header"])
    for k in summary.kinds:
        row += 1
        ws.write_string(row, 0, k.state, fmt["wrap"])
        ws.write_string(row, 1, k.code, fmt["wrap"])
        ws.write_string(row, 2, k.label, fmt["wrap"])
        ws.write_number(row, 3, k.count, fmt["wrap"])
        ws.write_string(row, 4, "是" if k.unread else "", fmt["wrap"])
    row += 2
    head_row = row
    for col, head in enumerate(("单位", "事项", "网址", "原因", "说明")):
        ws.write_string(row, col, head, fmt["header"])
    for r in summary.rows:
        row += 1
        for col, value in enumerate((r.unit, r.item_name, r.url, r.kind, r.detail)):
            ws.write_string(row, col, value, fmt["wrap"])
    if summary.more:
        row += 1
        ws.write_string(row, 0, f"……另有 {summary.more} 个（guideaudit export ledger --sweep {summary.sweep_id} 导出全部）",
                        fmt["wrap"])
    if summary.rows:
        ws.autofilter(head_row, 0, head_row + len(summary.rows), 4)
        ws.freeze_panes(head_row + 1, 0)
