"""``<div>`` pairs told apart by class, whatever the class names: children alternating two
classes (``<span class="k">…</span><span class="v">…</span>`` …), or rows each holding exactly two
children with the same two classes. Evidence: at least two of the label texts map to fields,
so a menu or a card grid is never read as pairs."""

from __future__ import annotations

from lxml import etree

from ..context import Context, short, t

_BLOCK = frozenset({"div", "ul", "ol", "section", "form", "article", "li", "p"})


def _sig(el: etree._Element) -> str | None:
    cls = (el.get("class") or "").strip()
    return f"{el.tag}.{cls}" if cls else None


def _kids(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def detect(ctx: Context) -> None:
    used = ctx.used
    for parent in ctx.root.iter(*_BLOCK):
        if len(parent) < 2 or parent[0].get("class") is None and (
            not len(parent[0]) or parent[0][0].get("class") is None
        ) or parent in used:
            continue  # neither alternating classed children nor rows of classed pairs
        kids = _kids(parent)
        pairs = _alternating(kids) or _rows(kids)
        if not pairs:
            continue
        if sum(1 for label, _ in pairs if ctx.is_field_label(t(label))) < 2:
            continue
        for label, value in pairs:
            ctx.pair(t(label).rstrip("：: "), value, "class_pairs")
            ctx.mark(label)
            ctx.mark(value)


def _alternating(kids: list[etree._Element]) -> list[tuple[etree._Element, etree._Element]] | None:
    if len(kids) < 4 or len(kids) % 2:
        return None
    a, b = _sig(kids[0]), _sig(kids[1])
    if not a or not b or a == b:
        return None
    for i in range(0, len(kids), 2):
        if _sig(kids[i]) != a or _sig(kids[i + 1]) != b or not short(kids[i]) or len(kids[i]):
            return None
    return [(kids[i], kids[i + 1]) for i in range(0, len(kids), 2)]


def _rows(kids: list[etree._Element]) -> list[tuple[etree._Element, etree._Element]] | None:
    if len(kids) < 2:
        return None
    sig = None
    out = []
    for row in kids:
        inner = _kids(row)
        if len(inner) != 2 or len(inner[0]):
            return None
        pair_sig = (_sig(inner[0]), _sig(inner[1]))
        if not pair_sig[0] or not pair_sig[1] or pair_sig[0] == pair_sig[1]:
            return None
        if sig is None:
            sig = pair_sig
        elif pair_sig != sig:
            return None
        if not short(inner[0]):
            return None
        out.append((inner[0], inner[1]))
    return out
