"""`guideaudit schemes …` and `guideaudit score …` as a user runs them."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

from guideaudit.schemes import load_scheme, score

from guideaudit.cli import main

from .test_worked_examples import LICHENG_A, LICHENG_C


def _metrics(tmp_path, units=(("海滨街道", LICHENG_A), ("区市场监管局", LICHENG_C))):
    path = tmp_path / "m.csv"
    lines = ["单位,指标,数值"] + [f"{u},{k},{v}" for u, figs in units for k, v in figs.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_schemes_list_names_every_bundled_scheme(capsys) -> None:
    assert main(["schemes", "list"]) == 0
    out = capsys.readouterr().out
    for sid in ("qingpu-2024-agencies", "qingpu-2024-streets", "baotou-2023", "licheng-2017",
                "yangjiang-2021-departments", "yangjiang-2021-counties", "anda-2020"):
        assert sid in out


def test_schemes_show_prints_tree_rules_and_decisions(capsys) -> None:
    assert main(["schemes", "show", "licheng-2017"]) == 0
    out = capsys.readouterr().out
    assert "2.2  “一趟不用跑”和“最多跑一趟”事项占比  满分 50" in out
    assert "threshold_climb" in out and "每提高" in out or "climb_from=0.6" in out
    assert "决定与说明" in out and "115" in out


def test_schemes_validate_good_and_bad(tmp_path, capsys) -> None:
    assert main(["schemes", "validate", str(load_scheme("anda-2020").path)]) == 0
    assert "方案文件有效" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: x\nversion: '1'\nunit_types: [甲]\nindicators:\n  - {id: a, name: a, full: 100, rule: {kind: steps}}\n",
                   encoding="utf-8")
    assert main(["schemes", "validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:6" in err and "指标 a" in err and "per" in err


def test_score_table_shows_units_points_and_explanations(tmp_path, capsys) -> None:
    assert main(["score", "--scheme", "licheng-2017", "--metrics", str(_metrics(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "海滨街道" in out and "75.36" in out and "28.17" in out
    assert "42/50" in out and "得 42 分" in out
    assert "方案版本 1" in out


def test_score_json_matches_the_python_api(tmp_path, capsys) -> None:
    path = _metrics(tmp_path)
    assert main(["score", "--scheme", "licheng-2017", "--metrics", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(u["unit"], u["total"], u["rank"]) for u in data["units"]] == [("海滨街道", 75.36, 1), ("区市场监管局", 28.17, 2)]
    from guideaudit.schemes.inputs import load_metrics

    api = score(load_scheme("licheng-2017"), load_metrics(path)).to_dict()
    assert api["units"] == data["units"]


def test_score_csv_and_xlsx_read_back(tmp_path, capsys) -> None:
    path = _metrics(tmp_path)
    out_csv = tmp_path / "s.csv"
    assert main(["score", "--scheme", "licheng-2017", "--metrics", str(path), "--format", "csv", "--out", str(out_csv)]) == 0
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8-sig")))
    row = next(r for r in rows if r["单位"] == "海滨街道" and r["编号"] == "5.2")
    assert row["得分"] == "32.0" and row["满分"] == "50.0" and row["总分"] == "75.36" and "91%" in row["说明"]
    out_xlsx = tmp_path / "s.xlsx"
    assert main(["score", "--scheme", "licheng-2017", "--metrics", str(path), "--format", "xlsx", "--out", str(out_xlsx)]) == 0
    from openpyxl import load_workbook

    book = load_workbook(out_xlsx, read_only=True)
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[0][:5] == ("排名", "单位", "单位类型", "总分", "等次")
    assert summary[1][:4] == (1, "海滨街道", "考核对象", 75.36)
    detail = list(book["明细"].iter_rows(values_only=True))
    assert any(r[0] == "区市场监管局" and r[5] == "6.3" and r[9] == 0 for r in detail)
    meta = dict(book["说明"].iter_rows(values_only=True))
    assert meta["方案版本"] == "1" and meta["评分引擎版本"]


def test_xlsx_needs_out_and_bad_input_exits_2(tmp_path, capsys) -> None:
    assert main(["score", "--scheme", "licheng-2017", "--metrics", str(_metrics(tmp_path)), "--format", "xlsx"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["score", "--scheme", "no-such-scheme", "--metrics", str(_metrics(tmp_path))]) == 2
    assert "没有这个方案" in capsys.readouterr().err
    missing = tmp_path / "m2.csv"
    missing.write_text("unit,indicator,value\n海滨街道,1.1,1\n", encoding="utf-8")
    assert main(["score", "--scheme", "licheng-2017", "--metrics", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "缺少数据" in err and "--allow-missing" in err
    assert main(["score", "--scheme", "licheng-2017", "--metrics", str(missing), "--allow-missing", "--format", "json"]) == 0
    unit = json.loads(capsys.readouterr().out)["units"][0]
    assert next(i for i in unit["indicators"] if i["id"] == "6.3")["marked_missing"] is True


def test_unit_type_filter_and_aliases_with_types(tmp_path, capsys) -> None:
    text = ("id: two\nname: 两类\nversion: '3'\nunit_types: [部门, 街镇]\nindicators:\n"
            "  - {id: a, name: 甲, full: 60, unit: '%', rule: {kind: proportional}}\n"
            "  - {id: b, name: 乙, full: 40, rule: {kind: yes_no}, applies_to: [街镇]}\n")
    scheme_file = tmp_path / "two.yaml"
    scheme_file.write_text(text, encoding="utf-8")
    metrics = tmp_path / "m.csv"
    metrics.write_text("unit,indicator,value\n甲局,a,50%\n乙镇,a,100%\n乙镇,b,否\n", encoding="utf-8")
    aliases = tmp_path / "a.csv"
    aliases.write_text("单位,实施主体,单位类型\n甲局,某市甲局,部门\n乙镇,某市乙镇人民政府,街镇\n", encoding="utf-8")
    assert main(["score", "--scheme", str(scheme_file), "--metrics", str(metrics), "--aliases", str(aliases),
                 "--unit-type", "部门", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # 甲局 is a 部门: 乙 applies to 街镇 only → rescale none (default): 30 of 60… the scheme has no
    # not_applicable setting, so the 40 points simply do not count for it: 30 points.
    assert [u["unit"] for u in data["units"]] == ["甲局"]
    assert data["units"][0]["total"] == 30.0 and data["scheme_version"] == "3"
    assert main(["score", "--scheme", str(scheme_file), "--metrics", str(metrics), "--aliases", str(aliases),
                 "--format", "json"]) == 0
    got = {u["unit"]: (u["unit_type"], u["total"]) for u in json.loads(capsys.readouterr().out)["units"]}
    assert got == {"甲局": ("部门", 30.0), "乙镇": ("街镇", 60.0)}


def test_grades_by_rank_quota(tmp_path) -> None:
    text = ("id: q\nname: 名次比例\nversion: '1'\nunit_types: [单位]\n"
            "grades: {by: quota, bands: [{grade: 优秀, share: 0.2}, {grade: 良好, share: 0.4}], otherwise: 一般}\n"
            "indicators:\n  - {id: a, name: 甲, full: 100, unit: '%', rule: {kind: proportional}}\n")
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    from guideaudit.schemes import validate_scheme_file

    scheme = validate_scheme_file(path)
    figures = {f"单位{i}": {"a": f"{v}%"} for i, v in enumerate([95, 90, 90, 70, 60])}
    result = score(scheme, figures)
    got = [(u.unit, u.total, u.rank, u.grade) for u in result.units]
    # 5 units: 优秀 for the first 20% (1 unit), 良好 for the next 40% (2 units), tied units share a rank
    assert got == [("单位0", Decimal("95.00"), 1, "优秀"), ("单位1", Decimal("90.00"), 2, "良好"),
                   ("单位2", Decimal("90.00"), 2, "良好"), ("单位3", Decimal("70.00"), 4, "一般"),
                   ("单位4", Decimal("60.00"), 5, "一般")]


def test_csv_output_never_hands_a_spreadsheet_a_formula(tmp_path, capsys) -> None:
    path = _metrics(tmp_path, units=(("=HYPERLINK(\"http://127.0.0.1/x\")", LICHENG_A),))
    out = tmp_path / "s.csv"
    assert main(["score", "--scheme", "licheng-2017", "--metrics", str(path), "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))[1:]
    assert rows and all(r[0].startswith("'=") for r in rows)


def test_schemes_show_lists_every_indicator_of_every_scheme(capsys) -> None:
    from guideaudit.schemes import list_schemes

    for scheme in list_schemes():
        assert main(["schemes", "show", scheme.id]) == 0
        out = capsys.readouterr().out
        for node in scheme.nodes():
            assert f"{node.id}  {node.name}" in out, (scheme.id, node.id)
    assert main(["schemes", "show", "yangjiang-2021-departments"]) == 0
    assert "36  减时间  满分 4（权重 4%）" in capsys.readouterr().out
