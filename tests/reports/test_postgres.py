"""Reports and the review round trip on PostgreSQL (the server on 127.0.0.1:5432)."""

from __future__ import annotations

import pytest
from guideaudit.checks.result import defect_id
from guideaudit.reports.defects import HEADERS
from openpyxl import load_workbook
from report_data import fill, guide_id

from guideaudit.cli import main
from guideaudit.store import Store

pytestmark = [pytest.mark.postgres, pytest.mark.filterwarnings("ignore::UserWarning")]


def test_report_and_review_round_trip_on_postgres(pg_url, tmp_path):
    store = Store(pg_url)
    fill(store)
    out = tmp_path / "pg"
    assert main(["report", "--out", str(out), "--db", pg_url, "--quiet"]) == 0
    target = defect_id(guide_id("02"), "hours.vague")
    book = load_workbook(out / "缺陷清单.xlsx")
    ws = book["江城区市场监督管理局"]
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(row=r, column=HEADERS.index("问题编号") + 1).value == target)
    ws.cell(row=row, column=HEADERS.index("状态") + 1).value = "误报"
    book.save(out / "缺陷清单.xlsx")
    assert main(["review", "import", str(out / "缺陷清单.xlsx"), "--reviewer", "审核", "--db", pg_url]) == 0
    assert [(r.defect_id, r.status, r.reviewer) for r in store.reviews()] == [(target, "误报", "审核")]
    assert main(["report", "--out", str(tmp_path / "pg2"), "--db", pg_url, "--quiet"]) == 0
    assert target not in (tmp_path / "pg2" / "缺陷清单.csv").read_text(encoding="utf-8-sig")
    store.close()
