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
    (tmp_path / "binary.xlsx").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "ok.jsonl").write_text('{"url": "http://127.0.0.1/g/1", "item_name": "事项"}\n', "utf-8")
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
    "binary settings file": (["check", "{t}/ok.jsonl", "--settings", "{t}/binary.bin"], "不是 UTF-8 编码的设置文件"),
    "binary gdzwfw export": (["check", "--from", "gdzwfw-2021", "{t}/binary.bin"], "不是 UTF-8 编码"),
    "empty records file": (["check", "{t}/empty.jsonl"], "没有读到任何指南记录"),
    "folder without records": (["indicators", "{t}/dir"], "没有读到任何指南记录"),
    "report --out on a file": (["report", "--out", "{t}/ok.jsonl", "--db", "sqlite:///{t}/new.sqlite3"], "应为输出文件夹"),
    "portal truth --out on a directory": (["portal", "truth", "--base-url", "http://127.0.0.1:1", "--out", "{t}/dir"], "是目录"),
    "threshold out of range": (["consistency", "--a", "1", "--b", "2", "--threshold", "7"], "0 到 1"),
    "review import of a folder": (["review", "import", "{t}/dir", "--db", "sqlite:///{t}/new.sqlite3"], "不是文件"),
    "review import of a binary file": (["review", "import", "{t}/binary.bin", "--db", "sqlite:///{t}/new.sqlite3"], "无法作为 xlsx 打开"),
    "metrics that are not a workbook": (["score", "--scheme", "anda-2020", "--records", "{t}/ok.jsonl", "--metrics", "{t}/binary.xlsx"], "无法作为 xlsx 打开"),
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



def test_a_check_that_fails_midway_leaves_no_half_written_output(tmp_path, capsys) -> None:
    good = '{"url": "http://127.0.0.1/g/%d", "item_name": "事项"}\n'
    (tmp_path / "in.jsonl").write_text("".join(good % i for i in range(50)) + "{broken\n", "utf-8")
    out = tmp_path / "out.jsonl"
    out.write_text("上一次的结果\n", "utf-8")
    assert main(["check", str(tmp_path / "in.jsonl"), "--format", "jsonl", "--out", str(out)]) == 2
    assert "第51行" in capsys.readouterr().err
    assert out.read_text("utf-8") == "上一次的结果\n"  # the previous file stands, whole
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_an_interrupted_write_keeps_the_previous_file(tmp_path) -> None:
    """Ctrl-C (KeyboardInterrupt) in the middle of writing a workbook or a text file."""
    from guideaudit.outfiles import atomic_open, xlsx_workbook

    target = tmp_path / "清单.xlsx"
    target.write_bytes(b"previous")
    book = xlsx_workbook(target)
    book.add_worksheet("表").write_string(0, 0, "半")
    import pytest as _pytest

    with _pytest.raises(KeyboardInterrupt), atomic_open(tmp_path / "a.csv") as fh:
        fh.write("half")
        raise KeyboardInterrupt
    del book  # never closed: nothing written at the target
    assert target.read_bytes() == b"previous" and not (tmp_path / "a.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["清单.xlsx"]


def test_a_locked_sqlite_file_is_a_chinese_error_and_nothing_is_stored(tmp_path, capsys) -> None:
    import sqlite3
    from pathlib import Path

    from guideaudit.store import Store

    db = tmp_path / "locked.sqlite3"
    Store(f"sqlite:///{db}").close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO ga_meta VALUES ('held', 'by another program')")
    sample = Path(__file__).parents[2] / "fixtures" / "realdata" / "gdzwfw_2021_sample.jsonl"
    lines = sample.read_text("utf-8").splitlines()[:3]
    (tmp_path / "few.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    try:
        code = main(["import", "--from", "gdzwfw-2021", str(tmp_path / "few.jsonl"), "--db", f"sqlite:///{db}"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert code == 2 and "被另一个程序锁定" in err and "内部错误" not in err, err
    store = Store(f"sqlite:///{db}")
    assert store.list_sweeps() == []
    store.close()


def test_output_cut_by_a_closed_pipe_is_not_an_error(tmp_path) -> None:
    import subprocess
    import sys
    from pathlib import Path

    page = Path(__file__).parents[1] / "crawler" / "pages" / "th.html"
    run = subprocess.run(f"{sys.executable} -m guideaudit extract {page} | head -c 10",
                         shell=True, capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "GUIDEAUDIT_HOME": str(tmp_path)})
    assert "内部错误" not in run.stderr and "Traceback" not in run.stderr, run.stderr
