"""guideaudit check / indicators as a user runs them: output formats, exit codes, bad input."""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from guideaudit.checks import ELEMENTS

from guideaudit.cli import main

BASE = yaml.safe_load((Path(__file__).parent / "cases" / "_base.yaml").read_text(encoding="utf-8"))
REAL = Path(__file__).resolve().parents[2] / "fixtures" / "realdata" / "gdzwfw_2021_sample.jsonl"


@pytest.fixture
def records(tmp_path) -> Path:
    good = copy.deepcopy(BASE)
    bad = copy.deepcopy(BASE)
    bad.update(id="g-2", statutory_limit="20日", hours=None, consult="12345")
    path = tmp_path / "guides.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (good, bad)) + "\n", encoding="utf-8")
    return path


def test_check_jsonl(records, capsys) -> None:
    assert main(["check", str(records), "--format", "jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2
    assert all(set(line) == {"id", "item_name", "agency", "url", "elements", "reasons", "defects"} for line in lines)
    assert list(lines[0]["elements"]) == list(ELEMENTS) and lines[0]["defects"] == []
    second = lines[1]
    assert second["elements"]["E1-1"] == "fail" and second["elements"]["E1-4"] == "fail"
    assert second["elements"]["E1-5"] == "pass"  # 12345 alone is a warning
    rules = {d["rule"]: d for d in second["defects"]}
    assert rules["consult.hotline-only"]["severity"] == "warning"
    assert rules["hours.missing"]["evidence"] == "未公布"


def test_check_csv_to_file(records, tmp_path) -> None:
    out = tmp_path / "out" / "defects.csv"
    assert main(["check", str(records), "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0]["id"] == BASE["id"] and rows[0]["rule"] == ""
    assert {r["rule"] for r in rows if r["id"] == "g-2"} >= {"statutory-limit.no-unit", "hours.missing"}
    assert all(r["E1-1"] in ("pass", "fail", "na") for r in rows)


def test_check_table_is_chinese_and_plain_when_piped(records, capsys) -> None:
    assert main(["check", str(records)]) == 0
    out = capsys.readouterr().out
    assert "共检查 2 个事项，1 个有错误" in out
    assert "法定办结时限" in out and "办理时间未公布" in out
    assert "\x1b[" not in out  # no colour codes when not a terminal


def test_check_settings_file(records, tmp_path, capsys) -> None:
    settings = tmp_path / "s.yaml"
    settings.write_text("hotline_only_error: true\n", encoding="utf-8")
    assert main(["check", str(records), "--format", "jsonl", "--settings", str(settings)]) == 0
    second = json.loads(capsys.readouterr().out.splitlines()[1])
    assert second["elements"]["E1-5"] == "fail"


def test_check_bad_settings_key_exit_2(records, tmp_path, capsys) -> None:
    settings = tmp_path / "s.yaml"
    settings.write_text("lenient: true\n", encoding="utf-8")
    assert main(["check", str(records), "--settings", str(settings)]) == 2
    err = capsys.readouterr().err
    assert "错误" in err and str(settings) in err and "lenient" in err


def test_check_bad_record_names_file_line_field(tmp_path, capsys) -> None:
    path = tmp_path / "bad.jsonl"
    good = json.dumps(BASE, ensure_ascii=False)
    bad = dict(BASE, statutory_limt="20个工作日")
    path.write_text(good + "\n" + json.dumps(bad, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["check", str(path), "--format", "jsonl", "--out", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "第2行" in err and "statutory_limt" in err and "statutory_limit" in err


def test_check_bad_json_and_missing_file(tmp_path, capsys) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"id": "x",\n', encoding="utf-8")
    assert main(["check", str(path)]) == 2
    assert "第1行" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "nope.jsonl")]) == 2
    assert "不存在" in capsys.readouterr().err


def test_check_folder(records, capsys) -> None:
    assert main(["check", str(records.parent), "--format", "jsonl"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_check_from_gdzwfw(tmp_path, capsys) -> None:
    sample = tmp_path / "gd.jsonl"
    sample.write_text("".join(REAL.read_text(encoding="utf-8").splitlines(keepends=True)[:20]), encoding="utf-8")
    assert main(["check", "--from", "gdzwfw-2021", str(sample), "--format", "jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 20
    # what the scraper never captured is 待核实 with its reason, never pass or fail
    assert all(line["elements"]["E3-1"] == "incomplete" for line in lines)
    assert all(line["reasons"]["E3-1"] == "来源未采集：办理流程" for line in lines)
    assert all(line["elements"]["E1-4"] in ("incomplete", "na") for line in lines)


def test_check_from_gdzwfw_bad_line(tmp_path, capsys) -> None:
    sample = tmp_path / "gd.jsonl"
    sample.write_text('{"TASK_CODE": "11440000006940116U2440102002003", "TASK_NAME": "x"}\n', encoding="utf-8")
    assert main(["check", "--from", "gdzwfw-2021", str(sample)]) == 2
    err = capsys.readouterr().err
    assert "第1行" in err and "DEPT_NAME" in err


def test_indicators_json_and_csv(records, capsys, tmp_path) -> None:
    assert main(["indicators", str(records), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    overall = data["groups"]["全部"]
    assert overall["guide_defect_free_share"]["value"] == 0.5 and overall["guide_defect_free_share"]["n"] == 2
    assert main(["indicators", str(records), "--format", "csv", "--by", "item_type"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["group"] for r in rows} == {"全部", "行政许可"}
    assert main(["indicators", str(records)]) == 0
    assert "办事指南准确度" in capsys.readouterr().out


def test_check_json_array_bad_item_names_index(tmp_path, capsys) -> None:
    path = tmp_path / "guides.json"
    path.write_text(json.dumps([BASE, dict(BASE, steps="受理")], ensure_ascii=False), encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "第2条" in err and "steps" in err


def test_bench_runner_filters_by_name(repo_root) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "bench", "no-such-bench"], cwd=repo_root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "no-such-bench" in done.stderr
