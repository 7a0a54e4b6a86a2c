"""Scorecards: every guide-derived point lost leads to the guides, the defects and the published
text; 评分.xlsx holds the same; a 误报 decision gives the points back."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from guideaudit.checks.result import defect_id
from guideaudit.reports.build import ScoreOptions, build_report
from openpyxl import load_workbook
from report_data import SCHEME, UNITS, guide_id, write_metrics

from guideaudit.store import ReviewDecision

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
MARKET = UNITS[0]


def _build(store, tmp_path, name="out", **options):
    metrics = write_metrics(tmp_path / "metrics.csv")
    opts = ScoreOptions(**({"scheme": SCHEME, "metrics": (metrics,)} | options))
    return build_report(store, store.latest_sweep(), tmp_path / name, opts)


def _line(card, ident):
    return next(i for i in card.indicators if i.id == ident)


def test_lost_points_lead_to_guides_defects_and_published_text(store, tmp_path):
    built = _build(store, tmp_path)
    card = next(c for c in built.cards if c.unit == MARKET)
    hours = _line(card, "E1-4")
    # Two of the unit's three guides fail 办理时间: 7 × 1/3.
    assert hours.points.quantize(Decimal("0.01")) == Decimal("2.33") and hours.full == 7
    trail = {g.guide_id: [(d.element, d.evidence) for d in g.defects] for g in hours.trail}
    assert trail == {guide_id("02"): [("E1-4", "工作时间")], guide_id("03"): [("E1-4", "法定工作日")]}
    assert all(g.url and g.url.startswith("http://127.0.0.1:8000/portal/guide/") for g in hours.trail)
    # Only the element's own defects explain its points: 咨询方式 is not listed under 办理时间.
    assert _line(card, "E1-5").trail[0].defects[0].evidence == "37885230"
    assert _line(card, "E1-1").trail == []  # full points, nothing to explain
    assert _line(card, "S").trail == [] and _line(card, "S").value == "95.0%"  # from the metrics file
    assert card.total == Decimal(str(built.scoring.result.unit(MARKET).total))
    assert [c.rank for c in built.cards] == sorted(c.rank for c in built.cards)


def test_a_dismissed_defect_gives_the_points_back_and_leaves_the_trail(store, tmp_path):
    before = next(c for c in _build(store, tmp_path, "before").cards if c.unit == MARKET)
    store.record_reviews([ReviewDecision(defect_id(guide_id("02"), "hours.vague"), "误报")], reviewer="张三")
    after = next(c for c in _build(store, tmp_path, "after").cards if c.unit == MARKET)
    assert _line(after, "E1-4").points > _line(before, "E1-4").points
    assert [g.guide_id for g in _line(after, "E1-4").trail] == [guide_id("03")]
    assert after.total > before.total and after.defects == before.defects - 1


def test_score_workbook_has_ranking_points_and_trail(store, tmp_path):
    built = _build(store, tmp_path)
    book = load_workbook(built.out / "评分.xlsx")
    assert book.sheetnames[:3] == ["排名", "指标得分", "失分明细"]
    ranking = list(book["排名"].iter_rows(values_only=True))
    assert ranking[0][:6] == ("排名", "单位", "单位类型", "总分", "满分", "等次")
    assert [r[1] for r in ranking[1:]] == [c.unit for c in built.cards]
    assert [r[3] for r in ranking[1:]] == [float(c.total) for c in built.cards]
    assert all(r[5] in ("优秀", "良好", "一般") for r in ranking[1:])
    assert book["排名"].freeze_panes == "A2" and book["排名"].auto_filter.ref
    points = [r for r in book["指标得分"].iter_rows(values_only=True)][1:]
    market_e14 = next(r for r in points if r[0] == MARKET and r[3] == "E1-4")
    assert market_e14[2] == "指标"
    assert market_e14[6] == pytest.approx(7 / 3) and market_e14[7] == 7 and "33.33%" in market_e14[9]
    part = next(r for r in points if r[0] == MARKET and r[3] == "E")
    assert part[2] == "分项" and part[7] == 91  # the part's subtotal precedes its items
    assert points.index(part) < points.index(market_e14)
    ws = book["失分明细"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    row_no, row = next((i, r) for i, r in enumerate(rows[1:], start=2) if r[header.index("原文")] == "法定工作日")
    assert row[header.index("单位")] == MARKET and row[header.index("指标编号")] == "E1-4"
    assert row[header.index("问题编号")] == defect_id(guide_id("03"), "hours.vague")
    assert ws.cell(row=row_no, column=header.index("链接") + 1).hyperlink.target.endswith(guide_id("03"))


def test_without_a_scheme_the_guide_part_of_anda_2020_is_scored(store, tmp_path):
    built = build_report(store, store.latest_sweep(), tmp_path / "default")
    assert built.scoring.result.scheme == "anda-2020-guides"  # a derived scheme has its own id
    assert built.scoring.result.scheme_version.endswith("+guides.1")
    assert "anda-2020" in built.scoring.note and built.scoring.full == 100
    assert {c.unit for c in built.cards} == set(UNITS)
    for card in built.cards:
        assert 0 <= card.total <= 100
        ids = {i.id for i in card.indicators}
        assert {"E1-1", "E2-1", "E3-1", "E4-2"} <= ids  # the 13 guide elements are scored
        assert all(i.source.startswith("sweep") for i in card.indicators)
    market = next(c for c in built.cards if c.unit == MARKET)
    assert [g.guide_id for g in _line(market, "E1-3").trail] == [guide_id("01")]


def test_report_command_writes_all_four_files(store, tmp_path, capsys):
    from guideaudit.cli import main

    out = tmp_path / "cli"
    assert main(["report", "--out", str(out), "--db", store.url, "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "第 2 次抓取" in printed and "问题 8 条" in printed
    assert sorted(p.name for p in out.iterdir()) == sorted(["缺陷清单.xlsx", "缺陷清单.csv", "评分.xlsx", "报告.html", "待核实清单.csv"])
    assert main(["report", "--out", str(out), "--db", store.url, "--sweep", "9"]) == 2
    assert "没有第 9 次抓取" in capsys.readouterr().err


def test_report_on_an_empty_store_says_what_to_run(tmp_path, capsys):
    from guideaudit.cli import main

    assert main(["report", "--out", str(tmp_path / "x"), "--db", f"sqlite:///{tmp_path / 'empty.sqlite3'}"]) == 2
    assert "guideaudit sweep" in capsys.readouterr().err


def test_each_unit_type_is_ranked_on_its_own(store, tmp_path):
    two_types = tmp_path / "two-types.yaml"
    two_types.write_text(
        Path(SCHEME).read_text(encoding="utf-8").replace("unit_types: [部门]", "unit_types: [部门, 街镇]"),
        encoding="utf-8",
    )
    aliases = tmp_path / "别名.csv"
    aliases.write_text(
        "被考核单位,实施主体名称,单位类型\n"
        + "".join(f"{u},{u},{t}\n" for u, t in zip(UNITS, ("部门", "部门", "街镇"), strict=True)),
        encoding="utf-8",
    )
    built = _build(store, tmp_path, scheme=str(two_types), aliases=str(aliases))
    assert [(c.unit_type, c.rank) for c in built.cards] == [("街镇", 1), ("部门", 1), ("部门", 2)]
    html = (built.out / "报告.html").read_text(encoding="utf-8")
    assert html.count('<table class="ranking" data-unit-type=') == 2
    assert "街镇第 1 名" in html and "部门第 2 名" in html


def test_default_scorecard_marks_an_element_a_unit_has_no_guides_for_not_applicable(store, tmp_path):
    from report_data import GUIDES, make_entry, make_record

    sweep = store.start_sweep("fixture-html")
    entries = []
    for suffix, unit, name, defects in GUIDES:
        entry = make_entry(make_record(suffix, unit, name), defects)
        if unit == 1:  # none of this unit's guides has a form: 样表 does not apply to it
            entry.elements["E4-2"] = "na"
        entries.append(entry)
    store.save_guides(sweep.id, entries)
    store.finish_sweep(sweep.id, "complete")
    built = build_report(store, store.latest_sweep(), tmp_path / "na")
    hr = next(c for c in built.cards if c.unit == UNITS[1])
    sample = _line(hr, "E4-2")
    assert not sample.applicable and "不适用" in sample.explanation
    assert all(_line(c, "E4-2").applicable for c in built.cards if c.unit != UNITS[1])
    assert hr.total <= 100 and sum(i.full for i in hr.indicators if i.applicable) < 100
    html = (built.out / "报告.html").read_text(encoding="utf-8")
    assert "不适用" in html
