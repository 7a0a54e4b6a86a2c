"""Tab panes: a strip of short tab titles (``<ul class="tab"><li>受理条件</li>…``) and as many
pane containers after it. A pane is tied to its title by ``href="#id"``/``data-target``/
``aria-controls``, else by position. The titles are furniture of the page (never values); a pane
whose title names a field and that holds no pairs is that field's text (sections.py applies it).
"""

from __future__ import annotations

import re

from lxml import etree

from ..context import Context, Section, classes, short, t

_TAB_CLASS = re.compile(r"tab|nav-item|menu-item|^(?:item|li)$", re.I)
_PANE_CLASS = re.compile(r"tab-?pane|tab-?con|tab-?body|tab-?panel|tabcontent|panel|pane|con(?:tent)?\d*$", re.I)
_TARGET_ATTRS = ("href", "data-target", "data-tab", "aria-controls", "data-id", "rel")


def _titles(strip: etree._Element) -> list[etree._Element]:
    return [c for c in strip if isinstance(c.tag, str) and c.tag in ("li", "a", "span", "div", "button")]


def _target(el: etree._Element) -> str | None:
    for node in (el, *el.iterdescendants("a")):
        for attr in _TARGET_ATTRS:
            value = (node.get(attr) or "").strip()
            if value:
                return value.lstrip("#")
    return None


def detect(ctx: Context) -> None:
    root = ctx.root
    by_id: dict[str, etree._Element] | None = None
    for strip in root.iter("ul", "ol", "div"):
        if len(strip) < 2 or strip in ctx.used:
            continue
        titles = _titles(strip)
        if len(titles) < 2 or len(titles) > 15:
            continue
        if not any(_TAB_CLASS.search(c) for c in classes(strip)) and not any(
            _TAB_CLASS.search(c) for el in titles[:2] for c in classes(el)
        ):
            continue
        if not all(short(el) for el in titles):
            continue
        # Evidence: at least two titles are section or field words.
        known = sum(1 for el in titles if ctx.labels.section_word(t(el)) or ctx.is_field_label(t(el)))
        if known < 2:
            continue
        panes = _panes(strip, titles)
        if panes is None:
            if by_id is None:
                by_id = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
            targets = [_target(el) for el in titles]
            if all(targets) and all(x in by_id for x in targets):
                panes = [by_id[x] for x in targets]
        ctx.mark(strip)
        if panes is None:
            continue
        for title, pane in zip(titles, panes, strict=False):
            ctx.sections.append(Section(t(title), "", pane, "tabs"))


def _panes(strip: etree._Element, titles: list[etree._Element]) -> list[etree._Element] | None:
    """The pane containers after the strip, by class, when there are as many as titles."""
    for holder in (strip.getnext(), strip.getparent().getnext() if strip.getparent() is not None else None):
        if holder is None or not isinstance(holder.tag, str):
            continue
        kids = [c for c in holder if isinstance(c.tag, str)]
        if len(kids) == len(titles) and all(any(_PANE_CLASS.search(c) for c in classes(k)) for k in kids):
            return kids
    sibs = []
    for sib in strip.itersiblings():
        if isinstance(sib.tag, str) and any(_PANE_CLASS.search(c) for c in classes(sib)):
            sibs.append(sib)
    return sibs if len(sibs) == len(titles) else None
