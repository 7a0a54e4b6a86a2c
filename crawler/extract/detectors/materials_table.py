"""Materials and steps tables, recognised by their header row whatever its column wording.

A row is a header when its cells map (exactly or fuzzily, labels.yaml `materials:`/`steps:`) to
the name column and at least one more; one combined 表格下载/附件 column is kept as "forms" and
split by link text later. Body rows run to the next header row or the table's end.
"""

from __future__ import annotations

import re

from lxml import etree

from ..context import Context, Row, has_table, links_of, t
from ..labels import LabelTable

_FORMS = re.compile(r"(空表|样表|表格|附件|下载)")


def cells(tr: etree._Element) -> list[etree._Element]:
    return [c for c in tr if c.tag in ("td", "th")]


def rows(table: etree._Element, cache: dict | None = None) -> list[etree._Element]:
    # Rows of this table only, not of tables nested in its cells (computed once per page).
    if cache is not None:
        found = cache.get(table)
        if found is None:
            found = cache[table] = [tr for tr in table.iter("tr") if _owner_table(tr) is table]
        return found
    return [tr for tr in table.iter("tr") if _owner_table(tr) is table]


def _owner_table(el: etree._Element) -> etree._Element | None:
    for anc in el.iterancestors():
        if anc.tag == "table":
            return anc
    return None


def header_map(row_cells: list[etree._Element], table: LabelTable) -> dict[int, str] | None:
    # Cheap test first (rows are many): one cell must be an exact column name.
    if len(row_cells) < 2 or not any(map(table.exact_field, map(t, row_cells))):
        return None
    mapping: dict[int, str] = {}
    for i, cell in enumerate(row_cells):
        if has_table(cell):
            return None
        text = t(cell)
        fld = table.field(text)
        if fld is None and _FORMS.search(text):
            fld = "forms"
        if fld and fld not in mapping.values():
            mapping[i] = fld
    if "name" in mapping.values() and len(mapping) >= 2:
        return mapping
    return None


# Cell text → is it exactly a column name of the materials or the steps table, per Labels: most
# rows of most tables are no header, and this settles them with one lookup per cell instead of
# two header_map passes (a quarter of the extraction's time went to those). Bounded like
# LabelTable's own memo; past the bound, texts are looked up without being kept.
_COLUMN_WORDS_MAX = 4096


def _may_be_header(row_cells: list[etree._Element], labels) -> bool:
    memo = labels.__dict__.get("_column_words")
    if memo is None:
        memo = labels.__dict__["_column_words"] = {}
    for cell in row_cells:
        text = t(cell)
        hit = memo.get(text)
        if hit is None:
            hit = labels.materials.exact_field(text) is not None or labels.steps.exact_field(text) is not None
            if len(memo) < _COLUMN_WORDS_MAX:
                memo[text] = hit
        if hit:
            return True
    return False


def item_rows(body: list[etree._Element], mapping: dict[int, str], width: int, base_url: str | None) -> list[Row]:
    out: list[Row] = []
    for tr in body:
        row_cells = cells(tr)
        if len(row_cells) < 2 or len(row_cells) < min(width, max(mapping) + 1) - 1:
            continue  # a group row ("情形一") or a note spanning the table
        row = Row({}, {})
        for i, name in mapping.items():
            if i >= len(row_cells):
                continue
            # The column is the label: an empty cell under it is "" (shown, empty); a column
            # the table does not have stays None (not published).
            row.cells[name] = t(row_cells[i])
            row.links[name] = links_of(row_cells[i], base_url)
        out.append(row)
    return out


def detect(ctx: Context) -> None:
    labels = ctx.labels
    for table in ctx.root.iter("table"):
        table_rows = rows(table, ctx.table_rows)
        headers: dict[int, tuple] = {}

        def header(j: int, table_rows: list = table_rows, headers: dict = headers) -> tuple:
            found = headers.get(j)
            if found is None:
                row_cells = cells(table_rows[j])
                if len(row_cells) < 2 or not _may_be_header(row_cells, labels):
                    found = headers[j] = (None, None)  # what both header_map calls would say
                else:
                    mat = header_map(row_cells, labels.materials)
                    found = headers[j] = (mat, None if mat else header_map(row_cells, labels.steps))
            return found

        i = 0
        while i < len(table_rows):
            mat, stp = header(i)
            if not (mat or stp):
                i += 1
                continue
            tr = table_rows[i]
            body = []
            j = i + 1
            while j < len(table_rows) and not any(header(j)):
                body.append(table_rows[j])
                j += 1
            parsed = item_rows(body, mat or stp, len(cells(tr)), ctx.base_url)
            if mat:
                ctx.materials.append(parsed)
                ctx.material_headers.append([t(c) for c in cells(tr)])
            else:
                ctx.steps.append(parsed)
            for r in [tr, *body]:
                ctx.mark(r)
            i = j
