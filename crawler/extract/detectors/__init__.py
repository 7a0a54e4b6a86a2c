"""Structure detectors: each reads the pruned tree and adds candidate pairs, table rows or
sections to the page's Context, marking the elements it consumed so later detectors skip them.

Order matters and is the whole policy: header-row tables first (a materials table is never
label/value rows), then table rows, definition lists, tab strips (their titles are not values),
class pairs; headings are set aside as titles; then one walk in document order offers each
remaining element to the element detectors (labelled inline elements, then free "标签：值"
text); finally sections (heading or tab pane text). Adding a structure = one module here.
"""

from __future__ import annotations

from lxml import etree

from ..context import Context, PageParts, clear_cache, index_tables
from ..labels import Labels
from . import class_pairs, colon_text, dl, inline, materials_table, rows, sections, tabs

BLOCK_DETECTORS = (materials_table.detect, rows.detect, dl.detect, tabs.detect, class_pairs.detect)
ELEMENT_DETECTORS = (inline.detect_element, colon_text.detect_element)
_SKIP = frozenset({"table", "tr", "td", "th", "tbody", "thead", "html", "body", "dl"})


def find_parts(root: etree._Element, labels: Labels, base_url: str | None) -> PageParts:
    clear_cache()
    try:
        index_tables(root)
        ctx = Context(root, labels, base_url)
        for detect in BLOCK_DETECTORS:
            detect(ctx)
        headings = sections.mark_headings(ctx)
        used = ctx.used
        for el in root.iter(etree.Element):
            if el in used or el.tag in _SKIP:
                continue
            for detect in ELEMENT_DETECTORS:
                if detect(ctx, el):
                    break
        sections.detect(ctx, headings)
        return PageParts(ctx.pairs, ctx.materials, ctx.steps, ctx.sections, ctx.material_headers)
    finally:
        clear_cache()
