"""Cleaning of text as portals publish it, shared by the crawler and the checkers.

Records keep the published text untouched; these helpers produce the normalised form that
parsers work on. They never raise on any string.
"""

from __future__ import annotations

import html
import re
import unicodedata

_BR = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,200}>")
# C0/C1 control characters except tab and newline; zero-width and BOM characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d\u30fc]")

# Portals cap nothing; we cap what we parse so a pathological field cannot stall a sweep.
MAX_PARSE_CHARS = 20_000


def unescape_entities(text: str) -> str:
    """Undo HTML entities, including double encoding (``&amp;nbsp;``)."""
    for _ in range(3):
        new = html.unescape(text)
        if new == text:
            break
        text = new
    return text


def clean(text: str | None) -> str:
    """The normalised form of a published value: entities undone, ``<br>`` as newlines,
    tags and control characters removed, full-width forms folded (NFKC), dashes unified
    to ``-``, runs of spaces collapsed. ``None`` becomes ``""``."""
    if not text:
        return ""
    text = text[:MAX_PARSE_CHARS]
    text = unescape_entities(text)
    text = _BR.sub("\n", text)
    text = _TAG.sub("", text)
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = _DASHES.sub("-", text)
    text = _SPACES.sub(" ", text)
    return "\n".join(line.strip() for line in text.splitlines()).strip()


_NOT_WORD = re.compile(r"[\s\W_]+")


def is_blank(text: str | None, cleaned: bool = False) -> bool:
    """True when nothing but whitespace, punctuation or markup was published (``cleaned``: the
    text is already clean()ed, as the checks' cached norm() gives it)."""
    return not _NOT_WORD.sub("", text if cleaned else clean(text))


# The one list of ways a portal writes "none" (checks.guide.says_none uses it too).
NONE_WORDS = frozenset(
    {"无", "暂无", "没有", "不涉及", "无此项", "/", "-", "--", "—", "无。", "否", "不需要"}
)


def says_none(text: str | None) -> bool:
    """True when the published value explicitly says "none" (无, 暂无, 不涉及 …)."""
    value = clean(text).rstrip("。.;；")
    return value in NONE_WORDS


# --- Output: every writer of portal text goes through one of these ------------------------------

# Control characters a spreadsheet cell never holds: C0 but tab and newline (CR is folded to a
# newline first), DEL, C1 (U+0085 NEL becomes a newline), lone surrogates and U+FFFE/U+FFFF,
# which XML 1.0 (so xlsx) cannot hold: one in a portal's text made the whole workbook unreadable.
_NOT_CELL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# A spreadsheet runs a cell that starts with one of these as a formula (after leading spaces;
# full-width forms too, which Excel folds). Tab and CR start DDE payloads in some readers.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_ONLY_DASHES = re.compile(r"[-－\s]+")  # "-", "--": a portal's "none", inert as typed
DEFUSE = "'"


def strip_controls(text: str) -> str:
    """Text without control characters (tab and newline kept; CR and NEL read as newlines):
    for every file written but JSON, which escapes them instead."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x85", "\n")
    return _NOT_CELL.sub("", text)


def safe_cell(value: object) -> object:
    """A value made safe for a spreadsheet cell, csv and xlsx alike (the one function every
    writer uses): control characters dropped (CR and NEL read as newlines), and a text a
    spreadsheet would run as a formula (starting with = + - @, tab or CR) prefixed with an
    apostrophe, so it stays text when opened, edited or saved on as csv. Non-text passes as is."""
    if not isinstance(value, str):
        return value
    text = strip_controls(value)
    if text.lstrip(" \u3000").startswith(_FORMULA_START) and not _ONLY_DASHES.fullmatch(text):
        return DEFUSE + text
    return text


def cell_text(value: str) -> str:
    """The text safe_cell was given, from a cell read back (the review import compares it)."""
    if value.startswith(DEFUSE) and value[1:].lstrip(" \u3000").startswith(_FORMULA_START):
        return value[1:]
    return value


# Terminal escape sequences (CSI, OSC up to BEL/ST, DCS/SOS/PM/APC strings, two-byte ESC forms,
# and their 8-bit C1 introducers): a portal's text could recolour, retitle, rewrite or hide what
# an auditor reads on the screen, or hand the terminal a hyperlink or clipboard write.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
)
# Left after those: other C0 controls but tab and newline, CR (it rewrites the line), DEL, C1,
# and the bidirectional overrides that make a line read differently from its bytes.
_NOT_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_LINE_SEPARATORS = re.compile("[\u2028\u2029]")


def safe_terminal(text: str) -> str:
    """Text made safe to print on a terminal: escape sequences and control characters removed
    (tab and newline kept; U+2028/U+2029 shown as spaces). Every line the CLI writes passes here
    (guideaudit/terminal.py)."""
    if not text:
        return text
    text = _ANSI.sub("", text)
    text = _NOT_TERMINAL.sub("", text)
    return _LINE_SEPARATORS.sub(" ", text)


# Characters json.dumps(ensure_ascii=False) leaves raw that readers trip on: DEL and C1 controls
# (U+0085 is a line break to some), U+2028/U+2029 (line breaks to str.splitlines and older
# JavaScript), lone surrogates (not encodable as UTF-8). Written as \uXXXX escapes, so a JSONL line
# holds no control character and every value reads back exactly.
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def json_text(value: object, **kwargs) -> str:
    """json.dumps for every JSON and JSONL output: readable Chinese (ensure_ascii off), with
    the characters above escaped. ``kwargs`` go to json.dumps (indent, sort_keys, default…)."""
    import json

    text = json.dumps(value, ensure_ascii=False, **kwargs)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def jsonl_lines(text: str):
    """The lines of a JSONL text, split on newlines only: str.splitlines also splits on U+2028,
    U+0085 and other characters a JSON string may hold raw, cutting a record in two."""
    for line in text.split("\n"):
        yield line.removesuffix("\r")
