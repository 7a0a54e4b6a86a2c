"""缺陷清单.xlsx: a summary sheet by unit × element, then one sheet per unit for auditors to mark.

Written with xlsxwriter (fast, streams rows); read back by reports/review.py with openpyxl. Every
string passes guideaudit.text.safe_cell (guideaudit/outfiles.py): no control character, and a
text starting like a formula stays text even when edited or saved on as csv.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from guideaudit.checks.elements import ALL_CODES
from guideaudit.reports.defects import (
    CHECK_HEADER,
    COLUMNS,
    DISMISSED_HEADERS,
    STATUSES,
    UNSURE_COLUMNS,
    UNSURE_STATUSES,
    DefectList,
    DefectListRow,
    UnsureListRow,
    element_columns,
    local_time,
)
from guideaudit.reports.sheetnames import SheetNamer

SUMMARY_SHEET = "汇总"
UNSURE_SHEET = "待核实"
DISMISSED_SHEET = "已排除的误报"
NOTES_SHEET = "说明"
CRAWL_SHEET = "抓取情况"
META_SHEET = "_guideaudit"
FORMAT_NAME = "guideaudit-defect-list"
FORMAT_VERSION = "1"
# A unit sheet opens with a title row (unit, list, sweep, date), then the header row: 1-based
# Excel row numbers, as openpyxl and auditors count them. The review import finds the header by
# its names, so older lists without a title still import.
TITLE_ROW, HEADER_ROW = 1, 2
MAX_DATA_ROWS = 1_000_000  # Excel stops at 1,048,576 rows; a larger unit continues on another sheet
MAX_URLS = 65_000  # Excel's hyperlink limit per sheet is 65,530
WRAPPED = {"事项名称", "问题", "原文", "建议", "复核意见", "复核记录", "待核实原因"}


def _formats(book) -> dict:
    base = {"font_name": "等线", "font_size": 10, "valign": "top"}
    return {
        "header": book.add_format({**base, "bold": True, "bg_color": "#DDE7F3", "border": 1, "text_wrap": True, "valign": "vcenter"}),
        "text": book.add_format(base),
        "wrap": book.add_format({**base, "text_wrap": True}),
        "link": book.add_format({**base, "font_color": "#1F4E99", "underline": 1}),
        "int": book.add_format({**base, "num_format": "0"}),
        "pct": book.add_format({**base, "num_format": "0.0%"}),
        "status": book.add_format({**base, "bg_color": "#FFF7D6", "border": 1, "border_color": "#D9C37A"}),
        "total": book.add_format({**base, "bold": True, "top": 1}),
        "total_pct": book.add_format({**base, "bold": True, "top": 1, "num_format": "0.0%"}),
        "title": book.add_format({**base, "bold": True, "font_size": 14}),
    }


def _sheet_ref(name: str) -> str:
    return "internal:'" + name.replace("'", "''") + "'!A1"


def write_defect_workbook(
    path: Path,
    defects: DefectList,
    store_url: str = "",
    on_row: Callable[[int], None] | None = None,
    crawl=None,
    store_id: str = "",
) -> dict[str, str]:
    """Write the workbook; returns unit sheet name → unit. ``crawl``: the sweep's
    reports.crawl.CrawlSummary, written as the 抓取情况 sheet. ``store_id``: the store's identity,
    kept in the hidden sheet so the review import refuses the file on another store."""
    from guideaudit.outfiles import xlsx_workbook

    book = xlsx_workbook(path)
    fmt = _formats(book)
    namer = SheetNamer([SUMMARY_SHEET, UNSURE_SHEET, DISMISSED_SHEET, NOTES_SHEET, CRAWL_SHEET, META_SHEET])
    by_unit = defects.rows_by_unit()
    sheets: dict[str, str] = {}
    first_sheet: dict[str, str] = {}
    # Sheet names are decided first so the summary can link to them.
    plan: list[tuple[str, str, list[DefectListRow]]] = []
    for unit, rows in by_unit.items():
        for start in range(0, len(rows), MAX_DATA_ROWS):
            name = namer.name(unit if start == 0 else f"{unit}（续）")
            plan.append((name, unit, rows[start : start + MAX_DATA_ROWS]))
            sheets[name] = unit
            first_sheet.setdefault(unit, name)

    def sheet(name: str):
        return book.add_worksheet(name)

    summary = sheet(SUMMARY_SHEET)
    _write_summary(summary, defects, first_sheet, fmt)
    for name, _unit, rows in plan:
        _write_unit_sheet(sheet(name), rows, fmt, on_row, defects.sweep)
    _write_unsure_sheet(sheet(UNSURE_SHEET), defects.unsure[:MAX_DATA_ROWS], fmt)
    _write_dismissed_sheet(sheet(DISMISSED_SHEET), defects.dismissed_rows[:MAX_DATA_ROWS], fmt)
    notes = sheet(NOTES_SHEET)
    _write_notes(notes, defects, fmt)
    print_setup(notes, "缺陷清单说明")
    if crawl is not None:
        from guideaudit.reports.crawl import write_crawl_sheet

        write_crawl_sheet(book, sheet(CRAWL_SHEET), crawl, fmt)
    meta = sheet(META_SHEET)
    _write_meta(meta, defects, sheets, store_url, store_id)
    meta.very_hidden()
    summary.activate()
    book.close()
    return sheets


def _write_summary(ws, defects: DefectList, first_sheet: dict[str, str], fmt: dict) -> None:
    codes = element_columns(defects.rows)
    headers = ["单位", "事项数", "有问题事项数", "问题数", "待核实要素", "要素合格率"] + [
        f"{code}\n{ALL_CODES.get(code, '')}" for code in codes
    ]
    ws.set_row(0, 42)
    for col, header in enumerate(headers):
        ws.write_string(0, col, header, fmt["header"])
    ws.set_column(0, 0, 26)
    ws.set_column(1, 5, 11)
    ws.set_column(6, len(headers) - 1, 10)
    row = 1
    # Rank order: the best 要素合格率 first (units without a judged element last).
    ranked = sorted(defects.units.items(), key=lambda kv: (kv[1].pass_rate() is None, -(kv[1].pass_rate() or 0), kv[0]))
    for unit, tally in ranked:
        if unit in first_sheet:
            ws.write_url(row, 0, _sheet_ref(first_sheet[unit]), fmt["link"], string=unit, tip="转到该单位的缺陷清单")
        else:
            ws.write_string(row, 0, unit, fmt["text"])
        _write_tally(ws, row, tally, codes, fmt, total=False)
        row += 1
    ws.write_string(row, 0, "合计", fmt["total"])
    _write_tally(ws, row, defects.total, codes, fmt, total=True)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(row - 1, 1), len(headers) - 1)
    print_setup(ws, f"第 {defects.sweep.id} 次抓取 办事指南问题汇总")
    ws.write_string(row + 2, 0, f"已按复核意见排除误报 {defects.dismissed} 条。", fmt["text"])
    ws.write_string(
        row + 3, 0,
        f"待核实要素 {defects.total.unsure_total} 个（来源未采集或附件无法核验，不计为问题，"
        f"也不计入合格率），见「{UNSURE_SHEET}」工作表；已由审核人员核定 {defects.settled} 个。",
        fmt["text"],
    )


def _write_tally(ws, row: int, tally, codes: list[str], fmt: dict, total: bool) -> None:
    num = fmt["total"] if total else fmt["int"]
    ws.write_number(row, 1, tally.guides, num)
    ws.write_number(row, 2, tally.guides_with_errors, num)
    ws.write_number(row, 3, tally.defects, num)
    ws.write_number(row, 4, tally.unsure_total, num)
    rate = tally.pass_rate()
    if rate is None:
        ws.write_string(row, 5, "—", num)
    else:
        ws.write_number(row, 5, rate, fmt["total_pct"] if total else fmt["pct"])
    for offset, code in enumerate(codes):
        ws.write_number(row, 6 + offset, tally.by_element.get(code, 0), num)


def print_setup(ws, title: str, header_row: int = 0) -> None:
    """Lists are printed and sent to units: A4 landscape, one page wide, header on every page."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.set_header("&C&12" + title.replace("&", "&&"))
    ws.set_footer("&C第 &P 页，共 &N 页")


def _write_unit_sheet(ws, rows: list[DefectListRow], fmt: dict, on_row, sweep=None) -> None:
    top, head = TITLE_ROW - 1, HEADER_ROW - 1  # 0-based for xlsxwriter
    unit = rows[0].unit if rows else ""
    when = local_time(sweep.started_at, "%Y-%m-%d") if sweep is not None else ""
    title = f"{unit} 办事指南问题整改清单" + (f"（第 {sweep.id} 次抓取，{when}）" if sweep is not None else "")
    ws.set_row(top, 24)
    ws.write_string(top, 0, title, fmt["title"])
    ws.write_url(top, len(COLUMNS), _sheet_ref(SUMMARY_SHEET), fmt["link"], string="返回汇总")
    _write_review_rows(
        ws, COLUMNS, rows, fmt, head, on_row, f"{unit} 办事指南问题清单",
        {
            "validate": "list",
            "source": list(STATUSES),
            "input_title": "复核状态",
            "input_message": "确认：问题属实；误报：检查有误；已整改：单位已改正",
            "error_title": "状态无效",
            "error_message": "请从列表中选择：确认 / 误报 / 已整改",
        },
    )


def _write_review_rows(ws, columns, rows: list, fmt: dict, head: int, on_row, title: str, statuses: dict) -> None:
    """A sheet auditors mark (a unit's defects, the 待核实 elements): the header at row ``head``
    (0-based) with the checksum column hidden, one row per item from its ``cells``, links,
    the 状态 column with its list of allowed values, frozen header, filter, print setup."""
    headers = [name for name, _ in columns]
    status_col, link_col, check_col = (headers.index(h) for h in ("状态", "链接", CHECK_HEADER))
    ws.set_row(head, 20)
    for col, (header, width) in enumerate(columns):
        ws.write_string(head, col, header, fmt["header"])
        ws.set_column(col, col, width, None, {"hidden": True} if header == CHECK_HEADER else None)
    urls = 0
    for index, row in enumerate(rows, start=1):
        r = head + index
        for col, value in enumerate(row.cells(index)):
            if isinstance(value, int):
                ws.write_number(r, col, value, fmt["int"])
            elif col == link_col and value and urls < MAX_URLS:
                ws.write_url(r, col, value, fmt["link"], string=value, tip="打开办事指南页面")
                urls += 1
            elif col == status_col:
                ws.write_string(r, col, value, fmt["status"])
            else:
                ws.write_string(r, col, value, fmt["wrap"] if headers[col] in WRAPPED else fmt["text"])
        if on_row:
            on_row(1)
    last = head + max(len(rows), 1)
    ws.freeze_panes(head + 1, 0)
    ws.autofilter(head, 0, last, check_col - 1)
    print_setup(ws, title, header_row=head)
    ws.data_validation(head + 1, status_col, last, status_col, statuses)


def _write_dismissed_sheet(ws, rows: list, fmt: dict) -> None:
    """已排除的误报: every defect an auditor withdrew, with who, when and why (read only)."""
    for col, header in enumerate(DISMISSED_HEADERS):
        ws.write_string(0, col, header, fmt["header"])
        ws.set_column(col, col, 28 if header in ("问题", "原文", "误报理由", "事项名称") else 14)
    for index, row in enumerate(rows, start=1):
        values = (row.unit, row.item_name, row.item_code, row.element, row.message, row.evidence, row.reviewer,
                  row.reviewed_at, row.comment, row.defect_id)
        for col, value in enumerate(values):
            ws.write_string(index, col, value, fmt["wrap"] if DISMISSED_HEADERS[col] in ("问题", "原文", "误报理由") else fmt["text"])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(DISMISSED_HEADERS) - 1)
    print_setup(ws, "经复核排除的误报")


def _write_unsure_sheet(ws, rows: list[UnsureListRow], fmt: dict) -> None:
    """待核实: one row per element that could not be judged; settled like a defect row."""
    _write_review_rows(
        ws, UNSURE_COLUMNS, rows, fmt, 0, None, "待核实的要素（需人工核实）",
        {
            "validate": "list",
            "source": list(UNSURE_STATUSES),
            "input_title": "核实结论",
            "input_message": "确认：确有问题（计为不通过）；误报：核实无问题（计为通过）",
            "error_title": "状态无效",
            "error_message": "请从列表中选择：确认 / 误报",
        },
    )


def _write_notes(ws, defects: DefectList, fmt: dict) -> None:
    sweep = defects.sweep
    lines = [
        ("缺陷清单说明", "title"),
        (f"抓取批次：第 {sweep.id} 次（{sweep.portal}），开始于 {local_time(sweep.started_at)}", "text"),
        (f"生成时间：{datetime.now():%Y-%m-%d %H:%M}", "text"),
        (f"事项 {defects.total.guides} 个，列出问题 {len(defects.rows)} 条，已排除误报 {defects.dismissed} 条。", "text"),
        ("", "text"),
        ("「汇总」按要素合格率从高到低列出各单位的问题数（单位名链接到该单位的工作表，工作表右上角可返回汇总）；每个单位一张工作表，列出该单位的全部问题，「整改期限」「责任人」「整改情况」供整改跟踪填写（不导入）。没有问题的单位不单列工作表。「已排除的误报」列出复核排除的问题及复核人、时间和理由。", "wrap"),
        ("复核方法：在单位工作表的「状态」列选择 确认 / 误报 / 已整改，并可在「复核意见」列填写说明；"
         "其他列请勿修改，也不要改动工作表名称和表头。", "wrap"),
        ("填好后运行：guideaudit review import 缺陷清单.xlsx --reviewer 姓名", "text"),
        ("标为「误报」的问题，只要该指南内容不变，以后的清单、指标和评分都不再计入；指南一旦变更，将重新检查。", "wrap"),
        ("「问题编号」在多次抓取之间保持不变，只要问题仍然存在；「首次发现」是最早发现该问题的抓取批次。", "wrap"),
        ("「复核记录」显示最近一次复核的人员、时间和结论。", "wrap"),
        ("「待核实」列出无法判定的要素：数据来源没有采集该内容，或附件因 robots.txt、超时、门户故障等原因未能下载核验。"
         "它们不是问题，也不计入合格率。人工核实后在「状态」列选择 确认（确有问题，计为不通过）或 误报（无问题，计为通过），"
         "与问题清单一起导入。", "wrap"),
    ]
    ws.set_column(0, 0, 110)
    for row, (text, style) in enumerate(lines):
        ws.write_string(row, 0, text, fmt[style])


def _write_meta(ws, defects: DefectList, sheets: dict[str, str], store_url: str, store_id: str = "") -> None:
    sweep = defects.sweep
    rows: list[list[str]] = [
        ["format", FORMAT_NAME],
        ["version", FORMAT_VERSION],
        ["sweep", str(sweep.id)],
        ["portal", sweep.portal],
        ["store", store_url],
        ["store_id", store_id],
        ["generated_at", datetime.now().isoformat(timespec="seconds")],
    ]
    rows += [["sheet", name, unit] for name, unit in sheets.items()]
    rows.append(["unsure_sheet", UNSURE_SHEET])
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            ws.write_string(r, c, value)


def write_comparison_workbook(path: Path, comparison, unit_headers, unit_rows, defect_headers, defect_rows) -> None:
    """比较.xlsx: 「各单位」 (整改率 per unit, totals last) and 「问题变化」 (every defect, new /
    fixed / persisting, with both evidence texts)."""
    from guideaudit.outfiles import xlsx_workbook

    book = xlsx_workbook(path)
    fmt = _formats(book)
    title = f"第 {comparison.from_sweep.id} 次与第 {comparison.to_sweep.id} 次抓取比较"
    for name, headers, rows in (("各单位", unit_headers, unit_rows), ("问题变化", defect_headers, defect_rows)):
        ws = book.add_worksheet(name)
        ws.write_string(0, 0, title + ("；" + comparison.check_note if comparison.check_note else ""), fmt["title"])
        for col, header in enumerate(headers):
            ws.write_string(1, col, header, fmt["header"])
            ws.set_column(col, col, 14 if name == "各单位" else 18)
        for r, row in enumerate(rows, start=2):
            for col, value in enumerate(row):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    is_rate = headers[col] == "整改率"
                    ws.write_number(r, col, value, fmt["pct"] if is_rate else fmt["int"])
                else:
                    ws.write_string(r, col, str(value), fmt["wrap"] if col >= 6 else fmt["text"])
        ws.freeze_panes(2, 1)
        ws.autofilter(1, 0, max(len(rows) + 1, 2), len(headers) - 1)
        print_setup(ws, title)
    book.close()
