from guideaudit.checks.result import Defect, GuideResult
from guideaudit.checks.stored import checked_guides, entry_of

from guideaudit.record import GuideRecord
from guideaudit.store import ReviewDecision, Store


def test_dismissed_defect_no_longer_fails_its_element(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    record = GuideRecord(id="G1", url="http://127.0.0.1/g1", agency="甲局", hours="工作时间")
    result = GuideResult(
        id="G1", agency="甲局", na=frozenset({"E4-1", "E4-2"}),
        defects=[Defect("hours.vague", "E1-4", "error", "办理时间含糊", "工作时间", "写明星期和时段")],
    )
    entry = entry_of(record, result)
    rows = entry.defects
    sweep = store.start_sweep("t")
    store.save_guides(sweep.id, [entry])
    [(_, before)] = list(checked_guides(store, sweep.id))
    assert before.elements["E1-4"] == "fail" and before.elements["E4-1"] == "na"

    store.record_reviews([ReviewDecision(rows[0].defect_id, "误报")], reviewer="审核员")
    [(_, after)] = list(checked_guides(store, sweep.id))
    assert after.elements["E1-4"] == "pass" and after.defects == []
    [(_, kept)] = list(checked_guides(store, sweep.id, include_dismissed=True))
    assert len(kept.defects) == 1


def test_stored_guide_reads_back_as_the_result_that_was_stored(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    record = GuideRecord(id="G2", url="http://127.0.0.1/g2", agency="乙局")
    result = GuideResult(
        id="G2", agency="乙局", na=frozenset({"E1-3"}),
        defects=[Defect("material.source-missing", "E2-1", "error", "未写来源", "未公布", "写明来源",
                        "material:0:申请表"),
                 Defect("consult.hotline-only", "E1-5", "warning", "仅 12345", "12345", "写明部门电话")],
    )
    sweep = store.start_sweep("t")
    store.save_guides(sweep.id, [entry_of(record, result)])
    [(_, back)] = list(checked_guides(store, sweep.id))
    assert back.elements == result.elements
    assert [(d, back.defect_id(d)) for d in back.defects] == [(d, result.defect_id(d)) for d in result.defects]
