"""A mistake in a scheme file is an error naming the file, the line, the indicator and what was
expected; the same for bad figures in a metrics file (file and row)."""

from __future__ import annotations

import pytest
from guideaudit.schemes import SchemeError, load_scheme, score, validate_scheme_file
from guideaudit.schemes.inputs import load_metrics

from guideaudit.cli import UsageError

GOOD = """\
id: demo
name: 演示方案
version: "2"
unit_types: [部门]
indicators:
  - id: "1"
    name: 甲
    full: 60
    children:
      - id: "1.1"
        name: 甲一
        full: 30
        rule: {kind: proportional}
      - id: "1.2"
        name: 甲二
        full: 30
        unit: "%"
        rule: {kind: tiers, tiers: [[0.9, 30], [0.5, 10]]}
  - id: "2"
    name: 乙
    full: 40
    rule: {kind: deduct_per_count, each: 10}
"""


def write(tmp_path, text: str):
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path, text: str) -> SchemeError:
    with pytest.raises(SchemeError) as info:
        validate_scheme_file(write(tmp_path, text))
    return info.value


def test_a_good_file_loads(tmp_path) -> None:
    scheme = validate_scheme_file(write(tmp_path, GOOD))
    assert scheme.id == "demo" and scheme.version == "2" and [n.id for n in scheme.leaves()] == ["1.1", "1.2", "2"]


def test_unknown_rule_kind_names_line_indicator_and_choices(tmp_path) -> None:
    err = error_of(tmp_path, GOOD.replace("kind: proportional", "kind: proportionate"))
    assert err.line == 13 and err.indicator == "1.1"
    assert "demo.yaml:13" in str(err) and "指标 1.1" in str(err) and "proportional" in str(err) and "steps" in str(err)


def test_rule_parameter_of_the_wrong_type(tmp_path) -> None:
    err = error_of(tmp_path, GOOD.replace("each: 10", "each: 十分"))
    assert err.indicator == "2" and err.line == 22 and "each" in str(err) and "应为数字" in str(err)


def test_unknown_rule_parameter(tmp_path) -> None:
    err = error_of(tmp_path, GOOD.replace("each: 10}", "each: 10, max: 5}"))
    assert err.indicator == "2" and "max" in str(err) and "可用参数" in str(err)


def test_children_that_do_not_add_up(tmp_path) -> None:
    err = error_of(tmp_path, GOOD.replace("full: 30\n        unit", "full: 20\n        unit"))
    assert err.indicator == "1" and err.line == 6 and "50" in str(err) and "60" in str(err)


def test_top_level_that_does_not_add_up_to_the_scheme_full(tmp_path) -> None:
    err = error_of(tmp_path, GOOD.replace("full: 40", "full: 45"))
    assert "105" in str(err) and "100" in str(err)


def test_duplicate_id(tmp_path) -> None:
    err = error_of(tmp_path, GOOD.replace('id: "1.2"', 'id: "1.1"'))
    assert err.indicator == "1.1" and err.line == 14 and "重复" in str(err)


def test_leaf_without_rule(tmp_path) -> None:
    err = error_of(tmp_path, GOOD.replace("    rule: {kind: deduct_per_count, each: 10}\n", ""))
    assert err.indicator == "2" and "rule" in str(err)


def test_unknown_key_lists_allowed_keys(tmp_path) -> None:
    err = error_of(tmp_path, GOOD.replace("    full: 40\n", "    full: 40\n    wieght: 3\n"))
    assert err.indicator == "2" and err.line == 22 and "wieght" in str(err) and "weight" in str(err)


def test_yaml_syntax_error_has_a_line(tmp_path) -> None:
    err = error_of(tmp_path, GOOD.replace("name: 乙", "name: [乙"))
    assert err.line is not None and "YAML" in str(err)


def test_applies_when_must_name_a_declared_condition(tmp_path) -> None:
    err = error_of(tmp_path, GOOD.replace("    full: 40\n", "    full: 40\n    applies_when: has_licensing\n"))
    assert err.indicator == "2" and "has_licensing" in str(err)


def test_period_weights_must_add_to_one(tmp_path) -> None:
    text = GOOD.replace("indicators:", "periods:\n  - {id: 上半年, weight: 0.4}\n  - {id: 下半年, weight: 0.5}\nindicators:")
    err = error_of(tmp_path, text)
    assert err.line == 5 and "权重之和应为 1" in str(err)


def test_unknown_scheme_id_suggests_names() -> None:
    with pytest.raises(SchemeError) as info:
        load_scheme("yangjiang-2021")
    assert "yangjiang-2021-counties" in str(info.value) or "yangjiang-2021-departments" in str(info.value)


# ---- metrics files


def metrics(tmp_path, text: str, name: str = "m.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_rate_above_one_without_percent_is_an_error_naming_file_and_row(tmp_path) -> None:
    scheme = validate_scheme_file(write(tmp_path, GOOD))
    path = metrics(tmp_path, "unit,indicator,value\n甲局,1.1,0.5\n甲局,1.2,85\n甲局,2,0\n")
    with pytest.raises(UsageError) as info:
        score(scheme, load_metrics(path))
    assert "m.csv 第 3 行" in str(info.value) and "85%" in str(info.value)


def test_unparseable_value_names_file_and_row(tmp_path) -> None:
    path = metrics(tmp_path, "unit,indicator,value\n甲局,1.1,大约一半\n")
    with pytest.raises(UsageError) as info:
        load_metrics(path)
    assert "m.csv" in str(info.value) and "第 2 行" in str(info.value) and "大约一半" in str(info.value)


def test_count_must_be_a_whole_number(tmp_path) -> None:
    scheme = validate_scheme_file(write(tmp_path, GOOD))
    path = metrics(tmp_path, "甲局,1.1,50%\n甲局,1.2,0.9\n甲局,2,1.5\n")  # no header: positional columns
    with pytest.raises(UsageError) as info:
        score(scheme, load_metrics(path))
    assert "第 3 行" in str(info.value) and "整数" in str(info.value)


def test_unknown_indicator_lists_nearest(tmp_path) -> None:
    scheme = validate_scheme_file(write(tmp_path, GOOD))
    path = metrics(tmp_path, "unit,indicator,value\n甲局,甲二二,50%\n")
    with pytest.raises(UsageError) as info:
        score(scheme, load_metrics(path))
    assert "甲二二" in str(info.value) and "甲二" in str(info.value)


def test_duplicate_rows_are_an_error(tmp_path) -> None:
    path = metrics(tmp_path, "unit,indicator,value\n甲局,1.1,50%\n甲局,1.1,60%\n")
    with pytest.raises(UsageError) as info:
        load_metrics(path)
    assert "第 3 行" in str(info.value) and "第 2 行" in str(info.value)


def test_missing_figure_is_an_error_unless_allowed(tmp_path) -> None:
    scheme = validate_scheme_file(write(tmp_path, GOOD))
    path = metrics(tmp_path, "unit,indicator,value\n甲局,1.1,50%\n甲局,2,1\n")
    with pytest.raises(UsageError) as info:
        score(scheme, load_metrics(path))
    assert "甲局 / 指标 1.2" in str(info.value) and "--allow-missing" in str(info.value)
    unit = score(scheme, load_metrics(path), allow_missing=True).unit("甲局")
    missing = next(i for i in unit.indicators if i.id == "1.2")
    assert missing.marked_missing and missing.points == 0 and missing.full == 30
    assert unit.total == 45  # 15 + 0 + 30


def test_names_and_ids_both_find_an_indicator_and_percent_or_share_mean_the_same(tmp_path) -> None:
    scheme = validate_scheme_file(write(tmp_path, GOOD))
    a = metrics(tmp_path, "unit,indicator,value\n甲局,甲一,50%\n甲局,1.2,0.95\n甲局,乙,是\n", "a.csv")
    with pytest.raises(UsageError) as info:  # 是 is not a count
        score(scheme, load_metrics(a))
    assert "整数" in str(info.value)
    b = metrics(tmp_path, "unit,indicator,value\n甲局,甲一,0.5\n甲局,1.2,95%\n甲局,乙,2\n", "b.csv")
    assert score(scheme, load_metrics(b)).unit("甲局").total == 15 + 30 + 20


def test_xlsx_metrics_are_read_with_row_numbers(tmp_path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["单位", "指标", "数值", "备注"])
    sheet.append(["甲局", "1.1", 0.5, ""])
    sheet.append(["甲局", "1.2", "95%", ""])
    sheet.append(["甲局", "2", "两次", ""])
    path = tmp_path / "m.xlsx"
    book.save(path)
    with pytest.raises(UsageError) as info:
        load_metrics(path)
    assert "m.xlsx" in str(info.value) and "第 4 行" in str(info.value)
    sheet.delete_rows(4)
    sheet.append(["甲局", "2", 1, ""])
    book.save(path)
    scheme = validate_scheme_file(write(tmp_path, GOOD))
    assert score(scheme, load_metrics(path)).unit("甲局").total == 15 + 30 + 30


def test_manual_points_need_a_reason_and_stay_within_full(tmp_path) -> None:
    scheme = load_scheme("qingpu-2024-streets")
    rows = "unit,indicator,value,note\n夏阳街道,1,9,\n"
    with pytest.raises(UsageError) as info:
        score(scheme, load_metrics(metrics(tmp_path, rows)), allow_missing=True)
    assert "理由" in str(info.value) and "第 2 行" in str(info.value)
    rows = "unit,indicator,value,note\n夏阳街道,1,11,超出满分\n"
    with pytest.raises(UsageError) as info:
        score(scheme, load_metrics(metrics(tmp_path, rows)), allow_missing=True)
    assert "0–10" in str(info.value)


def test_unknown_unit_lists_nearest_scheme_units(tmp_path) -> None:
    scheme = load_scheme("qingpu-2024-streets")
    rows = "unit,indicator,value,note\n夏阳街,1,9,好\n"
    with pytest.raises(UsageError) as info:
        score(scheme, load_metrics(metrics(tmp_path, rows)), allow_missing=True)
    assert "夏阳街" in str(info.value) and "夏阳街道" in str(info.value)


def test_period_not_in_scheme(tmp_path) -> None:
    scheme = load_scheme("yangjiang-2021-counties")
    rows = "unit,indicator,value,period\n江城区,1,50%,第三季度\n"
    with pytest.raises(UsageError) as info:
        score(scheme, load_metrics(metrics(tmp_path, rows)), allow_missing=True)
    assert "第三季度" in str(info.value) and "上半年" in str(info.value)
