"""`report --per-unit`: one workbook per unit to send out; the units' filled-in workbooks come
back and are imported together, all or nothing."""

from __future__ import annotations

import pytest
from guideaudit.reports.defects import HEADERS
from openpyxl import load_workbook

from guideaudit.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _first_row(path, status: str) -> str:
    book = load_workbook(path)
    unit_sheets = [n for n in book.sheetnames if n not in ("汇总", "待核实", "已排除的误报", "说明", "_guideaudit")]
    ws = book[unit_sheets[0]]
    ws.cell(row=3, column=HEADERS.index("状态") + 1).value = status
    did = ws.cell(row=3, column=HEADERS.index("问题编号") + 1).value
    book.save(path)
    return did


def test_per_unit_workbooks_hold_one_unit_each_and_import_together(store, tmp_path, capsys) -> None:
    out = tmp_path / "报告"
    assert main(["report", "--out", str(out), "--db", store.url, "--quiet", "--per-unit"]) == 0
    folder = out / "各单位缺陷清单"
    files = sorted(folder.glob("*.xlsx"))
    assert len(files) == 3
    for path in files:
        book = load_workbook(path, read_only=True)
        units = [r[2] for r in book["_guideaudit"].iter_rows(values_only=True) if r[0] == "sheet"]
        assert units == [path.stem]  # only that unit's sheet
    ids = [_first_row(files[0], "确认"), _first_row(files[1], "误报")]
    capsys.readouterr()
    assert main(["review", "import", *map(str, files), "--reviewer", "李四", "--db", store.url]) == 0
    assert "已导入（复核人：李四）复核结论 2 条（3 个文件）" in capsys.readouterr().out
    latest = {r.defect_id: r.status for r in store.reviews(latest_only=True)}
    assert [latest[i] for i in ids] == ["确认", "误报"]


def test_one_bad_file_of_several_refuses_them_all(store, tmp_path, capsys) -> None:
    out = tmp_path / "报告"
    assert main(["report", "--out", str(out), "--db", store.url, "--quiet", "--per-unit"]) == 0
    files = sorted((out / "各单位缺陷清单").glob("*.xlsx"))
    _first_row(files[0], "确认")
    _first_row(files[1], "不知道")
    assert main(["review", "import", *map(str, files), "--reviewer", "李四", "--db", store.url]) == 2
    err = capsys.readouterr().err
    assert files[1].name in err and "不知道" in err
    assert store.reviews() == []
