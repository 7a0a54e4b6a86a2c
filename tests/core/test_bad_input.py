"""Bad input a user can give, each answered with a Chinese error naming what is wrong and where
(exit 2), never a traceback, and nothing stored changed."""

from __future__ import annotations

import pytest

from guideaudit.cli import main


@pytest.fixture
def files(tmp_path):
    (tmp_path / "bad.sqlite3").write_bytes(b"this is not a database at all" * 40)
    (tmp_path / "deep.json").write_text("[" * 100_000, "utf-8")
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 10_000 + "\n", "utf-8")
    (tmp_path / "gbk.yaml").write_bytes("id: x\nname: 测试方案\n".encode("gbk"))
    (tmp_path / "profile-gbk.yaml").write_bytes("name: 测试\nfamily: html\n".encode("gbk"))
    (tmp_path / "dir").mkdir()
    return tmp_path


CASES = {
    "corrupt store": (["sweeps", "--db", "sqlite:///{t}/bad.sqlite3"], "不是 guideaudit 的数据库"),
    "deeply nested records": (["check", "{t}/deep.json"], "嵌套层次过深"),
    "deeply nested scheme": (["schemes", "validate", "{t}/deep.yaml"], "嵌套层次过深"),
    "GBK scheme file": (["schemes", "validate", "{t}/gbk.yaml"], "不是 UTF-8 编码"),
    "GBK profile": (["extract", "{t}/deep.json", "--profile", "{t}/profile-gbk.yaml"], "不是 UTF-8"),
    "port out of range": (["portal", "serve", "--port", "99999"], "0–65535"),
    "--out on a directory": (["check", "{t}/deep.json", "--format", "jsonl", "--out", "{t}/dir"], "无法写入"),
    "deeply nested settings": (["check", "--settings", "{t}/deep.yaml", "{t}/deep.json"], "deep.yaml"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_a_chinese_error_not_a_traceback(case, files, capsys) -> None:
    args, expected = CASES[case]
    args = [a.replace("{t}", str(files)) for a in args]
    try:
        code = main(args)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert expected in err and "Traceback" not in err and "内部错误" not in err


@pytest.mark.parametrize("setting, expected", [
    ("DOWNLOAD_TIMEOUT=abc", "应为数字"),
    ("ROBOTSTXT_OBEY=maybe", "应为 True 或 False"),
    ("CONCURRENT_REQUESTS=2.5", "应为整数"),
])
def test_a_bad_set_value_is_refused_before_the_crawl(setting, expected, tmp_path, capsys) -> None:
    code = main(["sweep", "fixture-html", "--base-url", "http://127.0.0.1:1", "--db", f"sqlite:///{tmp_path}/s.sqlite3",
                 "--set", setting])
    err = capsys.readouterr().err
    assert code == 2 and expected in err and "Traceback" not in err
