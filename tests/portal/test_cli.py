"""`guideaudit portal truth|serve` from the command line."""

from __future__ import annotations

import json

from guideaudit.cli import main
from guideaudit.record import load_records


def test_truth_writes_loadable_jsonl_and_defects(tmp_path, capsys):
    out, defects = tmp_path / "truth.jsonl", tmp_path / "defects.jsonl"
    code = main(["portal", "truth", "--guides", "150", "--seed", "9", "--out", str(out), "--defects", str(defects)])
    assert code == 0
    records = list(load_records([out]))
    assert len(records) == 150 and records[0].url.startswith("http://127.0.0.1:8765/")
    rows = [json.loads(line) for line in defects.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 150 and any(r["rules"] for r in rows)
    assert "150 条真值记录" in capsys.readouterr().out


def test_serve_refuses_a_non_loopback_host(capsys):
    assert main(["portal", "serve", "--host", "0.0.0.0", "--guides", "10"]) == 2
    assert "回环地址" in capsys.readouterr().err


def test_bad_guides_count_is_a_usage_error(tmp_path, capsys):
    assert main(["portal", "truth", "--guides", "0", "--out", str(tmp_path / "x.jsonl")]) == 2
    assert "--guides" in capsys.readouterr().err
