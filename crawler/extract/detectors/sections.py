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
    # A pane holding recognised pairs or titled rows is read through them: its title names no
    # field value then. Stray "第五十七条：…" text pairs in a pane of prose do not count.
    kept = []
    for sec in ctx.sections:
        if sec.detector == "tabs" and not sec.text:
            inside = set(sec.element.iter())
            if any(p.element in inside and ctx.is_field_label(p.label) for p in ctx.pairs) or any(
                s.detector != "tabs" and s.element in inside for s in ctx.sections
            ) or any(el.tag == "tr" and el in used for el in inside):  # a materials/steps table
                continue
            sec = Section(sec.title, element_text(sec.element), sec.element, "tabs")
        kept.append(sec)
    ctx.sections[:] = kept
