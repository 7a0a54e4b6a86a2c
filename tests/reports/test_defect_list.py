"""缺陷清单.xlsx and .csv as an auditor opens them: read back with openpyxl and pandas."""

from __future__ import annotations

import pandas as pd
import pytest
from guideaudit.checks.result import defect_id
from guideaudit.reports.defects import HEADERS, row_check
from guideaudit.reports.sheetnames import SheetNamer
from guideaudit.reports.xlsx import HEADER_ROW
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from report_data import GUIDES, HOSTILE_NAME, UNITS, guide_id

from guideaudit.store import ReviewDecision

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl: data validation extension


def _rows(ws, header_row: int = HEADER_ROW) -> list[dict]:
    """Rows as dicts: unit sheets have a title row above the header, the summary does not."""
    values = list(ws.iter_rows(values_only=True))
    header = values[header_row - 1]
    return [dict(zip(header, row, strict=True)) for row in values[header_row:] if any(v is not None for v in row)]


def test_unit_sheet_lists_each_defect_with_evidence_link_and_first_sighting(report_dir):
    book = load_workbook(report_dir / "缺陷清单.xlsx")
    assert book.sheetnames[0] == "汇总"
    assert set(UNITS) <= set(book.sheetnames)
    ws = book["江城区市场监督管理局"]
    title = [c.value for c in ws[1]]
    assert title[0].startswith("江城区市场监督管理局 办事指南问题整改清单（第 2 次抓取") and title[-1] == "返回汇总"
    assert [c.value for c in ws[HEADER_ROW]][: len(HEADERS)] == list(HEADERS)
    rows = _rows(ws)
    location = next(r for r in rows if r["要素"] == "E1-3 办理地点")
    assert location["原文"] == "江城区建设路88号政务服务中心综合窗口"
    assert location["事项名称"] == "食品经营许可"
    assert location["问题"] == "办理地点缺少编号的窗口或房间"
    assert location["建议"] == "写明窗口或房间号，如：3号窗口"
    assert location["首次发现"].startswith("第1次 ")
    assert location["问题编号"] == defect_id(guide_id("01"), "location.no-room-or-window")
    assert location["校验码"] == row_check(location["问题编号"], guide_id("01"))
    # The link is a real hyperlink to the guide page, not just text.
    link_col = HEADERS.index("链接") + 1
    row_no = next(i for i, r in enumerate(rows, start=HEADER_ROW + 1) if r["要素"] == "E1-3 办理地点")
    cell = ws.cell(row=row_no, column=link_col)
    assert cell.hyperlink is not None
    assert cell.hyperlink.target == f"http://127.0.0.1:8000/portal/guide/{guide_id('01')}"
    # Defect found only in the second sweep says so.
    new = next(r for r in rows if r["原文"] == "法定工作日")
    assert new["首次发现"].startswith("第2次 ")


def test_sheet_layout_frozen_header_filter_widths_and_status_list(report_dir):
    book = load_workbook(report_dir / "缺陷清单.xlsx")
    ws = book["江城区民政局"]
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"  # title and header stay in view
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
    status_letter = ws.cell(row=HEADER_ROW, column=HEADERS.index("状态") + 1).column_letter
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1
    assert lists[0].formula1 == '"确认,误报,已整改"'
    assert f"{status_letter}{HEADER_ROW + 1}" in str(lists[0].sqref)
    evidence_letter = ws.cell(row=HEADER_ROW, column=HEADERS.index("原文") + 1).column_letter
    assert ws.column_dimensions[evidence_letter].width >= 40
    assert ws.cell(row=HEADER_ROW + 1, column=HEADERS.index("原文") + 1).alignment.wrap_text
    check_letter = ws.cell(row=HEADER_ROW, column=HEADERS.index("校验码") + 1).column_letter
    assert ws.column_dimensions[check_letter].hidden
    assert book["汇总"].freeze_panes is not None and book["汇总"].auto_filter.ref
    # Printed for the unit: landscape, one page wide, the header row on every page.
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"


def test_summary_counts_defects_by_unit_and_element(report_dir):
    ws = load_workbook(report_dir / "缺陷清单.xlsx")["汇总"]
    rows = {r["单位"]: r for r in _rows(ws, 1) if r["单位"]}
    market = rows["江城区市场监督管理局"]
    assert market["事项数"] == 3 and market["问题数"] == 4 and market["有问题事项数"] == 3
    assert market["E1-4\n办理时间"] == 2 and market["E1-3\n办理地点"] == 1
    assert rows["合计"]["问题数"] == sum(len(d) for s, _, _, d in GUIDES if s != "05") + 1
    # 11 of 12 applicable E1-4 verdicts… the unit's pass rate is a share of (guide × element).
    assert 0 < market["要素合格率"] < 1


def test_hostile_text_stays_literal_text(report_dir):
    ws = load_workbook(report_dir / "缺陷清单.xlsx")["江城区民政局"]
    rows = _rows(ws)
    hostile = next(r for r in rows if r["事项名称"] == HOSTILE_NAME)
    assert hostile["原文"].startswith("<img src=x")
    formula = next(r for r in rows if r["要素"] == "E2-1 材料来源")
    # Defused like the csv: a string, and one that stays text when an auditor edits the cell or
    # saves the sheet on as csv.
    assert formula["原文"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    cell = next(c for row in ws.iter_rows() for c in row if c.value == formula["原文"])
    assert cell.data_type == "s"


def test_csv_has_bom_and_the_same_rows(report_dir):
    raw = (report_dir / "缺陷清单.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(report_dir / "缺陷清单.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns) == [h for h in HEADERS if h != "校验码"]
    assert len(frame) == 8
    row = frame[frame["要素"] == "E1-5 咨询方式"].iloc[0]
    assert row["原文"] == "37885230" and row["单位"] == "江城区市场监督管理局"
    assert row["链接"] == f"http://127.0.0.1:8000/portal/guide/{guide_id('02')}"
    # The formula-looking evidence is neutralised for spreadsheets opening the csv.
    assert frame[frame["要素"] == "E2-1 材料来源"].iloc[0]["原文"].startswith("'=")


def test_dismissed_defect_leaves_the_list_and_the_summary(store, tmp_path):
    from guideaudit.reports.defects import collect

    target = defect_id(guide_id("02"), "hours.vague")
    before = collect(store, store.latest_sweep())
    store.record_reviews([ReviewDecision(target, "误报", "实际写明了时段")], reviewer="张三")
    after = collect(store, store.latest_sweep())
    assert target in {r.defect_id for r in before.rows}
    assert target not in {r.defect_id for r in after.rows}
    assert after.dismissed == 1
    assert after.units["江城区市场监督管理局"].defects == before.units["江城区市场监督管理局"].defects - 1
    assert after.total.pass_rate() > before.total.pass_rate()


def test_confirmed_decision_shows_in_status_and_record_columns(store):
    from guideaudit.reports.defects import collect

    target = defect_id(guide_id("04"), "promised-limit.missing")
    store.record_reviews([ReviewDecision(target, "确认", "请本周内补充")], reviewer="李四")
    row = next(r for r in collect(store, store.latest_sweep()).rows if r.defect_id == target)
    assert (row.status, row.comment) == ("确认", "请本周内补充")
    assert row.review_note.startswith("李四 ") and row.review_note.endswith("确认")


def test_long_unit_names_make_valid_unique_sheet_names():
    namer = SheetNamer(["汇总"])
    long = "江城区" + "某某" * 20 + "管理局"
    names = [namer.name(long), namer.name(long), namer.name("a/b:c*d?[e]"), namer.name("汇总"), namer.name("'x'")]
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    assert names[2] == "a_b_c_d__e_"
    assert names[3] == "汇总(2)"
    assert names[4] == "x"


@given(st.lists(st.text(min_size=0, max_size=60), min_size=1, max_size=30))
def test_sheet_names_are_always_valid(wanted):
    namer = SheetNamer(["汇总", "说明", "_guideaudit"])
    names = [namer.name(w) for w in wanted]
    for name in names:
        assert 1 <= len(name) <= 31
        assert not set(name) & set("[]:*?/\\")
        assert not name.startswith("'") and not name.endswith("'")
    assert len({n.casefold() for n in names} | {"汇总", "说明", "_guideaudit"}) == len(names) + 3
