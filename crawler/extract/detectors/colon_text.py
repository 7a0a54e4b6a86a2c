"""Free "标签：值" text in ``<p>``, ``<li>``, ``<div>``, ``<span>`` (only inline markup inside).

These pairs are not structural: the record builder keeps an unmapped one only among mapped
lines, and a lone one outside the block holding the structural pairs (an unmarked footer's
联系电话) not at all."""

from __future__ import annotations

import re

from lxml import etree

from ..context import Context, t

_COLON_LABEL = re.compile(r"^\s*([^：:\n]{1,24}?)\s*[：:]\s*(.*)$", re.S)
_INLINE = frozenset({"br", "a", "span", "font", "em", "i", "b", "strong"})
_PROSE = re.compile(r"[，,。；;、\s]")


def detect_element(ctx: Context, el: etree._Element) -> bool:
    if el.tag not in ("p", "li", "div", "span"):
        return False
    if any(isinstance(c.tag, str) and c.tag not in _INLINE for c in el):
        return False
    found = _COLON_LABEL.match(t(el))
    if not found:
        return False
    label = found.group(1).strip()
    if ctx.labels.fields.field(label) is None and (len(label) > 12 or _PROSE.search(label)):
        return False
    ctx.pair(label, el, "colon_text", value=found.group(2).strip(), structural=False)
    ctx.mark(el)
    return True
