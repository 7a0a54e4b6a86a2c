"""报告.html lists every defect and hint of the sweep (code and cross-field checks included), per
unit, with the counts its headings give; parsed back, not grepped."""

from __future__ import annotations

from bs4 import BeautifulSoup
from guideaudit.reports.defects import collect


def test_every_listed_defect_is_in_the_html_and_counts_match(report_dir, store) -> None:
    soup = BeautifulSoup((report_dir / "报告.html").read_text("utf-8"), "html.parser")
    section = soup.find("section", id="defects")
    shown = {d["data-defect"] for d in section.select("div.defect[data-defect]")}
    defects = collect(store, store.latest_sweep())
    assert shown == {r.defect_id for r in defects.rows}
    for block in section.select("section.unit-list"):
        rows = [r for r in defects.rows if r.unit == block["data-unit"]]
        assert int(block["data-count"]) == len(rows) == len(block.select("div.defect"))
        heading = block.find("h3").get_text()
        errors = sum(r.severity == "error" for r in rows)
        assert f"错误 {errors} 条，提示 {len(rows) - errors} 条" in heading
    assert {r.severity for r in defects.rows} >= {"error"}
