"""Label/value pairs of a guide page, whatever the layout.

Layouts seen on portals (../shared/portals.md): ``<th>``/``<td>`` rows, ``<td>label</td><td>``
rows (also several pairs per row), ``td.zjzw-procedure-tabItem-name`` + next cell, ``<dl>``
``<dt>``/``<dd>``, ``<strong>``/``<span>`` and ``<p>``label``<span>`` pairs, and "标签：值" text.
Materials and steps tables are recognised by their header rows and parsed into rows.
Page chrome (header, nav, footer, sidebars) is cut away first, so a 联系电话 in a footer is
never taken for the guide's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree

from .labels import MAX_LABEL_CHARS, Labels, LabelTable, normalise_label
from .text import SKIP_TAGS, element_text, tidy

CHROME_TAGS = frozenset({"header", "nav", "footer", "aside"})
_CHROME_TOKEN = re.compile(
    r"^(?:footer|foot|ft|header|hd|nav|navbar|menu|breadcrumb|crumbs?|copyright|sidebar|"
    r"topbar|top-bar|site-header|site-footer|page-header|page-footer|bottom|links?)$"
    r"|(?:^|[-_])(?:footer|copyright|navbar|breadcrumb|bottom)(?:[-_]|$)",
    re.I,
)
_LABEL_CLASS = re.compile(r"(?:^|[-_])(?:name|label|lable|title|tit|key|th|item-name)(?:[-_]|$)", re.I)
_COLON_LABEL = re.compile(r"^\s*([^：:\n]{1,24}?)\s*[：:]\s*(.*)$", re.S)
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5"})
INLINE_LABEL_TAGS = frozenset({"strong", "b", "label", "span", "em", "i", "font", "dt"})


@dataclass
class Pair:
    label: str
    value: str
    field: str | None
    element: etree._Element  # the value element (or the label element for text pairs)
    structural: bool  # from a table, <dl> or a labelled element, not a free "标签：值" text
    links: list[tuple[str, str]] = field(default_factory=list)  # (absolute url, link text)


@dataclass
class Row:
    cells: dict[str, str | None]
    links: dict[str, list[tuple[str, str]]]


@dataclass
class PageParts:
    pairs: list[Pair]
    materials: list[list[Row]]  # one list of rows per materials table
    steps: list[list[Row]]
    headings: list[tuple[str, str, etree._Element]]  # (heading text, section text, heading)


# Text of elements already read during one find_parts() call: cells are read several times
# (label test, header test, value). Keys keep their proxies alive, so ids are never reused.
_TEXT_CACHE: dict[etree._Element, str] = {}


def _t(el: etree._Element) -> str:
    text = _TEXT_CACHE.get(el)
    if text is None:
        text = _TEXT_CACHE[el] = element_text(el)
    return text


def _classes(el: etree._Element) -> list[str]:
    return ((el.get("class") or "") + " " + (el.get("id") or "")).split()


_NEVER_CHROME = frozenset({"td", "th", "tr", "table", "tbody", "thead", "dt", "dd", "span", "strong", "label"})


@lru_cache(maxsize=8192)
def _chrome_names(class_and_id: str) -> bool:
    # Pages repeat the same few class/id strings: the token regex runs once per string.
    return any(_CHROME_TOKEN.search(tok) for tok in class_and_id.split())


def is_chrome(el: etree._Element) -> bool:
    if el.tag in CHROME_TAGS:
        return True
    if el.tag in _NEVER_CHROME:
        return False
    cls, eid = el.get("class"), el.get("id")
    if not cls and not eid:
        return False
    return _chrome_names((cls or "") + " " + (eid or ""))


def prune_chrome(root: etree._Element) -> None:
    """Drop page chrome and invisible elements in place (the tree is ours, freshly parsed)."""
    doomed = [
        el
        for el in root.iter(etree.Element)  # elements only: no comments or processing instructions
        if el.tag in SKIP_TAGS or is_chrome(el)
    ]
    for el in doomed:
        parent = el.getparent()
        if parent is None:
            continue
        # Keep the tail text: it belongs to the parent, not to the removed element.
        if el.tail:
            prev = el.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + el.tail
            else:
                parent.text = (parent.text or "") + el.tail
        parent.remove(el)


@lru_cache(maxsize=16384)
def _join_at_origin(origin: str, href: str) -> str:
    return urljoin(origin, href)


def resolve(base: str, href: str) -> str:
    """urljoin(base, href). A root-relative href ("/files/F1.docx") depends only on the base's
    scheme and host (urljoin ignores its path and query then), so its result is cached per
    origin: form and navigation links repeat across the pages of a portal."""
    if href[:1] == "/" and href[1:2] != "/":
        parts = urlsplit(base)  # itself cached by the standard library
        if parts.scheme in ("http", "https") and parts.netloc:
            return _join_at_origin(f"{parts.scheme}://{parts.netloc}/", href)
    return urljoin(base, href)


def links_of(el: etree._Element, base_url: str | None) -> list[tuple[str, str]]:
    found = []
    for a in el.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:", "tel:")):
            continue
        found.append((resolve(base_url or "", href), _t(a)))
    return found


def _is_label_cell(cell: etree._Element, labels: LabelTable) -> bool:
    if _has_table(cell):
        return False
    text = _t(cell)
    key = normalise_label(text)
    if not key or len(key) > MAX_LABEL_CHARS or "\n" in text:
        return False
    if cell.tag == "th" or any(_LABEL_CLASS.search(t) for t in _classes(cell)):
        return True
    return labels.field(text) is not None


def _label_row(cells: list[etree._Element], labels: LabelTable) -> bool:
    """Every cell a header cell or a label, at least two of them mapping to fields."""
    if len(cells) < 2 or not all(c.tag == "th" or _short(c) for c in cells):
        return False
    classed = [any(_LABEL_CLASS.search(t) for t in _classes(c)) for c in cells]
    if any(classed) and not all(classed):
        return False  # label cells and value cells side by side: a label/value row
    if all(c.tag == "th" for c in cells):
        return sum(1 for c in cells if labels.field(_t(c)) is not None) >= 2
    # Plain cells: only exact synonyms, so a value like 无法定时限 is never taken for a label.
    return all(labels.exact_field(_t(c)) is not None for c in cells)


def _short(cell: etree._Element) -> bool:
    text = _t(cell)
    key = normalise_label(text)
    return bool(key) and len(key) <= MAX_LABEL_CHARS and "\n" not in text and not _has_table(cell)


def _has_table(el: etree._Element) -> bool:
    for _ in el.iterdescendants("table"):
        return True
    return False


def _cells(tr: etree._Element) -> list[etree._Element]:
    return [c for c in tr if c.tag in ("td", "th")]


def _rows(table: etree._Element) -> list[etree._Element]:
    # Rows of this table only, not of tables nested in its cells.
    return [tr for tr in table.iter("tr") if _owner_table(tr) is table]


def _owner_table(el: etree._Element) -> etree._Element | None:
    for anc in el.iterancestors():
        if anc.tag == "table":
            return anc
    return None


def _header_map(cells: list[etree._Element], table: LabelTable, first: bool = False) -> dict[int, str] | None:
    # Cheap test first (rows are many): one cell must be an exact column name.
    if len(cells) < 2 or not any(map(table.exact_field, map(_t, cells))):
        return None
    mapping: dict[int, str] = {}
    for i, cell in enumerate(cells):
        if _has_table(cell):
            return None
        text = _t(cell)
        fld = table.field(text)
        if fld is None and re.search(r"(空表|样表|表格|附件|下载)", text):
            fld = "forms"
        if fld and fld not in mapping.values():
            mapping[i] = fld
    if "name" in mapping.values() and len(mapping) >= 2:
        return mapping
    return None


def _item_rows(
    rows: list[etree._Element], mapping: dict[int, str], width: int, base_url: str | None
) -> list[Row]:
    out: list[Row] = []
    for tr in rows:
        cells = _cells(tr)
        if len(cells) < 2 or len(cells) < min(width, max(mapping) + 1) - 1:
            continue  # a group row ("情形一") or a note spanning the table
        # A leading 序号 column missing from the body is rare; align from the left.
        row = Row({}, {})
        for i, name in mapping.items():
            if i >= len(cells):
                continue
            # The column is the label: an empty cell under it is "" (shown, empty); a column
            # the table does not have stays None (not published).
            row.cells[name] = _t(cells[i])
            row.links[name] = links_of(cells[i], base_url)
        out.append(row)
    return out


def find_parts(root: etree._Element, labels: Labels, base_url: str | None) -> PageParts:
    _TEXT_CACHE.clear()
    try:
        return _find_parts(root, labels, base_url)
    finally:
        _TEXT_CACHE.clear()


def _find_parts(root: etree._Element, labels: Labels, base_url: str | None) -> PageParts:
    pairs: list[Pair] = []
    materials: list[list[Row]] = []
    steps: list[list[Row]] = []
    used: set[etree._Element] = set()

    def mark(el: etree._Element) -> None:
        used.update(el.iter())

    # 1. Tables: materials/steps tables by their header row, label/value rows otherwise.
    for table in root.iter("table"):
        rows = _rows(table)
        # A table whose rows start with known labels is a label/value table: its other short
        # first-column cells are labels too (they go to extra when unmapped).
        label_table = any(
            (c := _cells(tr)) and len(c) >= 2 and labels.fields.field(_t(c[0]))
            for tr in rows
        )
        # Header maps of each row, computed once (the body scan and the row walk both ask).
        headers: dict[int, tuple] = {}

        def header(j: int, rows: list = rows, headers: dict = headers) -> tuple:
            found = headers.get(j)
            if found is None:
                row_cells = _cells(rows[j])
                mat = _header_map(row_cells, labels.materials)
                found = headers[j] = (mat, None if mat else _header_map(row_cells, labels.steps))
            return found

        i = 0
        while i < len(rows):
            tr = rows[i]
            cells = _cells(tr)
            mat, stp = header(i)
            if mat or stp:
                body = []
                j = i + 1
                while j < len(rows) and not any(header(j)):
                    body.append(rows[j])
                    j += 1
                parsed = _item_rows(body, mat or stp, len(cells), base_url)
                (materials if mat else steps).append(parsed)
                for r in [tr, *body]:
                    mark(r)
                i = j
                continue
            # Column layout: a row of labels over a row of values (法定办结时限 | 承诺办结时限).
            if i + 1 < len(rows) and _label_row(cells, labels.fields):
                below = _cells(rows[i + 1])
                if len(below) == len(cells) and not _label_row(below, labels.fields):
                    for label_cell, value_cell in zip(cells, below, strict=True):
                        label = _t(label_cell)
                        pairs.append(Pair(label, _t(value_cell), labels.fields.field(label), value_cell,
                                          True, links_of(value_cell, base_url)))
                    mark(tr)
                    mark(rows[i + 1])
                    i += 2
                    continue
            k = 0
            while k < len(cells):
                cell = cells[k]
                if (
                    k + 1 < len(cells)
                    and (_is_label_cell(cell, labels.fields) or (label_table and _short(cell)))
                    and not (cells[k + 1].tag == "th")
                    and not _has_table(cells[k + 1])
                ):
                    value_cell = cells[k + 1]
                    label = _t(cell)
                    pairs.append(
                        Pair(
                            label,
                            _t(value_cell),
                            labels.fields.field(label),
                            value_cell,
                            True,
                            links_of(value_cell, base_url),
                        )
                    )
                    mark(cell)
                    mark(value_cell)
                    k += 2
                else:
                    k += 1
            i += 1

    # 2. Definition lists: each <dt> with the <dd>s that follow it.
    for dl in root.iter("dl"):
        groups: list[tuple[etree._Element, list[etree._Element]]] = []
        for child in dl:
            if child in used or not isinstance(child.tag, str):
                continue
            if child.tag == "dt":
                groups.append((child, []))
            elif child.tag == "dd" and groups:
                groups[-1][1].append(child)
        for dt, dds in groups:
            label = _t(dt)
            value = "\n".join(_t(dd) for dd in dds)
            links = [link for dd in dds for link in links_of(dd, base_url)]
            pairs.append(Pair(label, value, labels.fields.field(label), dds[0] if dds else dt, True, links))
        mark(dl)

    # 3. Labelled elements and "标签：值" text, in document order.
    headings: list[tuple[str, str, etree._Element]] = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el in used:
            continue
        if el.tag in HEADINGS:
            headings.append((_t(el), "", el))
            mark(el)
            continue
        if el.tag in ("table", "tr", "td", "th", "tbody", "thead", "html", "body", "dl"):
            continue
        pair = _element_pair(el, labels, base_url)
        if pair is not None:
            pairs.append(pair)
            mark(el)
            if pair.element is not el:
                mark(pair.element)
    # Keep a heading's section text only where no pair or table was found under it.
    sections = []
    for title, _, heading in headings:
        sibs = []
        for sib in heading.itersiblings():
            if not isinstance(sib.tag, str):
                continue
            if sib.tag in HEADINGS:
                break
            sibs.append(sib)
        if sibs and not any(d in used for sib in sibs for d in sib.iter()):
            sections.append((title, "\n".join(t for t in map(element_text, sibs) if t), heading))
    return PageParts(pairs, materials, steps, sections)


def _element_pair(el: etree._Element, labels: Labels, base_url: str | None) -> Pair | None:
    lead = el.text or ""
    children = [c for c in el if isinstance(c.tag, str)]
    classed = any(_LABEL_CLASS.search(t) for t in _classes(el))

    # <strong>label：</strong><span>value</span>  /  <span class="label">label</span>value
    if not children and (el.tag in INLINE_LABEL_TAGS or classed):
        text = tidy(lead)
        key = normalise_label(text)
        if key and len(key) <= MAX_LABEL_CHARS:
            fld = labels.fields.field(text)
            looks_label = fld is not None or text.endswith(("：", ":")) or classed
            if looks_label:
                nxt = el.getnext()
                tail = (el.tail or "").strip()
                if tail:
                    value, value_el = tidy(el.tail or ""), el
                    links: list[tuple[str, str]] = []
                elif nxt is not None and isinstance(nxt.tag, str) and (
                    text.endswith(("：", ":")) or not _starts_label(nxt, labels)
                ):
                    value, value_el = _t(nxt), nxt
                    links = links_of(nxt, base_url)
                elif fld is not None and (nxt is None or _starts_label(nxt, labels)):
                    value, value_el, links = "", el, []
                else:
                    return None
                return Pair(text.rstrip("：: "), value, fld, value_el, True, links)

    # <p><strong>label</strong><span>value</span></p>: the <strong> is visited next.
    if children and not lead.strip() and children[0].tag in INLINE_LABEL_TAGS:
        return None

    # <p>label：<span>value</span></p>: the leading text is a label, the rest its value.
    if children and lead.strip():
        text = tidy(lead)
        key = normalise_label(text)
        if key and len(key) <= MAX_LABEL_CHARS and (
            labels.fields.field(text) is not None or text.endswith(("：", ":"))
        ):
            rest = _text_after_lead(el)
            return Pair(text.rstrip("：: "), rest, labels.fields.field(text), el, True, links_of(el, base_url))

    # <p>标签：值</p> (free text; only mapped labels, and only outside structures).
    if el.tag in ("p", "li", "div", "span"):
        if children and any(c.tag not in ("br", "a", "span", "font", "em", "i", "b", "strong") for c in children):
            return None
        full = _t(el)
        found = _COLON_LABEL.match(full)
        if found:
            label = found.group(1).strip()
            fld = labels.fields.field(label)
            # Unmapped free-text labels are kept only if short and label-like; the page
            # builder keeps them only among mapped lines (see build_record).
            if fld is not None or (len(label) <= 12 and not re.search(r"[，,。；;、\s]", label)):
                return Pair(label, found.group(2).strip(), fld, el, False, links_of(el, base_url))
    return None


def _starts_label(el: etree._Element, labels: Labels) -> bool:
    text = _t(el)
    return bool(text) and len(normalise_label(text)) <= MAX_LABEL_CHARS and (
        labels.fields.field(text) is not None
    ) and el.tag in INLINE_LABEL_TAGS


def _text_after_lead(el: etree._Element) -> str:
    saved = el.text
    el.text = None
    try:
        return element_text(el)  # uncached: the lead text is hidden for this read
    finally:
        el.text = saved
