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
    if not len(el):
        # A leaf (most table cells): one text node, one line; same result as the walk below.
        tag = el.tag
        if not isinstance(tag, str) or tag in SKIP_TAGS or tag == "br":
            return ""
        return _SOURCE_SPACE.sub(" ", el.text or "").strip(_EDGE_SPACE)
    parts: list[str] = []
    _collect(el, parts)
    # Source newlines are not line breaks; <br> became "\n" markers above, so protect them.
    raw = "".join(p if p == "\n" else p.replace("\n", " ") for p in parts)
    return tidy(raw)


def own_text_parts(el: etree._Element) -> tuple[str, list[etree._Element]]:
    """The element's leading text (before its first child) and its child elements."""
    return (el.text or ""), [c for c in el if isinstance(c.tag, str)]
