"""The rectification loop over real sweeps of a fixture portal: a unit fixes one defect and
breaks one guide between two rounds; `compare` finds exactly that, flags a defect marked 已整改
that is still there, and a 误报 survives a re-sweep of the same text from another port."""

from __future__ import annotations

import json

import pytest

from guideaudit.store import ReviewDecision, Store

from .helpers import cli


@pytest.fixture(scope="module")
def rounds(tmp_path_factory):
    from guideaudit.fixtures.portal import FixturePortal

    home = tmp_path_factory.mktemp("compare")
    db = f"sqlite:///{home / 'c.sqlite3'}"
    with FixturePortal(n_guides=600, seed=11, port=0) as portal:
        first = cli(home, "sweep", "fixture-api", "--base-url", portal.base_url, "--db", db)
        assert first.returncode == 0, first.stderr[-2000:]
        # between the rounds the portal serves its next round: some 办理时间 fixed, some broken
        before = portal.seeded_defects()
        fixed_pairs, new_pairs = portal.next_round(family="api", n=2)
        assert portal.seeded_defects() == (before - fixed_pairs) | new_pairs  # the truth follows
        touched = {gid for gid, _ in fixed_pairs | new_pairs}
        store = Store(db)
        s1 = store.latest_sweep()
        live = [d for d in store.defects(s1.id) if d.guide_id not in touched]
        dismissed, marked = live[0], live[1]
        store.record_reviews([ReviewDecision(dismissed.defect_id, "误报", "核实无误"),
                              ReviewDecision(marked.defect_id, "已整改", "单位称已改")], reviewer="张三", sweep_id=s1.id)
        store.close()
        second = cli(home, "sweep", "fixture-api", "--base-url", portal.base_url, "--db", db)
        assert second.returncode == 0, second.stderr[-2000:]
        # the same portal text served from another port: nothing may look new or fixed
        with FixturePortal(n_guides=600, seed=11, port=0) as moved:
            assert moved.next_round(family="api", n=2) == (fixed_pairs, new_pairs)
            third = cli(home, "sweep", "fixture-api", "--base-url", moved.base_url, "--db", db)
            assert third.returncode == 0, third.stderr[-2000:]
    yield {"home": home, "db": db, "fixed_pairs": fixed_pairs, "new_pairs": new_pairs, "dismissed": dismissed,
           "marked": marked, "second": second, "third": third}


def _compare(rounds, *args):
    proc = cli(rounds["home"], "compare", "--db", rounds["db"], "--format", "json", *args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_compare_finds_exactly_the_new_fixed_and_persisting(rounds) -> None:
    data = _compare(rounds, "--from", "1", "--to", "2")
    by = {}
    for d in data["defects"]:
        by.setdefault(d["change"], set()).add((d["guide_id"], d["rule"]))
    assert by["new"] == rounds["new_pairs"] and len(rounds["new_pairs"]) == 2
    assert by["fixed"] == rounds["fixed_pairs"] and rounds["fixed_pairs"]
    t = data["totals"]
    assert (t["new"], t["fixed"]) == (2, len(rounds["fixed_pairs"])) and t["persisting"] == len(by["persisting"])
    # 整改率 = fixed ÷ defects of the earlier sweep (误报 excluded from both)
    store = Store(rounds["db"])
    before = len(store.defects(1))
    store.close()
    assert t["rectification_rate"] == pytest.approx(len(rounds["fixed_pairs"]) / before)
    assert sum(u["fixed"] for u in data["units"]) == t["fixed"] and sum(u["new"] for u in data["units"]) == 2


def test_marked_fixed_but_still_present_is_flagged(rounds) -> None:
    data = _compare(rounds, "--from", "1", "--to", "2")
    flagged = [d for d in data["defects"] if d["marked_fixed_but_present"]]
    assert [(d["defect_id"], d["change"]) for d in flagged] == [(rounds["marked"].defect_id, "persisting")]
    assert data["totals"]["marked_fixed_but_present"] == 1
    # the defect list no longer pre-fills 已整改 and says why
    from guideaudit.reports.defects import collect

    store = Store(rounds["db"])
    rows = [r for r in collect(store, store.get_sweep(2)).rows if r.defect_id == rounds["marked"].defect_id]
    store.close()
    assert rows and rows[0].status == "" and rows[0].review_note.startswith("标记已整改但仍存在")


def test_sweep_ends_with_the_comparison_line(rounds) -> None:
    assert f"与第 1 次抓取相比：新增问题 2，已整改 {len(rounds['fixed_pairs'])}" in rounds["second"].stdout


def test_a_false_positive_survives_a_resweep_from_another_port(rounds) -> None:
    data = _compare(rounds)  # defaults: the two latest complete sweeps (2 → 3)
    assert (data["from"], data["to"]) == (2, 3)
    assert data["totals"]["new"] == 0 and data["totals"]["fixed"] == 0
    store = Store(rounds["db"])
    third = {d.defect_id: d for d in store.defects(3, include_dismissed=True)}
    store.close()
    assert third[rounds["dismissed"].defect_id].dismissed


def test_compare_writes_csv_and_xlsx_read_back(rounds) -> None:
    from openpyxl import load_workbook

    out = rounds["home"] / "比较.xlsx"
    proc = cli(rounds["home"], "compare", "--db", rounds["db"], "--from", "1", "--to", "2", "--format", "xlsx", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    book = load_workbook(out, read_only=True)
    units = list(book["各单位"].iter_rows(values_only=True))
    assert units[1][:6] == ("单位", "上次问题数", "新增", "已整改", "仍存在", "整改率") and units[-1][0] == "合计"
    changes = list(book["问题变化"].iter_rows(values_only=True))
    assert {r[0] for r in changes[2:]} == {"新增", "已整改", "仍存在"}
    csv_out = rounds["home"] / "比较.csv"
    proc = cli(rounds["home"], "compare", "--db", rounds["db"], "--from", "1", "--to", "2", "--format", "csv", "--out", str(csv_out))
    assert proc.returncode == 0 and csv_out.read_text("utf-8-sig").startswith("变化,单位,事项名称")


def test_the_line_a_sweep_ends_with_is_what_compare_computes(rounds) -> None:
    """The sweep's closing line is counted in the database (compare_totals): with a 误报 and an
    已整改 still present, and across the port move, every figure is compare()'s."""
    from guideaudit.reports.compare import compare, compare_totals

    fields = ("new", "fixed", "persisting", "before", "marked_fixed_but_present", "gone_with_guide",
              "now_unverified", "guides_added", "guides_removed", "guides_changed")
    store = Store(rounds["db"])
    try:
        for a, b in ((1, 2), (2, 3), (1, 3), (2, 1)):
            earlier, later = store.get_sweep(a), store.get_sweep(b)
            full, cheap = compare(store, earlier, later), compare_totals(store, earlier, later)
            assert {f: getattr(cheap.totals, f) for f in fields} == {f: getattr(full.totals, f) for f in fields}, (a, b)
            assert cheap.summary() == full.summary()
        second = compare_totals(store, store.get_sweep(1), store.get_sweep(2))
    finally:
        store.close()
    assert second.totals.marked_fixed_but_present == 1 and second.summary() in rounds["second"].stdout
