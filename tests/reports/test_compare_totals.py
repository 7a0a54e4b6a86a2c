"""The line a sweep ends with (与第 N 次抓取相比：新增、已整改、整改率) is counted by the database
(reports.compare.compare_totals, Store.change_figures), not by reading both sweeps guide by guide:
its every figure must be the one `guideaudit compare` computes from the guides, for every kind of
change: a defect new, fixed, persisting, now 待核实, gone with its guide; guides added, removed,
changed; 误报 that holds or lapses with the content; 已整改 marked on an earlier list. On SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from guideaudit.reports.compare import compare, compare_totals

from guideaudit.record import GuideRecord
from guideaudit.store import DefectRow, GuideEntry, ReviewDecision, Store

FIELDS = ("new", "fixed", "persisting", "before", "marked_fixed_but_present", "gone_with_guide", "now_unverified",
          "guides_added", "guides_removed", "guides_changed")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    s = Store(url)
    yield s
    s.close()


def _entry(gid: str, defects: dict[str, str], hours: str = "周一至周五 9:00-17:00", **elements: str) -> GuideEntry:
    """A guide with defects {rule: element} (each element failing) and other element verdicts."""
    record = GuideRecord(id=gid, url=f"http://127.0.0.1/g/{gid}", item_name=f"事项{gid}",
                         agency="甲局" if gid < "M" else "乙局", hours=hours)
    rows = [DefectRow(f"{gid}-{rule}", rule, element, "error", "问题", "原文", "建议") for rule, element in defects.items()]
    verdicts = {"E1-4": "pass", "E2-1": "pass", **{e: "fail" for e in defects.values()},
                **{k.replace("_", "-"): v for k, v in elements.items()}}
    return GuideEntry(record, verdicts, rows)


def _sweep(store: Store, entries: list[GuideEntry]) -> int:
    sweep = store.start_sweep("demo")
    store.save_guides(sweep.id, entries)
    store.finish_sweep(sweep.id, "complete")
    return sweep.id


def _same(store: Store, a: int, b: int) -> tuple:
    earlier, later = store.get_sweep(a), store.get_sweep(b)
    full, cheap = compare(store, earlier, later), compare_totals(store, earlier, later)
    got = {f: getattr(cheap.totals, f) for f in FIELDS}
    assert got == {f: getattr(full.totals, f) for f in FIELDS}, (a, b)
    assert cheap.summary() == full.summary()
    return got


def test_compare_totals_count_what_compare_counts(store) -> None:
    s1 = _sweep(store, [
        _entry("A", {"hours.vague": "E1-4", "fee.none": "E2-1"}),
        _entry("B", {"hours.vague": "E1-4"}),
        _entry("C", {"hours.vague": "E1-4"}),  # withdrawn before sweep 2
        _entry("D", {"hours.vague": "E1-4"}),  # 误报, unchanged: in neither
        _entry("E", {"hours.vague": "E1-4"}),  # 误报, then republished: judged afresh
        _entry("F", {"hours.vague": "E1-4"}),  # 已整改 on sweep 1's list, still there
        _entry("H", {"hours.vague": "E1-4"}),
        _entry("N", {"hours.vague": "E1-4"}),  # 已整改 on sweep 2's list: not flagged in sweep 2
        _entry("P", {}),
    ])
    store.record_reviews([ReviewDecision("D-hours.vague", "误报"), ReviewDecision("E-hours.vague", "误报"),
                          ReviewDecision("F-hours.vague", "已整改")], reviewer="张三", sweep_id=s1)
    s2 = _sweep(store, [
        _entry("A", {"hours.vague": "E1-4"}),  # fee.none fixed
        _entry("B", {}, hours="请咨询", E1_4="incomplete"),  # changed; its defect's element now 待核实
        _entry("D", {"hours.vague": "E1-4"}),
        _entry("E", {"hours.vague": "E1-4"}, hours="工作时间"),
        _entry("F", {"hours.vague": "E1-4"}),
        _entry("G", {"hours.vague": "E1-4", "fee.none": "E2-1"}),  # a new guide
        _entry("H", {}, hours="周一至周五 8:30-17:30"),  # fixed by a change
        _entry("N", {"hours.vague": "E1-4"}),
        _entry("P", {"fee.none": "E2-1"}),  # new defect on an unchanged guide
    ])
    store.record_reviews([ReviewDecision("N-hours.vague", "已整改")], reviewer="李四", sweep_id=s2)
    # an incremental-like sweep: sweep 2's rows carried over, one guide withdrawn
    s3 = store.start_sweep("demo")
    store.carry_guides(s2, s3.id, ["A", "B", "D", "E", "F", "H", "N", "P"])
    store.finish_sweep(s3.id, "complete")
    s3 = s3.id

    forward = _same(store, s1, s2)
    assert forward == {"new": 4, "fixed": 2, "persisting": 3, "before": 7, "marked_fixed_but_present": 1,
                       "gone_with_guide": 1, "now_unverified": 1, "guides_added": 1, "guides_removed": 1,
                       "guides_changed": 3}
    # what an incremental sweep records of its guides against its base, counted the same way
    assert store.sweep_changes(s1, s2) == {"unchanged": 5, "changed": 3, "new": 1, "removed": 1}
    assert store.sweep_changes(s2, s3) == {"unchanged": 8, "changed": 0, "new": 0, "removed": 1}
    carried = _same(store, s2, s3)
    assert carried["new"] == carried["fixed"] == 0 and carried["gone_with_guide"] == 2  # G's two defects
    assert carried["marked_fixed_but_present"] == 2  # F (sweep 1's list) and N (sweep 2's) < sweep 3
    for a, b in ((s2, s1), (s1, s3), (s3, s1), (s3, s2)):
        _same(store, a, b)
