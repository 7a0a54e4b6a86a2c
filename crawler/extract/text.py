"""The published text of an HTML element, as a record keeps it.

The text of every descendant in document order (what BeautifulSoup's ``get_text`` gives),
with ``<br>`` as a line break; source whitespace (indentation, newlines of the HTML) is
collapsed to one space within a line, each line and the whole value stripped. Entities are
decoded once by the parser, so a double-encoded ``&amp;nbsp;`` stays as published.
"""

from __future__ import annotations

import re

from lxml import etree

# Text inside these is never shown to a reader.
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})
# Collapse only the whitespace of HTML source; NBSP and ideographic spaces are published text.
_SOURCE_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_EDGE_SPACE = " \t\r\n\f\v"


def _collect(el: etree._Element, parts: list[str]) -> None:
    tag = el.tag
    if not isinstance(tag, str):  # comments and processing instructions
        return
    if tag in SKIP_TAGS:
        return
    if tag == "br":
        parts.append("\n")
        return
    if el.text:
        parts.append(el.text)
    for child in el:
        _collect(child, parts)
        if child.tail:
            parts.append(child.tail)


def tidy(raw: str) -> str:
    """Collapse source whitespace within each line; strip lines and the whole value."""
    lines = [_SOURCE_SPACE.sub(" ", line).strip(_EDGE_SPACE) for line in raw.split("\n")]
    return "\n".join(lines).strip(_EDGE_SPACE + "\n")


def element_text(el: etree._Element | None) -> str:
    if el is None:
        return ""
    parts: list[str] = []
    _collect(el, parts)
    # Source newlines are not line breaks; <br> became "\n" markers above, so protect them.
    raw = "".join(p if p == "\n" else p.replace("\n", " ") for p in parts)
    return tidy(raw)


# Break marker of a tree prepared by mark_breaks(): a private-use character, used only on pages
# that do not contain it.
_BREAK = "\ue0b7"


def mark_breaks(root: etree._Element) -> list | None:
    """Prepare a pruned tree for fast_text(); returns what unmark_breaks() restores.

    element_text() turns each <br> and each text node that is exactly "\n" into a line break
    and every other source newline into a space; here those break points get the marker
    instead (br text, or the "\n" text/tail replaced), so the text of any element is one
    C-level itertext() join. None (tree untouched: use element_text) when the page holds the
    marker itself or still has nodes element_text skips (scripts, comments)."""
    for _ in root.iter(*SKIP_TAGS, etree.Comment, etree.PI):
        return None
    if _BREAK in "".join(root.itertext()):
        return None
    marks: list = []
    for node in root.xpath('//text()[.="\n"]'):
        parent = node.getparent()
        if parent is None:
            continue
        if node.is_tail:
            parent.tail = _BREAK
        else:
            parent.text = _BREAK
        marks.append((parent, node.is_tail))
    for br in root.iter("br"):
        if not br.text:
            br.text = _BREAK
            marks.append((br, None))
    return marks


def unmark_breaks(marks: list) -> None:
    for el, is_tail in marks:
        if is_tail is None:
            el.text = None
        elif is_tail:
            el.tail = "\n"
        else:
            el.text = "\n"


def raw_text(value: str | None) -> str:
    """A text or tail read from a tree prepared by mark_breaks(), as the page had it."""
    return "\n" if value == _BREAK else (value or "")


def fast_text(el: etree._Element) -> str:
    """element_text() of an element of a tree prepared by mark_breaks(), in C-level iteration."""
    raw = "".join(el.itertext())
    if "\n" in raw:
        raw = raw.replace("\n", " ")  # source newlines are not line breaks
    if _BREAK in raw:
        return tidy(raw.replace(_BREAK, "\n"))
    return _SOURCE_SPACE.sub(" ", raw).strip(_EDGE_SPACE)


def own_text_parts(el: etree._Element) -> tuple[str, list[etree._Element]]:
    """The element's leading text (before its first child) and its child elements."""
    return (el.text or ""), [c for c in el if isinstance(c.tag, str)]
