"""A guide-derived score says how many elements were 待核实 and left out of the rate."""

from __future__ import annotations

from guideaudit.checks import check_guide
from guideaudit.reports.scoring import guide_part
from guideaudit.schemes import load_scheme, score
from guideaudit.schemes.guides import from_pairs

from guideaudit.record import GuideRecord


def _guide(n: int, **fields) -> GuideRecord:
    base = dict(url=f"http://127.0.0.1/g/{n}", item_name=f"事项{n}", agency="江海市市场监督管理局",
                statutory_limit="20个工作日", promised_limit="5个工作日", location="江海市人民大道1号3楼5号窗口",
                hours="周一至周五 9:00-12:00，14:00-17:30", consult="0662-3300000", onsite_visits="1")
    return GuideRecord(**{**base, **fields})


def test_accuracy_explanation_counts_the_incomplete_elements() -> None:
    records = [_guide(1), _guide(2, hours=None, uncaptured=["hours"]), _guide(3, hours=None, uncaptured=["hours"])]
    pairs = [(r, check_guide(r)) for r in records]
    assert [res.elements["E1-4"] for _, res in pairs] == ["pass", "incomplete", "incomplete"]
    figures = from_pairs(pairs, "records", "test")
    scheme, _ = guide_part(load_scheme("anda-2020"), dict(figures.groups))
    result = score(scheme, None, guide=figures, allow_missing=True)
    lines = [line for unit in result.units for line in unit.indicators if "guide_accuracy" in (line.explanation or "")]
    assert lines, [u.indicators for u in result.units]
    assert any("个要素待核实、未计入" in line.explanation for line in lines)
