"""Guide-derived figures: from checked records and from a real SQLite store (误报 decisions applied),
matched to assessed units through the alias table; a metrics figure takes precedence."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from guideaudit.checks import check_guide
from guideaudit.schemes import load_scheme, score
from guideaudit.schemes.guides import from_records
from guideaudit.schemes.inputs import load_metrics
from guideaudit.schemes.units import load_aliases

from guideaudit.cli import UsageError, main
from guideaudit.record import GuideRecord

from .test_worked_examples import LICHENG_A


def _records(tmp_path):
    rows = []
    # 海滨街道办事处: express on 1 of 4 guides → 25% → "每10个百分点得2分": 2 steps → 4;
    # online payment on 1 of 4 → 25% → "每1个百分点得1分,满分5分" → 5
    for i in range(4):
        rows.append({"id": f"HB{i}", "item_name": f"事项{i}", "agency": "泉州市鲤城区海滨街道办事处",
                     "express": "是" if i == 0 else "否", "online_payment": "是" if i == 0 else "否"})
    for i in range(2):  # 临江街道办事处: no express at all (0%), but its metrics row says 45%
        rows.append({"id": f"LJ{i}", "item_name": f"事项{i}", "agency": "泉州市鲤城区临江街道办事处",
                     "express": "否", "online_payment": "是"})
    rows.append({"id": "X0", "item_name": "无关事项", "agency": "泉州市某无关局", "express": "是"})
    path = tmp_path / "guides.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("被考核单位,实施主体\n海滨街道,泉州市鲤城区海滨街道办事处\n临江街道,泉州市鲤城区临江街道办事处\n", encoding="utf-8")
    return path, aliases


def _metrics(tmp_path):
    lines = ["unit,indicator,value"]
    for unit in ("海滨街道", "临江街道"):
        for key, value in LICHENG_A.items():
            if key.startswith("3.10") and unit == "海滨街道":
                continue  # 海滨街道 takes 3.10.x from its guides
            if key == "3.10.2" and unit == "临江街道":
                continue
            lines.append(f"{unit},{key},{value}")
    path = tmp_path / "m.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_records_feed_guide_indicators_through_aliases_and_metrics_take_precedence(tmp_path) -> None:
    records, aliases = _records(tmp_path)
    result = score(load_scheme("licheng-2017"), load_metrics(_metrics(tmp_path)), guide=from_records([str(records)]),
                   aliases=load_aliases(aliases))
    hb, lj = result.unit("海滨街道"), result.unit("临江街道")
    express = next(i for i in hb.indicators if i.id == "3.10.1")
    assert express.points == 4 and express.source == "records" and express.guide_indicator == "express_share"
    assert "泉州市鲤城区海滨街道办事处" in express.explanation and "4 条指南" in express.explanation
    assert next(i for i in hb.indicators if i.id == "3.10.2").points == 5
    # part 3 = 99.3 - 11 (A's 3.10 points) + 4 + 5 - 3 = 94.3; total (80 + 75.333… + 94.3 + 74 + 78 + 48.5)/6
    assert hb.total == Decimal("75.02")
    # 临江街道: the metrics file says 45% → 8 points, and the explanation names the guide value it replaced
    lj_express = next(i for i in lj.indicators if i.id == "3.10.1")
    assert lj_express.points == 8 and lj_express.source == "metrics file"
    assert "覆盖" in lj_express.explanation and "0%" in lj_express.explanation
    assert next(i for i in lj.indicators if i.id == "3.10.2").points == 5  # 100% online payment from guides
    # an 实施主体 that is no assessed unit is reported, not scored
    assert sorted(u.unit for u in result.units) == ["临江街道", "海滨街道"]
    assert any("泉州市某无关局" in w for w in result.warnings)


def test_alias_to_a_missing_agency_lists_nearest_agencies(tmp_path, capsys) -> None:
    records, _ = _records(tmp_path)
    aliases = tmp_path / "bad.csv"
    aliases.write_text("被考核单位,实施主体\n海滨街道,泉州市鲤城区海滨街道办\n", encoding="utf-8")
    code = main(["score", "--scheme", "licheng-2017", "--metrics", str(_metrics(tmp_path)),
                 "--records", str(records), "--aliases", str(aliases)])
    err = capsys.readouterr().err
    assert code == 2 and "泉州市鲤城区海滨街道办" in err and "泉州市鲤城区海滨街道办事处" in err


def test_unit_without_guides_is_an_error_naming_nearest_agencies(tmp_path) -> None:
    records, _ = _records(tmp_path)
    with pytest.raises(UsageError) as info:  # no alias table: 海滨街道 has no 实施主体 with guides
        score(load_scheme("licheng-2017"), load_metrics(_metrics(tmp_path)), guide=from_records([str(records)]))
    text = str(info.value)
    assert "海滨街道 / 指标 3.10.1" in text and "泉州市鲤城区海滨街道办事处" in text and "别名表" in text


def _store_with_sweep(tmp_path):
    from guideaudit.store import DefectRow, GuideEntry, Store

    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    store = Store(url)
    sweep = store.start_sweep("fixture")
    entries = []
    for i in range(2):
        record = GuideRecord(id=f"AD{i}", url=f"http://127.0.0.1/g{i}", item_name=f"事项{i}", agency="安达市教育局",
                             hours="工作时间" if i == 0 else "星期一至星期五 上午9:00-12:00 下午13:30-17:00")
        result = check_guide(record)
        rows = [DefectRow(result.defect_id(d), d.rule, d.element, d.severity, d.message, d.evidence, d.suggestion,
                          d.locus) for d in result.defects]
        entries.append(GuideEntry(record, dict(result.elements), rows))
    store.save_guides(sweep.id, entries)
    store.finish_sweep(sweep.id, "complete")
    return store, url, sweep.id, entries


def _anda_json(tmp_path, url, capsys, *extra):
    out = tmp_path / "score.json"
    code = main(["score", "--scheme", "anda-2020", "--db", url, "--allow-missing", "--format", "json",
                 "--out", str(out), *extra])
    assert code == 0, capsys.readouterr().err
    data = json.loads(out.read_text(encoding="utf-8"))
    [unit] = data["units"]
    return {i["id"]: i for i in unit["indicators"]}, data


def test_latest_complete_sweep_is_used_and_false_positive_reviews_count(tmp_path, capsys) -> None:
    from guideaudit.store import ReviewDecision

    store, url, sweep_id, entries = _store_with_sweep(tmp_path)
    hours_defects = [row for row in entries[0].defects if row.element == "E1-4"]
    assert hours_defects, "工作时间 is a vague 办理时间 (E1-4)"
    before, data = _anda_json(tmp_path, url, capsys)
    assert data["units"][0]["unit"] == "安达市教育局"
    e14 = before["E1-4"]
    assert e14["value"] == 0.5 and e14["source"] == f"sweep {sweep_id}"
    assert e14["points"] == pytest.approx(float(Decimal(20) / 13 * Decimal("0.5")), abs=0.01)
    assert before["A1-1"]["marked_missing"] is True  # not a guide figure, no metrics file: 0 and marked
    store.record_reviews([ReviewDecision(row.defect_id, "误报") for row in hours_defects], reviewer="审核员")
    after, _ = _anda_json(tmp_path, url, capsys, "--sweep", str(sweep_id))
    assert after["E1-4"]["value"] == 1.0 and after["E1-4"]["points"] == pytest.approx(1.54, abs=0.01)


def test_explicit_sweep_that_does_not_exist_is_an_error(tmp_path, capsys) -> None:
    _store, url, _sid, _ = _store_with_sweep(tmp_path)
    code = main(["score", "--scheme", "anda-2020", "--db", url, "--sweep", "99", "--allow-missing"])
    assert code == 2 and "99" in capsys.readouterr().err


def test_empty_store_means_figures_come_from_the_metrics_file_alone(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    from guideaudit.store import Store

    Store(url).close()
    metrics = tmp_path / "m.csv"
    metrics.write_text("unit,indicator,value\n" + "\n".join(f"海滨街道,{k},{v}" for k, v in LICHENG_A.items()) + "\n",
                       encoding="utf-8")
    code = main(["score", "--scheme", "licheng-2017", "--db", url, "--metrics", str(metrics), "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0 and json.loads(out)["units"][0]["total"] == 75.36
