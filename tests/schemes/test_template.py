"""`schemes template`: a metrics file with every input a scheme needs; filled in, `score` takes
it without a missing figure."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from guideaudit.cli import main

FILL = {"比率：0.85 或 85%": "0.9", "数值": "3", "非负整数": "1", "是 / 否": "是", "得分（note 列须写明理由）": "1"}


@pytest.mark.parametrize("scheme", ["anda-2020", "baotou-2023", "licheng-2017"])
def test_filled_template_scores_without_missing_figures(scheme, tmp_path, capsys) -> None:
    path = tmp_path / "t.csv"
    assert main(["schemes", "template", scheme, "--out", str(path)]) == 0
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert rows[0][:6] == ["unit", "indicator", "value", "period", "method", "note"] and len(rows) > 5
    for r in rows[1:]:
        r[2] = FILL.get(r[8], "1")
        if "理由" in r[8]:
            r[5] = "现场核查"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    capsys.readouterr()
    assert main(["score", "--scheme", scheme, "--metrics", str(path)]) == 0, capsys.readouterr().err
    assert "缺少数据" not in capsys.readouterr().out


def test_xlsx_template_and_a_bad_suffix(tmp_path, capsys) -> None:
    path = tmp_path / "t.xlsx"
    assert main(["schemes", "template", "anda-2020", "--out", str(path)]) == 0
    header = next(load_workbook(path, read_only=True)["指标"].iter_rows(values_only=True))
    assert header[:3] == ("unit", "indicator", "value") and "（参考）可填写的值" in header
    assert main(["schemes", "template", "anda-2020", "--out", str(tmp_path / "t.txt")]) == 2
    assert "应为 .csv 或 .xlsx" in capsys.readouterr().err
