"""Definition lists: each ``<dt>`` with the ``<dd>``s that follow it (several ``<dd>`` = lines)."""

from __future__ import annotations

from lxml import etree

from ..context import Context, t


def detect(ctx: Context) -> None:
    used = ctx.used
    for dl in ctx.root.iter("dl"):
        groups: list[tuple[etree._Element, list[etree._Element]]] = []
        for child in dl:
            if child in used or not isinstance(child.tag, str):
                continue
            if child.tag == "dt":
                groups.append((child, []))
            elif child.tag == "dd" and groups:
                groups[-1][1].append(child)
        for dt, dds in groups:
            value = "\n".join(t(dd) for dd in dds)
            links = [link for dd in dds for link in ctx.links(dd)]
            ctx.pair(t(dt), dds[0] if dds else dt, "dl", value=value, links=links)
        ctx.mark(dl)
