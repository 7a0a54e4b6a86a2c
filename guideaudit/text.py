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


# Characters XML 1.0 (so xlsx) cannot hold: C0 controls but tab/newline/CR, lone surrogates,
# U+FFFE/U+FFFF. One in a portal's text would make the whole workbook unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A spreadsheet runs a cell that starts with one of these as a formula (after leading spaces;
# full-width forms too, which Excel folds).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: object, formulas: bool = True) -> object:
    """A value made safe for a spreadsheet cell, used by every csv and xlsx writer: characters
    XML cannot hold dropped, and (``formulas``: for csv, where the reader decides) a text that a
    spreadsheet would run as a formula prefixed with an apostrophe. Non-text passes as is."""
    if not isinstance(value, str):
        return value
    value = _NOT_XML.sub("", value)
    if formulas and value.lstrip(" \u3000").startswith(_FORMULA_START):
        return "'" + value
    return value
