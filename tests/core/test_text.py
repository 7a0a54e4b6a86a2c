from hypothesis import given
from hypothesis import strategies as st

from guideaudit.text import clean, is_blank, says_none


def test_clean_folds_what_portals_publish():
    assert clean("２:００－５:３０") == "2:00-5:30"
    assert clean("0777—6428820") == "0777-6428820"
    assert clean("a&amp;nbsp;b<br/>c\x07") == "a b\nc"
    assert clean("④⑤⑥号窗口") == "456号窗口"


def test_none_and_blank():
    assert says_none("无") and says_none(" 暂无。") and not says_none("无线下办理窗口")
    assert is_blank("  <br> ") and not is_blank("0")


@given(st.text())
def test_clean_never_raises(text):
    assert isinstance(clean(text), str)


# --- output safety (guideaudit.text: the one function per kind of output) ------------------------

from guideaudit.text import cell_text, json_text, jsonl_lines, safe_cell, safe_terminal  # noqa: E402


@given(st.text())
def test_a_cell_never_holds_a_control_character_or_starts_a_formula(text):
    cell = safe_cell(text)
    assert not any(ord(c) < 32 and c not in "\t\n" or 0x7f <= ord(c) <= 0x9f for c in cell)
    # blank cells (only whitespace, or a portal's "-"/"--") are inert as they are
    inert = not cell.strip() or set(cell.strip()) <= {"-", "－"}
    assert not cell.lstrip(" \u3000").startswith(("=", "+", "@", "\t", "\r", "\n", "＝", "＋", "＠")) or cell.startswith("'") or inert
    assert cell_text(cell) == cell_text(safe_cell(cell))  # idempotent


def test_formulas_are_defused_and_read_back():
    for text in ('=HYPERLINK("http://x","y")', "+cmd", "-1+1", "@SUM(1)", "\t=1", "\r=1", "＝1"):
        assert safe_cell(text).startswith("'"), text
    assert safe_cell("-") == "-" and safe_cell("--") == "--"  # a portal's "none", inert
    assert cell_text(safe_cell("=1+1")) == "=1+1" and cell_text("'quoted") == "'quoted"


@given(st.text())
def test_the_terminal_gets_no_escape_or_control_character(text):
    shown = safe_terminal(text)
    assert not any(ord(c) < 32 and c not in "\t\n" or 0x7f <= ord(c) <= 0x9f for c in shown)
    assert not any(c in shown for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def test_terminal_sequences_are_removed_whole():
    assert safe_terminal("a\x1b[31mred\x1b[0m b") == "ared b"
    assert safe_terminal("\x1b]0;title\x07x\x1b]8;;http://h/\x1b\\link") == "xlink"
    assert safe_terminal("\x9b2Jx\r\n") == "x\n"


@given(st.recursive(st.text() | st.integers() | st.none(),
                    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(), kids, max_size=3)))
def test_json_text_round_trips_with_no_raw_control_or_line_separator(value):
    line = json_text(value)
    assert "\n" not in line and not any(0x7f <= ord(c) <= 0x9f or c in "\u2028\u2029" for c in line)
    assert list(jsonl_lines(line)) == [line]
    import json

    assert json.loads(line) == value


def test_jsonl_lines_split_on_newlines_only():
    raw = '{"a": "x\u2028y\u0085z"}\r\n{"b": 1}\n'
    assert list(jsonl_lines(raw)) == ['{"a": "x\u2028y\u0085z"}', '{"b": 1}', ""]
