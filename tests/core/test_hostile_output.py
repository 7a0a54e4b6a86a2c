"""Portal text is untrusted in every output: hostile strings (formulas, control characters, ANSI
escapes, U+2028/U+0085, rich markup, bidi overrides) in every field of real records, fed through
import, check, report, export, compare, consistency, score and review export. Every file is read
back (openpyxl, csv, json) and every line the CLI printed is captured."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from guideaudit.cli import main
from guideaudit.text import DEFUSE

SAMPLE = Path(__file__).parents[2] / "fixtures" / "realdata" / "gdzwfw_2021_sample.jsonl"
HOSTILE = [
    '=HYPERLINK("http://127.0.0.1/x","点我")',
    "+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(1+1)",
    "\t=1+2",
    "\r=1+2",
    "\x1b[31m红\x1b[0m\x1b]0;窗口标题\x07\x1b]8;;http://127.0.0.1/\x1b\\链接",
    "\x07\x00\x08\x0b\x0c\x7f\x9b2J\x85",
    "甲\u2028乙\u0085丙\u2029丁",
    "[bold red]粗[/] [/]",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "\u202eexe.txt",
]
# What must never be in a file's bytes or a terminal: C0 but tab/newline (CR too), DEL, C1.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TERMINAL_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _poison(value, counter):
    if isinstance(value, str):
        counter[0] += 1
        return HOSTILE[counter[0] % len(HOSTILE)] + value
    if isinstance(value, list):
        return [_poison(v, counter) for v in value]
    if isinstance(value, dict):
        return {k: (v if k == "_id" else _poison(v, counter)) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Two imported sweeps of poisoned real guides (the second without two guides and with
    changed addresses, so compare and consistency find differences)."""
    tmp = tmp_path_factory.mktemp("hostile")
    lines = SAMPLE.read_text("utf-8").splitlines()[:12]
    poisoned = [_poison(json.loads(line), [i]) for i, line in enumerate(lines)]
    second = [{**g, "handle_location": HOSTILE[i % len(HOSTILE)] + "另一个地址"} for i, g in enumerate(poisoned[2:])]
    for n, guides in ((1, poisoned), (2, second)):
        out = [json.dumps(g, ensure_ascii=False) for g in guides]
        (tmp / f"export{n}.jsonl").write_text("\n".join(out) + "\n", "utf-8")
    db = f"sqlite:///{tmp / 'store.sqlite3'}"
    for n in (1, 2):
        assert main(["import", "--from", "gdzwfw-2021", str(tmp / f"export{n}.jsonl"), "--db", db]) == 0
    return tmp, db


def _run(capsys, *args) -> str:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code == 0, err
    for text in (out, err):
        bad = TERMINAL_BAD.findall(text)
        assert not bad, f"{args[0]}: control characters on the terminal: {sorted(set(bad))}"
        assert "\x1b" not in text and "Traceback" not in text
    return out + err


def _assert_file_clean(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")
    bad = RAW_CONTROL.findall(text.replace("\r\n", "\n"))
    assert not bad, f"{path.name}: raw control characters {sorted(set(bad))}"


def _assert_cells_defused(cells, where: str) -> None:
    for value in cells:
        if isinstance(value, str) and value:
            assert not RAW_CONTROL.search(value.replace("\r\n", "\n")), (where, value)
            assert not value.startswith(FORMULA) or re.fullmatch(r"[-\s]+", value), (where, value)


def _check_csv(path: Path) -> int:
    _assert_file_clean(path)
    rows = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))
    _assert_cells_defused((c for r in rows for c in r), path.name)
    return len(rows)


def _check_xlsx(path: Path) -> int:
    book = load_workbook(path)  # malformed XML raises here
    n = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (path.name, ws.title, c.coordinate, c.value)
                _assert_cells_defused([c.value], f"{path.name}!{ws.title}!{c.coordinate}")
                n += isinstance(c.value, str) and c.value.startswith(DEFUSE)
    return n


def _check_jsonl(path: Path) -> list[dict]:
    _assert_file_clean(path)
    raw = path.read_text("utf-8")
    assert "\u2028" not in raw and "\u0085" not in raw  # escaped, so no reader splits on them
    return [json.loads(line) for line in raw.split("\n") if line]


def test_hostile_text_in_every_field_stays_inert_everywhere(world, capsys) -> None:
    tmp, db = world
    out = tmp / "out"
    _run(capsys, "sweeps", "--db", db)

    # export: JSONL keeps every published value exactly (U+2028, U+0085 included)
    _run(capsys, "export", "guides", "--format", "jsonl", "--out", out / "guides.jsonl", "--db", db)
    guides = _check_jsonl(out / "guides.jsonl")
    texts = [v for g in guides for v in g.values() if isinstance(v, str)]
    assert any("\u2028" in t and "\u0085" in t for t in texts)
    assert any(t.startswith("\x1b[31m") for t in texts)  # the record is the published text, untouched
    for what in ("guides", "defects", "indicators"):
        _run(capsys, "export", what, "--format", "csv", "--out", out / f"{what}.csv", "--db", db)
        assert _check_csv(out / f"{what}.csv") > 1
    _run(capsys, "export", "defects", "--format", "jsonl", "--out", out / "defects.jsonl", "--db", db)
    assert _check_jsonl(out / "defects.jsonl")
    printed = _run(capsys, "export", "defects", "--format", "csv", "--db", db)  # csv to the screen
    assert "红" in printed

    # check: the exported records read back whole (a reader that split on U+2028 would fail)
    shutil.copy(out / "guides.jsonl", tmp / "records.jsonl")
    table = _run(capsys, "check", tmp / "records.jsonl", "--limit", "50")
    assert "[bold red]粗[/]" in table  # shown as text, neither styled nor breaking the table
    _run(capsys, "check", tmp / "records.jsonl", "--format", "jsonl", "--out", out / "check.jsonl")
    results = _check_jsonl(out / "check.jsonl")
    assert len(results) == len(guides)
    _run(capsys, "check", tmp / "records.jsonl", "--format", "csv", "--out", out / "check.csv")
    _check_csv(out / "check.csv")
    _run(capsys, "indicators", tmp / "records.jsonl", "--by", "agency")

    # report: every workbook opens, no formula, no control character; csv and html clean
    _run(capsys, "report", "--out", out / "report", "--per-unit", "--db", db, "--quiet")
    defused = 0
    for path in sorted((out / "report").rglob("*")):
        if path.suffix == ".xlsx":
            defused += _check_xlsx(path)
        elif path.suffix == ".csv":
            _check_csv(path)
        elif path.suffix == ".html":
            _assert_file_clean(path)
            assert "<script>alert(1)</script>" not in path.read_text("utf-8")
    assert defused > 0

    # compare and consistency in every format
    _run(capsys, "compare", "--from", 1, "--to", 2, "--db", db, "--no-scores")
    for fmt in ("json", "csv", "xlsx"):
        _run(capsys, "compare", "--from", 1, "--to", 2, "--format", fmt, "--out", out / f"compare.{fmt}", "--db", db)
        _run(capsys, "consistency", "--a", 1, "--b", 2, "--format", fmt, "--out", out / f"same.{fmt}", "--db", db)
    _run(capsys, "consistency", "--a", 1, "--b", 2, "--db", db)
    for name in ("compare", "same"):
        _check_csv(out / f"{name}.csv")
        _check_xlsx(out / f"{name}.xlsx")
        _assert_file_clean(out / f"{name}.json")
        json.loads((out / f"{name}.json").read_text("utf-8"))

    # score (unit names are portal text) and the review export
    _run(capsys, "score", "--scheme", "anda-2020", "--sweep", 2, "--db", db, "--allow-missing")
    _run(capsys, "score", "--scheme", "anda-2020", "--sweep", 2, "--db", db, "--allow-missing",
         "--format", "xlsx", "--out", out / "score.xlsx")
    _check_xlsx(out / "score.xlsx")
    _run(capsys, "score", "--scheme", "anda-2020", "--sweep", 2, "--db", db, "--allow-missing",
         "--format", "csv", "--out", out / "score.csv")
    _check_csv(out / "score.csv")


def test_a_reviewed_workbook_with_defused_cells_imports_and_reexports(world, capsys, tmp_path) -> None:
    """The apostrophe the writer adds does not read back as a changed decision."""
    _, db = world
    _run(capsys, "report", "--out", tmp_path / "r", "--db", db, "--quiet")
    book = load_workbook(tmp_path / "r" / "缺陷清单.xlsx")
    ws = next(ws for ws in book.worksheets if ws.sheet_state == "visible" and ws.title not in ("汇总", "待核实", "已排除的误报", "说明"))
    header = [c.value for c in ws[2]]
    status, comment = header.index("状态") + 1, header.index("复核意见") + 1
    ws.cell(3, status, "确认")
    ws.cell(3, comment, "=不是公式，复核人写的\x85意见")
    book.save(tmp_path / "reviewed.xlsx")
    _run(capsys, "review", "import", tmp_path / "reviewed.xlsx", "--reviewer", "张\x1b[2J三", "--db", db)
    _run(capsys, "review", "export", "--format", "csv", "--out", tmp_path / "reviews.csv", "--db", db)
    _check_csv(tmp_path / "reviews.csv")
    _run(capsys, "review", "export", "--format", "jsonl", "--out", tmp_path / "reviews.jsonl", "--db", db)
    assert _check_jsonl(tmp_path / "reviews.jsonl")
    # a second report shows the decision; importing it unchanged decides nothing new
    _run(capsys, "report", "--out", tmp_path / "r2", "--db", db, "--quiet")
    said = _run(capsys, "review", "import", tmp_path / "r2" / "缺陷清单.xlsx", "--dry-run", "--db", db)
    assert "复核结论 0 条" in said and "未重复记录 1 条" in said, said


def test_records_with_raw_line_separators_in_values_read_whole(tmp_path, capsys) -> None:
    """Another tool's JSONL (json.dumps with ensure_ascii=False) holds U+2028 and U+0085 raw."""
    rows = [{"url": f"http://127.0.0.1/g/{i}", "item_name": f"事项{i}\u2028第二行\u0085第三行", "agency": "局\u2029"}
            for i in range(3)]
    path = tmp_path / "raw.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    assert "\u2028" in path.read_text("utf-8")
    _run(capsys, "check", path, "--format", "jsonl", "--out", tmp_path / "out.jsonl")
    results = _check_jsonl(tmp_path / "out.jsonl")
    assert [r["item_name"] for r in results] == [r["item_name"] for r in rows]
