"""待核实 through the review loop: the report lists each 待核实 element on its own sheet, an
auditor settles rows there (确认 → the element fails, 误报 → it passes), the import records it,
and every figure follows while the guide is unchanged."""

from __future__ import annotations

from guideaudit.checks import check_guide
from guideaudit.checks.indicators import compute_overall
from guideaudit.checks.stored import checked_guides, entry_of
from guideaudit.reports.build import build_report
from guideaudit.reports.review import import_reviews
from openpyxl import load_workbook

from guideaudit.record import GuideRecord
from guideaudit.store import Store


def _record(n: int, **fields) -> GuideRecord:
    base = dict(url=f"http://127.0.0.1/g/{n}", item_name=f"事项{n}", agency="江海市市场监督管理局",
                statutory_limit="20个工作日", promised_limit="5个工作日", location="江海市人民大道1号3楼5号窗口",
                hours=None, consult="0662-3300000", onsite_visits="1", uncaptured=["hours"])
    return GuideRecord(**{**base, **fields})


def _store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    sweep = store.start_sweep("test", None, {}, "2.0.0")
    records = [_record(n) for n in range(1, 4)]
    store.save_guides(sweep.id, [entry_of(r, check_guide(r)) for r in records])
    store.finish_sweep(sweep.id, "complete", {"guides": 3})
    return store


def test_settle_incomplete_elements_from_the_sheet(tmp_path) -> None:
    store = _store(tmp_path)
    sweep = store.latest_sweep()
    before = compute_overall(checked_guides(store, sweep.id))
    assert before["incomplete_elements:E1-4"].value == 3 and before["guide_accuracy:E1-4"].value is None
    built = build_report(store, sweep, tmp_path / "r1")
    path = built.out / "缺陷清单.xlsx"
    book = load_workbook(path)
    ws = book["待核实"]
    header = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == 3 and all("来源未采集：办理时间" in r[header.index("待核实原因")].value for r in rows)
    status = header.index("状态")
    rows[0][status].value = "确认"
    rows[1][status].value = "误报"
    book.save(path)
    plan = import_reviews(store, path, reviewer="张三")
    assert len(plan.decisions) == 2
    after = compute_overall(checked_guides(store, sweep.id))
    assert after["incomplete_elements:E1-4"].value == 1
    assert after["guide_accuracy:E1-4"].value == 0.5 and after["guide_accuracy:E1-4"].n == 2
    again = build_report(store, sweep, tmp_path / "r2")
    assert len(again.defects.unsure) == 1 and again.defects.settled == 2
    store.close()


def test_a_bad_status_on_the_incomplete_sheet_is_refused_whole(tmp_path) -> None:
    import pytest
    from guideaudit.reports.review import ReviewFileError

    store = _store(tmp_path)
    built = build_report(store, store.latest_sweep(), tmp_path / "r")
    path = built.out / "缺陷清单.xlsx"
    book = load_workbook(path)
    ws = book["待核实"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("状态") + 1).value = "已整改"  # not a settlement of 待核实
    book.save(path)
    with pytest.raises(ReviewFileError) as err:
        import_reviews(store, path, reviewer="张三")
    assert "工作表「待核实」第 2 行" in str(err.value) and "确认 / 误报" in str(err.value)
    assert store.reviews() == []
    store.close()
