"""`guideaudit extract`: one saved page → one record on stdout."""

from __future__ import annotations

import json
from pathlib import Path

from guideaudit.cli import main

PAGES = Path(__file__).parent / "pages"


def test_extract_prints_the_record(capsys) -> None:
    expected = json.loads((PAGES / "zjzw.expected.json").read_text("utf-8"))
    code = main(["extract", str(PAGES / "zjzw.html"), "--url", expected["url"], "--profile", "fixture-html"])
    assert code == 0
    got = json.loads(capsys.readouterr().out)
    assert got["fetched_at"]
    for key, value in expected["record"].items():
        if key != "fetched_at":
            assert got[key] == value, key


def test_extract_gbk_page_with_forced_encoding(capsys) -> None:
    code = main(["extract", str(PAGES / "plabel-gbk.html"), "--encoding", "gbk", "--indent", "0"])
    assert code == 0
    got = json.loads(capsys.readouterr().out)
    assert got["url"].startswith("file://") and got["item_name"]


def test_not_a_guide_says_why(capsys) -> None:
    assert main(["extract", str(PAGES / "list.html")]) == 1
    assert "不是办事指南页面" in capsys.readouterr().err


def test_bad_input_exits_2_naming_the_problem(capsys, tmp_path) -> None:
    assert main(["extract", str(tmp_path / "missing.html")]) == 2
    assert "missing.html" in capsys.readouterr().err
    assert main(["extract", str(PAGES / "th.html"), "--encoding", "klingon"]) == 2
    assert "klingon" in capsys.readouterr().err
    assert main(["extract", str(PAGES / "th.html"), "--profile", "nowhere"]) == 2
    assert "nowhere" in capsys.readouterr().err
    bad = tmp_path / "d.json"
    bad.write_text("{not json", "utf-8")
    assert main(["extract", str(bad), "--profile", "fixture-api"]) == 2
    assert "不是合法的 JSON" in capsys.readouterr().err
