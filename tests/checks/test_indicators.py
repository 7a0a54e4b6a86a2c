"""Indicators worked by hand on four guides."""

from __future__ import annotations

import pytest
from guideaudit.checks import check_guide
from guideaudit.checks.indicators import INDICATORS, compute_indicators, compute_overall

from guideaudit.record import parse_record


def _guide(i: int, agency: str, **fields):
    data = {"id": f"g{i}", "item_name": f"事项{i}", "agency": agency, **fields}
    record = parse_record(data)
    return record, check_guide(record)


@pytest.fixture
def pairs():
    return [
        # 法定 20, 承诺 5 → r = 0.75; 1 visit; depth Ⅲ; express yes
        _guide(1, "甲局", statutory_limit="20个工作日", promised_limit="5个工作日", onsite_visits="1",
               online_depth="三级", express="是", appointment="是"),
        # 法定 10, 即办 → r = 1; 0 visits; depth Ⅳ
        _guide(2, "甲局", statutory_limit="10个工作日", promised_limit="即办", onsite_visits="0",
               online_depth="Ⅳ", express="否", online_payment="是"),
        # 法定 70 自然日 = 50 工作日, 承诺 50 工作日 → r = 0; 2 visits
        _guide(3, "乙局", statutory_limit="70(自然日)", promised_limit="50(工作日)", onsite_visits="2",
               online_depth="一级"),
        # no 法定 (无), 承诺 missing → only counted where known
        _guide(4, "乙局", statutory_limit="无", item_type="公共服务", promised_limit=None, onsite_visits="0"),
    ]


def test_overall_by_hand(pairs) -> None:
    ind = compute_overall(pairs)
    assert set(ind) == set(INDICATORS)
    assert ind["time_reduction_mean"].value == pytest.approx((0.75 + 1 + 0) / 3)
    assert ind["time_reduction_mean"].n == 3
    assert ind["time_reduction_total"].value == pytest.approx(1 - (5 + 0 + 50) / (20 + 10 + 50))
    assert ind["promised_days_mean"].value == pytest.approx((5 + 0 + 50) / 3)
    assert ind["immediate_share"].value == pytest.approx(1 / 3) and ind["immediate_share"].n == 3
    assert ind["visits_mean"].value == pytest.approx(3 / 4) and ind["visits_mean"].n == 4
    assert ind["zero_visit_share"].value == 0.5
    assert ind["max_one_visit_share"].value == 0.75
    assert ind["online_available_share"].value == pytest.approx(2 / 3) and ind["online_available_share"].n == 3
    assert ind["full_online_share"].value == pytest.approx(1 / 3)
    assert ind["depth_share:I"].value == pytest.approx(1 / 3) and ind["depth_share:II"].value == 0
    assert ind["express_share"].value == 0.5 and ind["express_share"].n == 2
    assert ind["appointment_share"].n == 1 and ind["online_payment_share"].value == 1.0
    # 法定 all have units → E1-1 passes for all four
    assert ind["guide_accuracy:E1-1"].value == 1.0 and ind["guide_accuracy:E1-1"].n == 4
    # 承诺 missing on guide 4 only
    assert ind["guide_accuracy:E1-2"].value == 0.75
    # nothing published for hours anywhere
    assert ind["guide_accuracy:E1-4"].value == 0.0
    assert ind["guide_defect_free_share"].value == 0.0


def test_guide_accuracy_is_share_of_applicable_elements(pairs) -> None:
    ind = compute_overall(pairs)
    passed = applicable = 0
    for _record, result in pairs:
        for verdict in result.elements.values():
            applicable += verdict != "na"
            passed += verdict == "pass"
    assert ind["guide_accuracy"].value == pytest.approx(passed / applicable)


def test_grouped_by_agency(pairs) -> None:
    groups = compute_indicators(pairs, "agency")
    assert set(groups) == {"甲局", "乙局"}
    assert groups["甲局"]["time_reduction_mean"].value == pytest.approx(0.875)
    assert groups["乙局"]["time_reduction_mean"].value == 0.0 and groups["乙局"]["time_reduction_mean"].n == 1
    assert groups["乙局"]["online_payment_share"].value is None and groups["乙局"]["online_payment_share"].n == 0


def test_grouped_by_function_and_dismissals_count_nowhere(pairs) -> None:
    record, result = pairs[3]
    target = next(d for d in result.defects if d.rule == "promised-limit.missing")
    cleaned = [(r, res) for r, res in pairs[:3]] + [(record, result.without({result.defect_id(target)}))]
    assert compute_overall(cleaned)["guide_accuracy:E1-2"].value == 1.0
    groups = compute_indicators(pairs, lambda r: "一组")
    assert list(groups) == ["一组"]


def test_unknown_grouping_refused(pairs) -> None:
    with pytest.raises(ValueError, match="分组"):
        compute_indicators(pairs, "colour")


def test_overall_in_the_same_pass(pairs) -> None:
    groups = compute_indicators(iter(pairs), "agency", overall=True)
    assert list(groups)[0] == "全部"
    assert groups["全部"]["visits_mean"].value == compute_overall(pairs)["visits_mean"].value
