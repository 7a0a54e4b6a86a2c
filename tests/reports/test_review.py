"""The review round trip on the xlsx itself: auditors' edits made with openpyxl, imported through
the CLI, refused whole when anything is wrong."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from guideaudit.checks.result import defect_id
from guideaudit.reports.defects import HEADERS, collect
from guideaudit.reports.review import ReviewFileError, plan_import
from guideaudit.reports.xlsx import HEADER_ROW
from openpyxl import load_workbook
from report_data import guide_id

from guideaudit.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

MARKET = "江城区市场监督管理局"


def _col(name: str) -> int:
    return HEADERS.index(name) + 1


def _row_of(ws, wanted_id: str) -> int:
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
        if ws.cell(row=row, column=_col("问题编号")).value == wanted_id:
            return row
    raise AssertionError(wanted_id)


def _mark(path, sheet: str, wanted_id: str, status: str, comment: str = "") -> int:
    book = load_workbook(path)
    ws = book[sheet]
    row = _row_of(ws, wanted_id)
    ws.cell(row=row, column=_col("状态")).value = status
    ws.cell(row=row, column=_col("复核意见")).value = comment
    book.save(path)
    return row


def _db(store) -> list[str]:
    return ["--db", store.url]


def _reviews(store) -> list[tuple]:
    return [(r.defect_id, r.status, r.comment, r.reviewer) for r in store.reviews()]


def test_import_stores_decisions_with_reviewer_and_time(store, report_dir, capsys):
    xlsx = report_dir / "缺陷清单.xlsx"
    vague = defect_id(guide_id("02"), "hours.vague")
    phone = defect_id(guide_id("02"), "consult.invalid-phone")
    _mark(xlsx, MARKET, vague, "误报", "写明了时段，规则误判")
    _mark(xlsx, MARKET, phone, "确认")
    assert main(["review", "import", str(xlsx), "--reviewer", "王审核", *_db(store)]) == 0
    assert "已导入" in capsys.readouterr().out
    assert sorted(_reviews(store)) == sorted(
        [(vague, "误报", "写明了时段，规则误判", "王审核"), (phone, "确认", "", "王审核")]
    )
    review = next(r for r in store.reviews() if r.defect_id == vague)
    assert review.reviewed_at is not None and review.source == "缺陷清单.xlsx"
    # The dismissed defect is gone from the next list; the confirmed one shows its status.
    rows = {r.defect_id: r for r in collect(store, store.latest_sweep()).rows}
    assert vague not in rows and rows[phone].status == "确认"
    # Importing the same file again records nothing new.
    assert main(["review", "import", str(xlsx), "--reviewer", "王审核", *_db(store)]) == 0
    assert len(store.reviews()) == 2


def _refused(store, xlsx, capsys, *expected: str) -> str:
    before = _reviews(store)
    assert main(["review", "import", str(xlsx), *_db(store)]) == 2
    err = capsys.readouterr().err
    assert "未导入" in err
    for text in expected:
        assert text in err, err
    assert _reviews(store) == before  # nothing half-imported
    return err


def test_unknown_id_is_refused_with_its_row_and_nothing_is_imported(store, report_dir, capsys):
    xlsx = report_dir / "缺陷清单.xlsx"
    good = defect_id(guide_id("01"), "location.no-room-or-window")
    _mark(xlsx, MARKET, good, "确认")
    book = load_workbook(xlsx)
    ws = book[MARKET]
    row = _row_of(ws, defect_id(guide_id("02"), "hours.vague"))
    ws.cell(row=row, column=_col("问题编号")).value = "0123456789abcdef"
    ws.cell(row=row, column=_col("状态")).value = "误报"
    book.save(xlsx)
    _refused(store, xlsx, capsys, f"工作表「{MARKET}」第 {row} 行", "0123456789abcdef", "不存在")
    assert store.reviews() == []


def test_id_edited_into_another_valid_id_is_caught_by_the_row_check(store, report_dir, capsys):
    xlsx = report_dir / "缺陷清单.xlsx"
    other = defect_id(guide_id("04"), "promised-limit.missing")  # a real id of another unit
    book = load_workbook(xlsx)
    ws = book[MARKET]
    row = _row_of(ws, defect_id(guide_id("01"), "location.no-room-or-window"))
    ws.cell(row=row, column=_col("问题编号")).value = other
    ws.cell(row=row, column=_col("状态")).value = "误报"
    book.save(xlsx)
    _refused(store, xlsx, capsys, f"第 {row} 行", "校验码不符")


def test_missing_column_renamed_header_and_renamed_sheet_are_refused(store, report_dir, capsys):
    xlsx = report_dir / "缺陷清单.xlsx"
    _mark(xlsx, MARKET, defect_id(guide_id("01"), "location.no-room-or-window"), "误报")
    book = load_workbook(xlsx)
    book["江城区民政局"].cell(row=HEADER_ROW, column=_col("状态")).value = "处理状态"
    book["江城区人力资源和社会保障局"].delete_cols(_col("问题编号"))
    book.save(xlsx)
    err = _refused(store, xlsx, capsys, f"工作表「江城区民政局」第 {HEADER_ROW} 行", "缺少列「状态」",
                   f"工作表「江城区人力资源和社会保障局」第 {HEADER_ROW} 行", "缺少列「问题编号」")
    assert "处理状态" in err
    book = load_workbook(xlsx)
    book["江城区民政局"].title = "民政局"
    book.save(xlsx)
    _refused(store, xlsx, capsys, "工作表「江城区民政局」不存在")


def test_invalid_status_and_a_file_not_from_report_are_refused(store, report_dir, tmp_path, capsys):
    xlsx = report_dir / "缺陷清单.xlsx"
    row = _mark(xlsx, MARKET, defect_id(guide_id("01"), "location.no-room-or-window"), "已处理")
    _refused(store, xlsx, capsys, f"第 {row} 行", "状态「已处理」无效")
    plain = tmp_path / "自己做的表.xlsx"
    pd.DataFrame({"问题编号": ["x"], "状态": ["误报"]}).to_excel(plain, index=False)
    _refused(store, plain, capsys, "不是 guideaudit report 生成的缺陷清单")
    junk = tmp_path / "坏文件.xlsx"
    junk.write_text("not a workbook")
    _refused(store, junk, capsys, "无法作为 xlsx 打开")


def test_rows_sorted_and_columns_moved_by_the_auditor_still_import(store, report_dir):
    xlsx = report_dir / "缺陷清单.xlsx"
    target = defect_id(guide_id("07"), "hours.vague")
    book = load_workbook(xlsx)
    ws = book["江城区民政局"]
    ws.insert_cols(1)  # an auditor's own column in front
    ws.cell(row=HEADER_ROW, column=1).value = "备注"
    ws.cell(row=HEADER_ROW + 1, column=1).value = "电话核实"
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
        if ws.cell(row=row, column=_col("问题编号") + 1).value == target:
            ws.cell(row=row, column=_col("状态") + 1).value = "已整改"
    book.save(xlsx)
    plan = plan_import(store, xlsx)
    assert [(d.defect_id, d.status) for d in plan.decisions] == [(target, "已整改")]


def test_same_id_with_two_different_decisions_is_refused(store, report_dir):
    xlsx = report_dir / "缺陷清单.xlsx"
    target = defect_id(guide_id("01"), "location.no-room-or-window")
    book = load_workbook(xlsx)
    ws = book[MARKET]
    row = _row_of(ws, target)
    ws.cell(row=row, column=_col("状态")).value = "确认"
    copy_row = ws.max_row + 1
    for col in range(1, len(HEADERS) + 1):
        ws.cell(row=copy_row, column=col).value = ws.cell(row=row, column=col).value
    ws.cell(row=copy_row, column=_col("状态")).value = "误报"
    book.save(xlsx)
    with pytest.raises(ReviewFileError) as err:
        plan_import(store, xlsx)
    assert f"第 {copy_row} 行" in str(err.value) and "两处结论不同" in str(err.value)


def test_export_lists_every_decision_as_csv_and_jsonl(store, tmp_path, capsys):
    from guideaudit.store import ReviewDecision

    a = defect_id(guide_id("01"), "location.no-room-or-window")
    store.record_reviews([ReviewDecision(a, "确认", "属实")], reviewer="甲")
    store.record_reviews([ReviewDecision(a, "已整改", "已改为3号窗口")], reviewer="乙")
    out = tmp_path / "复核.csv"
    assert main(["review", "export", "--out", str(out), *_db(store)]) == 0
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert list(frame["状态"]) == ["确认", "已整改"] and list(frame["复核人"]) == ["甲", "乙"]
    assert set(frame["问题编号"]) == {a} and frame["复核时间"].notna().all()
    capsys.readouterr()
    assert main(["review", "export", "--format", "jsonl", "--latest", *_db(store)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(x["defect_id"], x["status"], x["reviewer"], x["guide_id"]) for x in lines] == [
        (a, "已整改", "乙", guide_id("01"))
    ]


def test_a_false_positive_holds_only_for_the_text_the_auditor_reviewed(store, tmp_path, capsys):
    from guideaudit.reports.build import ScoreOptions, build_report

    old = tmp_path / "第1次"
    build_report(store, store.get_sweep(1), old, ScoreOptions())
    xlsx = old / "缺陷清单.xlsx"
    changed = defect_id(guide_id("01"), "location.no-room-or-window")  # guide 01 changed in sweep 2
    _mark(xlsx, MARKET, changed, "误报")
    unchanged = defect_id(guide_id("02"), "hours.vague")  # guide 02 is the same in both sweeps
    _mark(xlsx, MARKET, unchanged, "误报")
    assert main(["review", "import", str(xlsx), *_db(store)]) == 0
    reviews = {r.defect_id: r for r in store.reviews()}
    assert {k: r.status for k, r in reviews.items()} == {changed: "误报", unchanged: "误报"}
    assert reviews[changed].sweep_id == 1  # bound to the list the auditor had in hand
    latest = {d.defect_id: d for d in store.defects(2, include_dismissed=True)}
    assert latest[unchanged].dismissed  # holds in the latest sweep: the text is the one reviewed
    assert not latest[changed].dismissed  # the guide changed since: checked afresh
    assert store.defects(1, include_dismissed=True) and not [
        d for d in store.defects(1) if d.defect_id == changed
    ]  # in sweep 1 itself the decision applies


def test_dry_run_checks_the_file_and_writes_nothing(store, report_dir, capsys):
    xlsx = report_dir / "缺陷清单.xlsx"
    _mark(xlsx, MARKET, defect_id(guide_id("01"), "location.no-room-or-window"), "已整改", "已改为3号窗口")
    assert main(["review", "import", str(xlsx), "--dry-run", *_db(store)]) == 0
    assert "将导入复核结论 1 条：已整改 1 条" in capsys.readouterr().out
    assert store.reviews() == []
