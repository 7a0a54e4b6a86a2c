from guideaudit.checks.result import Defect, GuideResult
from guideaudit.checks.stored import checked_guides

from guideaudit.record import GuideRecord
from guideaudit.store import DefectRow, GuideEntry, ReviewDecision, Store


def test_dismissed_defect_no_longer_fails_its_element(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    record = GuideRecord(id="G1", url="http://127.0.0.1/g1", agency="甲局", hours="工作时间")
    result = GuideResult(
        id="G1", agency="甲局", na=frozenset({"E4-1", "E4-2"}),
        defects=[Defect("hours.vague", "E1-4", "error", "办理时间含糊", "工作时间", "写明星期和时段")],
    )
    rows = [DefectRow(result.defect_id(d), d.rule, d.element, d.severity, d.message, d.evidence,
                      d.suggestion, d.locus) for d in result.defects]
    sweep = store.start_sweep("t")
    store.save_guides(sweep.id, [GuideEntry(record, dict(result.elements), rows)])
    [(_, before)] = list(checked_guides(store, sweep.id))
    assert before.elements["E1-4"] == "fail" and before.elements["E4-1"] == "na"

    store.record_reviews([ReviewDecision(rows[0].defect_id, "误报")], reviewer="审核员")
    [(_, after)] = list(checked_guides(store, sweep.id))
    assert after.elements["E1-4"] == "pass" and after.defects == []
    [(_, kept)] = list(checked_guides(store, sweep.id, include_dismissed=True))
    assert len(kept.defects) == 1
