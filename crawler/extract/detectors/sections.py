"""Sections: a heading (``<h2>受理条件</h2>``) or a tab pane whose title names a field, holding no
pairs or tables, is that field's text. Headings are titles, never values of pairs."""

from __future__ import annotations

from ..context import HEADINGS, Context, Section, t
from ..text import element_text


def mark_headings(ctx: Context) -> list:
    found = []
    for el in ctx.root.iter(*HEADINGS):
        if el not in ctx.used:
            found.append(el)
            ctx.used.add(el)
    return found


def detect(ctx: Context, headings: list) -> None:
    used = ctx.used
    for heading in headings:
        sibs = []
        for sib in heading.itersiblings():
            if not isinstance(sib.tag, str):
                continue
            if sib.tag in HEADINGS:
                break
            sibs.append(sib)
        if sibs and not any(d in used for sib in sibs for d in sib.iter()):
            text = "\n".join(x for x in map(element_text, sibs) if x)
            ctx.sections.append(Section(t(heading), text, heading, "sections"))
    # Tab panes (tabs.py) left without text: their text is theirs when nothing inside was a pair.
    for i, sec in enumerate(ctx.sections):
        if sec.detector == "tabs" and not sec.text:
            pane = sec.element
            if not any(d in used for d in pane.iter()):
                ctx.sections[i] = Section(sec.title, element_text(pane), pane, "tabs")
