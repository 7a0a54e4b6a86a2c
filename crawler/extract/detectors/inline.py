"""Labelled inline elements: ``<strong>label：</strong><span>value</span>``, ``<label>``/
``<span>``, ``<span class="label">label</span>value`` (tail text), ``<div class="tit">`` + the next
element, and ``<p>label：<span>value</span></p>`` (the leading text is the label)."""

from __future__ import annotations

from lxml import etree

from ..context import INLINE_LABEL_TAGS, Context, label_classed, t
from ..labels import MAX_LABEL_CHARS, label_key
from ..text import element_text, tidy


def detect_element(ctx: Context, el: etree._Element) -> bool:
    lead = el.text or ""
    children = [c for c in el if isinstance(c.tag, str)]
    fields = ctx.labels.fields

    if not children and (el.tag in INLINE_LABEL_TAGS or label_classed(el)):
        text = tidy(lead)
        key = label_key(text)
        if key and len(key) <= MAX_LABEL_CHARS:
            mapped = fields.field(text) is not None
            # <label> says "label" in HTML itself: an unmapped one is still a label (→ extra).
            classed = el.tag == "label" or label_classed(el)
            if mapped or text.endswith(("：", ":")) or classed:
                nxt = el.getnext()
                tail = (el.tail or "").strip()
                if tail:
                    value, value_el, links = tidy(el.tail or ""), el, []
                elif nxt is not None and isinstance(nxt.tag, str) and (
                    text.endswith(("：", ":")) or not _starts_label(ctx, nxt)
                ):
                    value, value_el, links = t(nxt), nxt, ctx.links(nxt)
                elif mapped and (nxt is None or _starts_label(ctx, nxt)):
                    value, value_el, links = "", el, []
                else:
                    return True  # a label-like element with no value: not a text pair either
                ctx.pair(text.rstrip("：: "), value_el, "inline", value=value, links=links)
                ctx.mark(el)
                if value_el is not el:
                    ctx.mark(value_el)
                return True

    # <p><strong>label</strong><span>value</span></p>: the <strong> is visited next.
    if children and not lead.strip() and children[0].tag in INLINE_LABEL_TAGS:
        return True  # handled (or refused) at the child; no text pair for the parent

    if children and lead.strip():
        text = tidy(lead)
        key = label_key(text)
        if key and len(key) <= MAX_LABEL_CHARS and (
            fields.field(text) is not None or text.endswith(("：", ":"))
        ):
            ctx.pair(text.rstrip("：: "), el, "inline:lead", value=_text_after_lead(el))
            ctx.mark(el)
            return True
    return False


def _starts_label(ctx: Context, el: etree._Element) -> bool:
    text = t(el)
    return bool(text) and len(label_key(text)) <= MAX_LABEL_CHARS and (
        ctx.labels.fields.field(text) is not None
    ) and el.tag in INLINE_LABEL_TAGS


def _text_after_lead(el: etree._Element) -> str:
    saved = el.text
    el.text = None
    try:
        return element_text(el)  # uncached: the lead text is hidden for this read
    finally:
        el.text = saved
