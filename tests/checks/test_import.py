"""guideaudit import: a real export stored as a sweep gives a report with the same numbers as
check --from on the same files; a wrong file for an importer is a clear Chinese error."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from guideaudit.cli import main
from guideaudit.commands.sources import IMPORTERS

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "realworld"
GUANGXI = sorted(str(p) for p in (CORPUS / "gxzwfw-2025").glob("input_*.json"))


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_import_then_report_matches_check(tmp_path: Path, capsys) -> None:
    db = f"sqlite:///{tmp_path / 'g.sqlite3'}"
    assert main(["import", "--from", "gxzwfw-2025", *GUANGXI, "--db", db]) == 0
    assert "存为第 1 次抓取" in capsys.readouterr().err
    assert main(["report", "--db", db, "--out", str(tmp_path / "报告")]) == 0
    assert main(["check", "--from", "gxzwfw-2025", *GUANGXI, "--format", "jsonl",
                 "--out", str(tmp_path / "c.jsonl")]) == 0
    checked = [json.loads(line) for line in (tmp_path / "c.jsonl").read_text("utf-8").splitlines()]
    want_defects = Counter((r["id"], d["element"], d["message"]) for r in checked for d in r["defects"])
    want_unsure = Counter((r["id"], code) for r in checked for code, v in r["elements"].items() if v == "incomplete")
    defects = _rows(tmp_path / "报告" / "缺陷清单.csv")
    got_defects = Counter((row["事项编码"], row["要素"].split()[0], row["问题"]) for row in defects)
    assert got_defects == want_defects and len(defects) == sum(want_defects.values()) > 0
    unsure = _rows(tmp_path / "报告" / "待核实清单.csv")
    got_unsure = Counter((row["事项编码"], row["要素"].split()[0]) for row in unsure if row["要素"].startswith("E"))
    assert got_unsure == want_unsure


@pytest.mark.parametrize("source", sorted(IMPORTERS))
def test_a_wrong_file_is_a_clear_error(source: str, tmp_path: Path, capsys) -> None:
    wrong = tmp_path / "other.json"
    wrong.write_text(json.dumps({"hello": [1, 2]}), "utf-8")
    code = main(["check", "--from", source, str(wrong)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(wrong) in err and "Traceback" not in err
    assert any(word in err for word in ("应为", "不是")), err


def test_another_sources_file_names_what_was_expected(capsys) -> None:
    zhejiang = str(CORPUS / "zjzwfw-2018" / "input_zjzwfw_2018_shebao_guides.json")
    assert main(["check", "--from", "gxzwfw-2025", zhejiang]) == 2
    err = capsys.readouterr().err
    assert zhejiang in err and "不是广西政务服务网导出文件" in err and "items" in err


def test_fujian_groups_saved_responses(capsys) -> None:
    files = sorted(str(p) for p in (CORPUS / "fujian").glob("input_*.json"))
    assert main(["check", "--from", "fujian", *files, "--format", "jsonl"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2
    assert "跳过" in err and "常见问题" in err and "不属于给出的任何详情响应" in err
