"""Real 广东政务服务网 guides (fixtures/realdata/gdzwfw_2021_sample.jsonl): converter and pinned
verdicts of a few records read by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from guideaudit.checks import check_guide
from guideaudit.checks.importers.gdzwfw_2021 import load

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "realdata" / "gdzwfw_2021_sample.jsonl"
# Never captured by that scrape: judged 待核实 on every guide, never pass or fail.
UNCAPTURED_ELEMENTS = ("E1-6", "E2-1", "E2-2", "E2-3", "E3-1")


@pytest.fixture(scope="module")
def results():
    records = list(load(SAMPLE))
    return {r.id: (r, check_guide(r)) for r in records}


def test_converter_maps_misleading_names(results) -> None:
    assert len(results) == 1131
    record, _ = results["11440000006940116U2440102002003"]
    assert record.statutory_limit == "70(工作日)"  # handle_time is the 法定 limit
    assert record.promised_limit == "18(工作日)"  # handle_time_limit is the 承诺 limit
    assert record.location.startswith("广州市越秀区农林下路72号")  # the scraped label is dropped
    assert record.basic_code == "440102002003" and record.implementation_code.endswith(record.basic_code)
    assert record.hours is None and record.steps is None  # never captured: left null
    # a 33-character TASK_CODE is the 业务办理项编码, not a malformed 实施编码
    record, result = results["11440000553612461J244011110400003"]
    assert record.implementation_code == "11440000553612461J2440111104000"
    assert "code.implementation-malformed" not in {d.rule for d in result.defects}


def _rules(results, guide_id: str) -> set[str]:
    return {d.rule for d in results[guide_id][1].defects}


def test_pinned_real_verdicts(results) -> None:
    # 1-3号窗口, 020 number, units given: nothing to report
    assert results["11440000006940116U2440102002003"][1].defects == []
    # "综合服务大厅综合窗口" names no window
    assert _rules(results, "11440000553612461J244011110400003") == {"location.no-room-or-window"}
    # 020-12345 alone: a warning, E1-5 still passes
    _, hotline = results["11440000MB2D0234372440125017014"]
    assert {d.rule: d.severity for d in hotline.defects} == {"consult.hotline-only": "warning"}
    assert hotline.elements["E1-5"] == "pass"
    # 无线下办理窗口 but 1 visit, and a local number without area code
    _, contradiction = results["11440000MB2D0344212442172007000"]
    assert {"location.offline-contradiction", "consult.invalid-phone"} <= {d.rule for d in contradiction.defects}
    # "TE440000GD030003VV" is no 统一社会信用代码 (V is outside the GB 32100 alphabet)
    assert "code.implementation-malformed" in _rules(results, "TE440000GD030003VV2442199374000")
    # check character of 13440000515356094L should be A
    defect = next(d for d in results["13440000515356094L2442199643000"][1].defects if d.rule == "code.credit-code-check")
    assert "应为 A" in defect.message


def test_element_failure_shares(results) -> None:
    counts: dict[str, list[int]] = {}
    for _, result in results.values():
        for code, verdict in result.elements.items():
            fail_applicable = counts.setdefault(code, [0, 0])
            fail_applicable[0] += verdict == "fail"
            fail_applicable[1] += verdict not in ("na", "incomplete")
    assert counts["E1-1"] == [0, 1131]
    assert counts["E1-2"] == [275, 1131]  # 承诺办结时限 "无"
    assert counts["E1-3"] == [235, 734]  # 397 无线下办理窗口 with 0 visits are not applicable
    assert counts["E1-5"] == [47, 1131]  # 41 "无", 6 numbers without area code or of wrong length
    # 42 guides need a visit, but 必须现场办理原因 was never captured: 待核实, not pass
    assert counts["E3-2"] == [0, 1089]
    for code in UNCAPTURED_ELEMENTS:
        assert counts[code] == [0, 0]


def test_uncaptured_facts_are_incomplete_with_a_reason(results) -> None:
    verdicts: dict[str, dict[str, int]] = {}
    for _, result in results.values():
        for code, verdict in result.elements.items():
            verdicts.setdefault(code, {}).setdefault(verdict, 0)
            verdicts[code][verdict] += 1
        for code, reason in result.reasons.items():
            assert result.elements[code] == "incomplete" and reason.startswith("来源未采集")
    assert verdicts["E1-4"] == {"incomplete": 734, "na": 397}  # 办理时间 never captured
    assert verdicts["E3-1"] == {"incomplete": 1131}
    # "无" is the scraper's word for a field it did not find: materials unknown, not "none needed"
    assert verdicts["E2-1"] == {"incomplete": 1128, "na": 3}
    # form names in 《》 ("《…申请表》") are forms too
    assert verdicts["E4-1"] == {"incomplete": 991, "na": 140}
    record, result = results["11440000006940116U2440102002003"]
    assert result.reasons["E1-4"] == "来源未采集：办理时间"
