"""The whole review round trip on real parts: the fixture portal on loopback, real sweeps (Scrapy
in a subprocess), reports, an auditor's 误报 marks made in the xlsx with openpyxl, the import,
a guide changed on the portal, a second sweep and a second report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from guideaudit.reports.defects import HEADERS
from openpyxl import load_workbook

from guideaudit.cli import main

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::UserWarning")]


def _sweep(portal, db: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "guideaudit", "sweep", "fixture-html", "--base-url", portal.base_url, "--db", db],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _report(db: str, out: Path) -> None:
    assert main(["report", "--out", str(out), "--db", db, "--quiet"]) == 0


def _defect_rows(xlsx: Path) -> list[dict]:
    book = load_workbook(xlsx, read_only=True)
    units = [row[1] for row in book["_guideaudit"].iter_rows(values_only=True) if row[0] == "sheet"]
    rows = []
    for name in units:
        values = list(book[name].iter_rows(values_only=True))
        # a title row, then the header (reports.xlsx.HEADER_ROW)
        rows += [dict(zip(values[1], v, strict=True)) | {"_sheet": name} for v in values[2:] if v[0] is not None]
    book.close()
    return rows


def _points(xlsx: Path) -> dict[tuple[str, str], float]:
    rows = list(load_workbook(xlsx, read_only=True)["指标得分"].iter_rows(values_only=True))
    return {(r[0], r[3]): r[6] for r in rows[1:]}


def _element(row: dict) -> str:
    return row["要素"].split()[0]


def test_sweep_report_review_resweep_report(tmp_path):
    from guideaudit.fixtures.portal import FixturePortal

    from guideaudit.store import Store

    db = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    first, second = tmp_path / "第一次", tmp_path / "第二次"
    with FixturePortal(n_guides=150, seed=11) as portal:
        _sweep(portal, db)
        _report(db, first)
        rows = _defect_rows(first / "缺陷清单.xlsx")
        assert rows, "the fixture portal seeds defects: the first list cannot be empty"
        by_guide: dict[str, list[dict]] = {}
        for row in rows:
            by_guide.setdefault(row["事项编码"], []).append(row)

        def alone_in_its_element(row: dict) -> bool:
            same = [r for r in by_guide[row["事项编码"]] if _element(r) == _element(row)]
            return len(same) == 1 and row["类别"] == "错误" and _element(row).startswith("E")

        # Two defects to dismiss, on two guides, each the only failure of its element there.
        picks = []
        for row in rows:
            if alone_in_its_element(row) and all(row["单位"] != p["单位"] for p in picks):
                picks.append(row)
            if len(picks) == 2:
                break
        assert len(picks) == 2
        # A third guide, of another unit, with a defect the auditor also calls 误报, which the
        # portal then republishes with a vague 办理时间: the guide changed, so it is judged afresh.
        changed = next(
            r for r in rows
            if r["单位"] not in {p["单位"] for p in picks}
            and alone_in_its_element(r) and _element(r) != "E1-4"
            and not any(_element(x) == "E1-4" for x in by_guide[r["事项编码"]])
        )

        book = load_workbook(first / "缺陷清单.xlsx")
        status_col, comment_col, id_col = (HEADERS.index(h) + 1 for h in ("状态", "复核意见", "问题编号"))
        marked = {p["问题编号"] for p in picks} | {changed["问题编号"]}
        for row in (*picks, changed):
            ws = book[row["_sheet"]]
            line = next(i for i in range(3, ws.max_row + 1) if ws.cell(row=i, column=id_col).value == row["问题编号"])
            ws.cell(row=line, column=status_col).value = "误报"
            ws.cell(row=line, column=comment_col).value = "人工核实无误"
        book.save(first / "缺陷清单.xlsx")
        assert main(["review", "import", str(first / "缺陷清单.xlsx"), "--reviewer", "复核员", "--db", db]) == 0
        store = Store(db)
        assert {r.defect_id for r in store.reviews()} == marked
        changed_guide = next(g for g in store.guides(1) if any(d.defect_id == changed["问题编号"] for d in g.defects))
        store.close()

        portal.mutate(changed_guide.record.id, hours="工作时间")
        _sweep(portal, db)
        _report(db, second)

    after = _defect_rows(second / "缺陷清单.xlsx")
    after_ids = {r["问题编号"] for r in after}
    # The two dismissed defects stay out of the list and the csv…
    for pick in picks:
        assert pick["问题编号"] not in after_ids
    csv = pd.read_csv(second / "缺陷清单.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert not set(csv["问题编号"]) & {p["问题编号"] for p in picks}
    assert set(csv["问题编号"]) == after_ids
    # …everything else found in the first sweep is still listed, unchanged guides unchanged…
    untouched = {r["问题编号"] for r in rows} - marked
    assert untouched <= after_ids
    # …and out of the score: the element they failed now scores higher for their units.
    before_pts, after_pts = _points(first / "评分.xlsx"), _points(second / "评分.xlsx")
    for pick in picks:
        key = (pick["单位"], _element(pick))
        assert after_pts[key] > before_pts[key], key
    html = (second / "报告.html").read_text(encoding="utf-8")
    for pick in picks:
        assert pick["问题编号"] not in html
    # The changed guide is checked afresh: its 误报 no longer holds, and the new defect is listed
    # as first seen in the second sweep.
    again = next(r for r in after if r["问题编号"] == changed["问题编号"])
    assert again["状态"] in (None, "") and "指南已变更" in again["复核记录"]
    new = [r for r in after if r["事项编码"] == changed["事项编码"] and _element(r) == "E1-4"]
    assert new and new[0]["原文"] == "工作时间" and new[0]["首次发现"].startswith("第2次")
    assert f'data-defect="{changed["问题编号"]}"' in html
    # The second report shows the trend over both sweeps.
    assert 'id="trend"' in html
